import LogwatchCore

/// Totals over every input of a run, printed to standard error at the end.
public struct IngestSummary {
    public var inputs = 0
    public var unreadable = 0
    public var totals = InputStats()
    public var eventsByFormat: [LogFormat: Int64] = [:]
    public var malformedSamples: [MalformedLine] = []
    /// Compressed inputs that expanded more than 500 times to over 64 MiB: possibly a
    /// decompression bomb. They were streamed, never held; this only says so.
    public var bombs: [(name: String, compressed: Int64, decoded: Int64)] = []

    /// Each input's name and counts, in the order they ended.
    public var perInput: [(name: String, stats: InputStats)] = []
    /// Inputs that had records and gave no event from any: what was wrong, one line each.
    public var unusable: [String] = []

    public init() {}

    public mutating func add(_ reader: LogReader) {
        reader.refreshStats()
        let s = reader.stats
        inputs += 1
        perInput.append((reader.name, s))
        totals.lines += s.lines
        totals.events += s.events
        totals.malformed += s.malformed
        totals.notRequests += s.notRequests
        totals.notAccessLog += s.notAccessLog
        totals.withoutStatus += s.withoutStatus
        totals.withoutAddress += s.withoutAddress
        if reader.name == "-" { readStandardInput = true }
        if s.events == 0 && s.notRequests == 0 && (s.malformed > 0 || s.notAccessLog > 0 || s.oversized > 0) {
            var message = "\(TextSafety.escape(reader.name)): nothing in it could be read (formats tried: \(reader.formatsTried))"
            if let first = reader.firstRejected { message += "; line \(first.line): \(TextSafety.escape(first.reason))" }
            unusable.append(message)
        }
        if s.notAccessLog > 0 {
            notAccessLogs.append((reader.name, s.notAccessLog))
        }
        totals.oversized += s.oversized
        totals.compressedBytes += s.compressedBytes
        totals.decodedBytes += s.decodedBytes
        if let f = s.format { eventsByFormat[f, default: 0] += s.events }
        if s.decodedBytes > 64 << 20 && s.decodedBytes > 500 * max(1, s.compressedBytes) {
            bombs.append((reader.name, s.compressedBytes, s.decodedBytes))
        }
        for m in reader.malformedSamples where malformedSamples.count < 5 { malformedSamples.append(m) }
    }

    /// Whether standard input was one of the inputs (its bytes are not from disk).
    public var readStandardInput = false

    /// Inputs with records that were not access-log records, and how many.
    public var notAccessLogs: [(name: String, count: Int64)] = []

    public var lines: [String] {
        var out: [String] = []
        for message in unusable { out.append("logwatch: " + message) }
        out.append("logwatch: \(inputs) input\(inputs == 1 ? "" : "s")\(unreadable > 0 ? " (\(unreadable) unreadable or damaged)" : ""): \(NumberFormat.grouped(totals.lines)) lines, \(NumberFormat.grouped(totals.events)) events, \(NumberFormat.grouped(totals.malformed)) malformed, \(NumberFormat.grouped(totals.oversized)) oversized")
        if !eventsByFormat.isEmpty {
            let formats = eventsByFormat.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue) \(NumberFormat.grouped($0.value))" }
            out.append("  events by format: \(formats.joined(separator: ", "))")
        }
        if totals.notRequests > 0 {
            out.append("  \(NumberFormat.grouped(totals.notRequests)) records were not requests (other platform events, system-log messages about something else, Instance Analyzer polling): counted and skipped")
        }
        for (name, n) in notAccessLogs {
            out.append("  \(TextSafety.escape(name)): \(NumberFormat.grouped(n)) record\(n == 1 ? "" : "s") with no status, method, path or client address: not an access log, skipped")
        }
        if totals.withoutStatus > 0 || totals.withoutAddress > 0 {
            out.append("  events without a status: \(NumberFormat.grouped(totals.withoutStatus)); without a client address: \(NumberFormat.grouped(totals.withoutAddress))")
        }
        out.append("  bytes read: \(NumberFormat.grouped(totals.compressedBytes))\(readStandardInput ? "" : " from disk"), \(NumberFormat.grouped(totals.decodedBytes)) decoded")
        for b in bombs {
            out.append("  \(TextSafety.escape(b.name)): \(NumberFormat.grouped(b.compressed)) bytes expanded to \(NumberFormat.grouped(b.decoded)) (\(NumberFormat.grouped(b.decoded / max(1, b.compressed))) times): a decompression bomb? It was streamed, never held in memory")
        }
        if !malformedSamples.isEmpty {
            out.append("  first malformed lines:")
            for m in malformedSamples { out.append("    \(TextSafety.escape(m.input)):\(m.line): \(TextSafety.escape(m.reason))") }
        }
        return out
    }
}

