import LogwatchCore

/// Several inputs read as one stream in event-time order.
///
/// Each file is first opened just far enough to find its first event's time; inputs are then
/// taken in that order (rotated archives sort by time, not by name), and an input is opened
/// for good only when the merged stream reaches its first event, so a hundred rotated files
/// that do not overlap hold one descriptor at a time. Inputs that overlap in time are merged
/// event by event; with `readAhead` above 0, up to that many of them are decoded and parsed
/// on threads of their own (`ReadAhead`) while the merge takes their events in order.
public final class MergedInputs {
    private struct Pending {
        let index: Int
        let path: String
        let firstTime: Int64
        /// Standard input cannot be read twice: its reader is kept from the first look.
        var reader: LogReader?
        var peeked: TransactionEvent?
    }

    private struct Active {
        let reader: LogReader
        /// Set once the input is read on a thread of its own: the reader is then the thread's
        /// until its last event has been taken.
        var ahead: ReadAhead?
        var next: TransactionEvent
    }

    private let options: IngestOptions
    private let indices: [Int32]
    private let readAhead: Int
    private var pending: [Pending] = []
    private var active: [Active] = []
    public private(set) var summary = IngestSummary()
    /// An input could not be opened or read to its end, or nothing in one could be read.
    public var failed: Bool { inputFailed || !summary.unusable.isEmpty }
    private var inputFailed = false
    /// Where progress is published, when it is shown.
    public var progress: ProgressCounter?
    /// Set when another thread has time to spare for decompression: inputs read on this
    /// thread then share their decoding (`LogReader.shareDecoding()`), and the one being
    /// read is offered there.
    var helpSlot: DecodeHelpSlot?
    private var helped: ObjectIdentifier?
    /// Bytes read by inputs that have ended, and events handed out.
    private var bytesOfEnded: Int64 = 0
    private var eventsOut: Int64 = 0

    /// `indices` are the input numbers for evidence (default: the position in `paths`);
    /// `readAhead` is how many overlapping inputs may be read on threads of their own.
    public init(paths: [String], indices: [Int32]? = nil, options: IngestOptions, readAhead: Int = 0) {
        self.options = options
        self.readAhead = readAhead
        self.indices = indices ?? paths.indices.map { Int32($0) }
        for (index, path) in paths.enumerated() {
            do {
                let reader = try LogReader(path: path, inputIndex: self.indices[index], options: options)
                let first = try? reader.next()
                if path == "-" {
                    pending.append(Pending(index: index, path: path, firstTime: first?.time ?? Int64.max, reader: reader, peeked: first))
                } else {
                    pending.append(Pending(index: index, path: path, firstTime: first?.time ?? Int64.max))
                }
            } catch {
                report(error)
            }
        }
        // Stable: inputs with the same first time keep the command line's order.
        pending = pending.enumerated().sorted { ($0.element.firstTime, $0.offset) < ($1.element.firstTime, $1.offset) }.map(\.element)
    }

    private func report(_ error: IngestError) {
        printError("logwatch: \(TextSafety.escape(error.description))")
        summary.unreadable += 1
        inputFailed = true
    }

    /// Replaces the contents of `batch` with up to `limit` next events of all inputs, by event
    /// time; false (and `batch` empty) when every input has ended.
    ///
    /// While one input is in play and no other is due, its events are built straight into the
    /// batch: the common case of one file, or of rotated files that do not overlap.
    func fill(_ batch: EventBatch, limit: Int) -> Bool {
        batch.removeAll()
        let limit = min(limit, batch.capacity)
        while batch.count < limit {
            if active.count == 1 && active[0].ahead == nil && (pending.isEmpty || pending[0].firstTime > active[0].next.time) {
                let due = pending.first?.firstTime ?? Int64.max
                batch.append(active[0].next)
                let reader = active[0].reader
                var more: Bool
                do {
                    more = try reader.read(into: batch, limit: limit, due: due)
                } catch {
                    damaged(reader, error)
                    more = false
                }
                if more, batch.time(at: batch.count - 1) >= due {
                    // The next input is due: hold this event back for the merge.
                    active[0].next = batch.removeLast()
                } else if more, let e = read(reader) {
                    // The batch is full: keep the input's next event in hand.
                    active[0].next = e
                } else {
                    active.removeAll()
                    ended(reader)
                }
                continue
            }
            guard let e = next() else { break }
            batch.append(e)
        }
        eventsOut += Int64(batch.count)
        publishProgress()
        return !batch.isEmpty
    }

    /// The next event of all inputs by event time, or nil when every input has ended.
    private func next() -> TransactionEvent? {
        while true {
            let current = active.indices.min { active[$0].next.time < active[$1].next.time }
            // Open every input whose first event is due before the earliest one in hand.
            if let p = pending.first, current == nil || p.firstTime <= active[current!].next.time {
                pending.removeFirst()
                open(p)
                continue
            }
            guard let i = current else { return nil }
            let event = active[i].next
            advance(i)
            return event
        }
    }

    private func open(_ p: Pending) {
        let reader: LogReader
        var first: TransactionEvent?
        if let kept = p.reader {
            reader = kept
            first = p.peeked
        } else {
            do {
                reader = try LogReader(path: p.path, inputIndex: indices[p.index], options: options)
            } catch {
                report(error)
                return
            }
            if let helpSlot, let help = reader.shareDecoding() {
                helpSlot.offer(help)
                helped = ObjectIdentifier(reader)
            }
            first = read(reader)
        }
        if let first {
            active.append(Active(reader: reader, next: first))
            // Overlapping inputs: read ahead on threads of their own, as many as allowed.
            if active.count > 1 {
                var readingAhead = active.count(where: { $0.ahead != nil })
                for i in active.indices where readingAhead < readAhead && active[i].ahead == nil {
                    active[i].ahead = ReadAhead(active[i].reader)
                    readingAhead += 1
                }
            }
        } else {
            ended(reader)
        }
    }

    private func advance(_ i: Int) {
        if let ahead = active[i].ahead {
            if let e = ahead.next() {
                active[i].next = e
                return
            }
            if let error = ahead.error { damaged(active[i].reader, error) }
        } else if let e = read(active[i].reader) {
            active[i].next = e
            return
        }
        ended(active[i].reader)
        active.remove(at: i)
    }

    private func ended(_ reader: LogReader) {
        if helped == ObjectIdentifier(reader) {
            // Let go of the input's decoder (and its file) now, not when the next one opens.
            helpSlot?.offer(nil)
            helped = nil
        }
        summary.add(reader)
        bytesOfEnded += reader.bytesRead
        publishProgress()
    }

    private func publishProgress() {
        guard let progress else { return }
        progress.publish(bytes: active.reduce(bytesOfEnded) { $0 + ($1.ahead?.bytesRead ?? $1.reader.bytesRead) }, events: eventsOut)
    }

    private func read(_ reader: LogReader) -> TransactionEvent? {
        do {
            return try reader.next()
        } catch {
            damaged(reader, error)
            return nil
        }
    }

    private func damaged(_ reader: LogReader, _ error: IngestError) {
        printError("logwatch: \(TextSafety.escape(error.description)); \(reader.stats.events) events before it were kept")
        summary.unreadable += 1
        inputFailed = true
    }
}
