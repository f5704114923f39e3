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
        totals.oversized += s.oversized
        totals.compressedBytes += s.compressedBytes
        totals.decodedBytes += s.decodedBytes
        if let f = s.format { eventsByFormat[f, default: 0] += s.events }
        if s.decodedBytes > 64 << 20 && s.decodedBytes > 500 * max(1, s.compressedBytes) {
            bombs.append((reader.name, s.compressedBytes, s.decodedBytes))
        }
        for m in reader.malformedSamples where malformedSamples.count < 5 { malformedSamples.append(m) }
    }

    public var lines: [String] {
        var out: [String] = []
        out.append("logwatch: \(inputs) input\(inputs == 1 ? "" : "s")\(unreadable > 0 ? " (\(unreadable) unreadable or damaged)" : ""): \(NumberFormat.grouped(totals.lines)) lines, \(NumberFormat.grouped(totals.events)) events, \(NumberFormat.grouped(totals.malformed)) malformed, \(NumberFormat.grouped(totals.oversized)) oversized")
        if !eventsByFormat.isEmpty {
            let formats = eventsByFormat.sorted { $0.key.rawValue < $1.key.rawValue }.map { "\($0.key.rawValue) \(NumberFormat.grouped($0.value))" }
            out.append("  events by format: \(formats.joined(separator: ", "))")
        }
        if totals.notRequests > 0 {
            out.append("  \(NumberFormat.grouped(totals.notRequests)) records were not requests (other platform events, system-log messages about something else, Instance Analyzer polling): counted and skipped")
        }
        out.append("  bytes read: \(NumberFormat.grouped(totals.compressedBytes)) from disk, \(NumberFormat.grouped(totals.decodedBytes)) decoded")
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

