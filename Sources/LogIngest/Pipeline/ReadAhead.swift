import LogwatchCore
import Foundation

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
