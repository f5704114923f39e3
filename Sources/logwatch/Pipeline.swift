import AnomalyEngine
import LogIngest
import Foundation

/// `--jobs` when not given: the cores, at most 8 (more helps only with that many inputs that
/// overlap in time).
let defaultJobs = max(1, min(8, ProcessInfo.processInfo.activeProcessorCount))

/// One input decoded and parsed on a thread of its own, ahead of the merge that takes its
/// events one by one: inputs that overlap in time (the logs of several nodes) are then read in
/// parallel, and only the merge itself is left on the reading thread.
///
/// The reader belongs to the thread from `init` until the chunk that ends the input has been
/// taken (the queue's lock orders the thread's last use before it); only then may the owner
/// look at the reader's counts again. At most `queued` chunks wait, so memory stays bounded
/// however far the input runs ahead of the others. If the merge stops taking events before
/// the end (the command is failing) and lets go of this, the thread stops at its next chunk.
final class ReadAhead {
    private struct Chunk {
        var events: EventBatch
        /// The input's compressed bytes read when the chunk was made, for progress.
        var bytesRead: Int64
        var end = false
        var error: IngestError?
    }

    private final class Handoff: @unchecked Sendable {
        let reader: LogReader
        init(_ reader: LogReader) { self.reader = reader }
    }

    private let filled: BatchQueue<Chunk>
    private let empty: BatchQueue<EventBatch>
    private var current: EventBatch?
    private var position = 0
    private var ended = false
    /// The input's compressed bytes read, as of the chunk in hand.
    private(set) var bytesRead: Int64
    /// Why the input stopped early, once `next()` has returned nil.
    private(set) var error: IngestError?

    init(_ reader: LogReader, chunkSize: Int = 1024, queued: Int = 4) {
        bytesRead = reader.bytesRead
        let filled = BatchQueue<Chunk>(capacity: queued)
        let empty = BatchQueue<EventBatch>(capacity: queued + 2)
        self.filled = filled
        self.empty = empty
        let handoff = Handoff(reader)
        Thread.detachNewThread {
            let reader = handoff.reader
            var events = EventBatch(capacity: chunkSize)
            while true {
                var chunk = Chunk(events: events, bytesRead: 0)
                do throws(IngestError) {
                    chunk.end = try !reader.read(into: events, limit: chunkSize)
                } catch {
                    chunk.end = true
                    chunk.error = error
                }
                chunk.bytesRead = reader.bytesRead
                let end = chunk.end
                guard filled.push(chunk), !end else { return }
                events = empty.take() ?? EventBatch(capacity: chunkSize)
                events.removeAll()
            }
        }
    }

    deinit {
        filled.cancel()
    }

    /// The input's next event; nil at its end (then `error` says whether it was damaged, and
    /// the reader is the caller's again).
    func next() -> TransactionEvent? {
        while position == (current?.count ?? 0) {
            if ended { return nil }
            if let used = current {
                current = nil
                empty.push(used)
            }
            // The thread always ends with a chunk marked `end`: pop cannot come back empty.
            let chunk = filled.pop()!
            current = chunk.events
            position = 0
            bytesRead = chunk.bytesRead
            if chunk.end {
                ended = true
                error = chunk.error
            }
        }
        position += 1
        return current![position - 1]
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
    /// With a reader thread: the decoding of the input it reads, for this thread to help
    /// with while it waits for events.
    private var helpSlot: DecodeHelpSlot?
    private let filled: BatchQueue<EventBatch>?
    private let empty: BatchQueue<EventBatch>?
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
    func makeBatch() -> EventBatch { EventBatch(capacity: batchSize) }

    /// Replaces `batch` with the next events (one from `makeBatch()` at first; each one
    /// handed in is emptied and reused); false when every input has been read (a reader
    /// thread is then done).
    func next(_ batch: inout EventBatch) -> Bool {
        if let inputs { return inputs.fill(batch, limit: batchSize) }
        guard let filled, let empty else { return false }
        // Emptied here, where there is slack: the reader thread is the busier of the two
        // (perf on the 2M-line combined set: 0.52 s against 0.42 s).
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

/// The decoding help (`LogReader.shareDecoding()`) of the input the reader thread is on, for
/// the detecting thread. Offered and withdrawn by the reader thread, used by the other.
final class DecodeHelpSlot: @unchecked Sendable {
    private let lock = NSLock()
    private var current: DecodingHelp?

    func offer(_ help: DecodingHelp?) {
        lock.lock()
        current = help
        lock.unlock()
    }

    /// Decodes a block of the current input if it has one to decode; true if it did.
    func help() -> Bool {
        lock.lock()
        let help = current
        lock.unlock()
        return help?.help() ?? false
    }
}
