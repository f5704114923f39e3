import AnomalyEngine
import Foundation

/// A bounded queue of event batches between one producer thread and one consumer.
///
/// `@unchecked Sendable`: every stored property is read and written only while `condition` is held.
final class EventBatchQueue: @unchecked Sendable {
    private let condition = NSCondition()
    private var batches: [[TransactionEvent]] = []
    private var finished = false
    private let capacity: Int

    init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Blocks while the queue is full (so a fast reader cannot run ahead without bound).
    func push(_ batch: [TransactionEvent]) {
        condition.lock()
        while batches.count >= capacity { condition.wait() }
        batches.append(batch)
        condition.broadcast()
        condition.unlock()
    }

    func finish() {
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// The next batch, or nil once the producer has finished and everything was taken.
    func pop() -> [TransactionEvent]? {
        condition.lock()
        defer { condition.unlock() }
        while batches.isEmpty && !finished { condition.wait() }
        guard !batches.isEmpty else { return nil }
        let batch = batches.removeFirst()
        condition.broadcast()
        return batch
    }
}

/// Reads and parses on a thread of its own, so decoding and parsing overlap with detection.
///
/// The merged inputs are handed to the reader thread and touched by nothing else until the
/// queue reports the end, which happens after the thread's last use of them (the queue's lock
/// orders the two).
final class PipelinedEvents {
    private final class Handoff: @unchecked Sendable {
        let inputs: MergedInputs
        init(_ inputs: MergedInputs) { self.inputs = inputs }
    }

    private let queue: EventBatchQueue
    private var current: [TransactionEvent] = []
    private var index = 0

    init(_ inputs: MergedInputs, batchSize: Int = 4096, queuedBatches: Int = 8) {
        let queue = EventBatchQueue(capacity: queuedBatches)
        self.queue = queue
        let handoff = Handoff(inputs)
        Thread.detachNewThread {
            var batch: [TransactionEvent] = []
            batch.reserveCapacity(batchSize)
            while let e = handoff.inputs.next() {
                batch.append(e)
                if batch.count == batchSize {
                    queue.push(batch)
                    batch = []
                    batch.reserveCapacity(batchSize)
                }
            }
            if !batch.isEmpty { queue.push(batch) }
            queue.finish()
        }
    }

    /// The next event, or nil when every input has been read (the reader thread is then done).
    func next() -> TransactionEvent? {
        if index == current.count {
            guard let batch = queue.pop() else { return nil }
            current = batch
            index = 0
        }
        defer { index += 1 }
        return current[index]
    }
}
