import LogwatchCore
import Foundation

/// The events of merged inputs, in batches: read on the caller's thread (`jobs` 1), or on a
/// thread of their own so that decoding and parsing overlap with detection.
///
/// With a reader thread, the merged inputs are handed to it and touched by nothing else until
/// the queue reports the end, which happens after the thread's last use of them (the queue's
/// lock orders the two). Batch buffers go back to the reader once used, so the steady state
/// allocates nothing.
public final class EventBatches {
    private final class Handoff: @unchecked Sendable {
        let inputs: MergedInputs
        public init(_ inputs: MergedInputs) { self.inputs = inputs }
    }

    private let inputs: MergedInputs?
    /// With a reader thread: the decoding of the input it reads, for this thread to help
    /// with while it waits for events.
    private var helpSlot: DecodeHelpSlot?
    private let filled: BatchQueue<EventBatch>?
    private let empty: BatchQueue<EventBatch>?
    private let batchSize: Int

    public init(_ inputs: MergedInputs, jobs: Int, batchSize: Int = 4096, queuedBatches: Int = 8) {
        self.batchSize = batchSize
        guard jobs > 1 else {
            self.inputs = inputs
            filled = nil
            empty = nil
            return
        }
        self.inputs = nil
        let helpSlot = DecodeHelpSlot()
        self.helpSlot = helpSlot
        inputs.helpSlot = helpSlot
        let filled = BatchQueue<EventBatch>(capacity: queuedBatches)
        let empty = BatchQueue<EventBatch>(capacity: queuedBatches + 2)
        self.filled = filled
        self.empty = empty
        let handoff = Handoff(inputs)
        Thread.detachNewThread {
            var batch = EventBatch(capacity: batchSize)
            while handoff.inputs.fill(batch, limit: batchSize) {
                guard filled.push(batch) else { break }
                batch = empty.take() ?? EventBatch(capacity: batchSize)
            }
            filled.finish()
        }
    }

    /// If detection stops early (a failing sink), the reader thread stops at its next batch.
    deinit {
        filled?.cancel()
    }

    /// A batch for `next(_:)`, of the size the stream fills.
    public func makeBatch() -> EventBatch { EventBatch(capacity: batchSize) }

    /// Replaces `batch` with the next events (one from `makeBatch()` at first; each one
    /// handed in is emptied and reused); false when every input has been read (a reader
    /// thread is then done).
    public func next(_ batch: inout EventBatch) -> Bool {
        if let inputs { return inputs.fill(batch, limit: batchSize) }
        guard let filled, let empty else { return false }
        // Emptied here, where there is slack: the reader thread is the busier of the two.
        batch.removeAll()
        if batch.capacity == batchSize { empty.push(batch) }
        // Rather than wait for the reader, decompress for it: a block at a time, while it has
        // none decoded ahead.
        var next = filled.take()
        while next == nil, helpSlot?.help() == true { next = filled.take() }
        guard let next = next ?? filled.pop() else { return false }
        batch = next
        return true
    }
}
