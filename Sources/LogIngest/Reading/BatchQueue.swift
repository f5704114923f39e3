import Foundation

/// A bounded queue between one producer thread and one consumer: of event batches, of chunks
/// of one input read ahead, of blocks of decoded bytes.
///
/// The consumer may go away before the producer is done: `cancel()` makes every later `push`
/// return false at once (also one waiting for room), so the producer stops instead of waiting
/// on a full queue for ever. What is queued stays for the owner to `take()` and release.
///
/// `@unchecked Sendable`: every stored property is read and written only while `condition` is
/// held; what goes through it is handed over whole (the producer keeps no reference).
public final class BatchQueue<Batch>: @unchecked Sendable {
    private let condition = NSCondition()
    private var batches: [Batch] = []
    private var finished = false
    private var cancelled = false
    private let capacity: Int

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
    }

    /// Blocks while the queue is full (so a fast producer cannot run ahead without bound).
    /// - Returns: false, with the batch dropped, once the consumer has cancelled.
    @discardableResult
    public func push(_ batch: consuming Batch) -> Bool {
        condition.lock()
        defer { condition.unlock() }
        while batches.count >= capacity && !cancelled { condition.wait() }
        guard !cancelled else { return false }
        batches.append(batch)
        condition.broadcast()
        return true
    }

    /// The producer is done: `pop` returns nil once everything queued was taken.
    public func finish() {
        condition.lock()
        finished = true
        condition.broadcast()
        condition.unlock()
    }

    /// The consumer is going away: pushes fail from now on.
    public func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    /// Whether the consumer has cancelled (for a producer to stop before its next batch).
    public var isCancelled: Bool {
        condition.lock()
        defer { condition.unlock() }
        return cancelled
    }

    /// How many batches wait.
    public var count: Int {
        condition.lock()
        defer { condition.unlock() }
        return batches.count
    }

    /// A batch if one is queued, without waiting.
    public func take() -> Batch? {
        condition.lock()
        defer { condition.unlock() }
        guard !batches.isEmpty else { return nil }
        let batch = batches.removeFirst()
        condition.broadcast()
        return batch
    }

    /// The next batch, or nil once the producer has finished and everything was taken.
    public func pop() -> Batch? {
        condition.lock()
        defer { condition.unlock() }
        while batches.isEmpty && !finished { condition.wait() }
        guard !batches.isEmpty else { return nil }
        let batch = batches.removeFirst()
        condition.broadcast()
        return batch
    }
}
