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
    func push(_ batch: consuming [TransactionEvent]) {
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

    /// A batch if one is queued, without waiting.
    func take() -> [TransactionEvent]? {
        condition.lock()
        defer { condition.unlock() }
        guard !batches.isEmpty else { return nil }
        let batch = batches.removeFirst()
        condition.broadcast()
        return batch
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

/// The events of merged inputs, in batches: read on the caller's thread (`jobs` 1), or on a
/// thread of their own so that decoding and parsing overlap with detection.
///
/// With a reader thread, the merged inputs are handed to it and touched by nothing else until
/// the queue reports the end, which happens after the thread's last use of them (the queue's
/// lock orders the two). Batch buffers go back to the reader once used, so the steady state
/// allocates nothing.
final class EventBatches {
    private final class Handoff: @unchecked Sendable {
        let inputs: MergedInputs
        init(_ inputs: MergedInputs) { self.inputs = inputs }
    }

    private let inputs: MergedInputs?
    private let filled: EventBatchQueue?
    private let empty: EventBatchQueue?
    private let batchSize: Int

    init(_ inputs: MergedInputs, jobs: Int, batchSize: Int = 4096, queuedBatches: Int = 8) {
        self.batchSize = batchSize
        guard jobs > 1 else {
            self.inputs = inputs
            filled = nil
            empty = nil
            return
        }
        self.inputs = nil
        let filled = EventBatchQueue(capacity: queuedBatches)
        let empty = EventBatchQueue(capacity: queuedBatches + 2)
        self.filled = filled
        self.empty = empty
        let handoff = Handoff(inputs)
        Thread.detachNewThread {
            var batch: [TransactionEvent] = []
            batch.reserveCapacity(batchSize)
            while handoff.inputs.fill(&batch, limit: batchSize) {
                filled.push(batch)
                batch = empty.take() ?? []
                batch.reserveCapacity(batchSize)
            }
            filled.finish()
        }
    }

    /// Replaces `batch` with the next events; false when every input has been read (a reader
    /// thread is then done).
    func next(_ batch: inout [TransactionEvent]) -> Bool {
        if let inputs { return inputs.fill(&batch, limit: batchSize) }
        guard let filled, let empty else { return false }
        if batch.capacity > 0 {
            // Handed back whole and emptied by the reader thread when it fills the buffer
            // again: releasing the events (each holds strings) is work taken off this thread.
            // Moved, so that the reader finds it uniquely referenced and reuses it.
            let used = batch
            batch = []
            empty.push(consume used)
        }
        guard let next = filled.pop() else {
            batch = []
            return false
        }
        batch = next
        return true
    }
}
