import AnomalyEngine

/// Reads one input to events: decodes, frames lines, detects the format and parses.
///
/// Pull-based (`next()`), so a driver can merge several inputs by event time.
/// Memory is bounded by the chunk sizes and `maxLineBytes`, whatever the input's size.
public final class LogReader {
    public let name: String
    public let inputIndex: Int32
    private let options: IngestOptions
    private let decoding: DecodingReader
    private let framer: LineFramer
    private var parser: (any LineParser)?
    private var slots = FieldSlots()
    private var builder: EventBuilder
    private var undetectedLines = 0
    private var recordStartLine: Int64 = 0
    private var firstLine = true
    private var finished = false
    public private(set) var stats = InputStats()
    public private(set) var malformedSamples: [MalformedLine] = []

    /// Opens an input (`-` is standard input) and detects its compression.
    /// - Throws: `IngestError` when it cannot be opened or read.
    public convenience init(path: String, inputIndex: Int32, options: IngestOptions) throws(IngestError) {
        try self.init(source: try ByteSource(path: path), inputIndex: inputIndex, options: options)
    }

    /// Reads bytes held in memory (compressed or not), named `name` in messages.
    public convenience init(bytes: [UInt8], name: String, inputIndex: Int32 = 0, options: IngestOptions) throws(IngestError) {
        try self.init(source: ByteSource(bytes: bytes, name: name), inputIndex: inputIndex, options: options)
    }

    private init(source: ByteSource, inputIndex: Int32, options: IngestOptions) throws(IngestError) {
        name = source.name
        self.inputIndex = inputIndex
        self.options = options
        decoding = try DecodingReader(source: source)
        framer = LineFramer(reader: decoding, maxLineBytes: options.maxLineBytes)
        builder = EventBuilder(naiveZone: options.naiveZone)
        stats.stream = decoding.kind
        if options.format != .auto { parser = Self.makeParser(options.format, options: options) }
        stats.format = parser?.format
    }

    static func makeParser(_ format: LogFormat, options: IngestOptions) -> any LineParser {
        switch format {
        case .auto, .combined, .common: CombinedLogParser()
        case .json: JSONLineParser(map: JSONFieldMap(overrides: options.fieldOverrides))
        case .servicenowCSV: ServiceNowCSVParser(overrides: options.fieldOverrides, maxRecordBytes: options.maxLineBytes)
        case .w3c: W3CLogParser(overrides: options.fieldOverrides)
        }
    }

    /// The next event, or nil at the end of the input.
    /// - Throws: `IngestError` for damage, after every event before it was returned.
    public func next() throws(IngestError) -> TransactionEvent? {
        if finished { return nil }
        while true {
            let line: FramedLine?
            do {
                line = try framer.nextLine()
            } catch {
                finished = true
                updateCounts()
                throw error
            }
            guard var line else {
                finished = true
                updateCounts()
                return nil
            }
            stats.lines = line.number
            if firstLine {
                firstLine = false
                // A UTF-8 byte order mark before the first line.
                if line.bytes.count >= 3 && line.bytes[0] == 0xEF && line.bytes[1] == 0xBB && line.bytes[2] == 0xBF {
                    line.bytes = UnsafeRawBufferPointer(rebasing: line.bytes[3...])
                }
            }
            if parser == nil {
                if line.bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { continue }
                guard let format = FormatDetector.detect(line.bytes) else {
                    undetectedLines += 1
                    noteMalformed(line.number, "format not recognised (not combined, JSON, ServiceNow CSV or W3C)")
                    continue
                }
                parser = Self.makeParser(format, options: options)
                stats.format = format
            }
            if recordStartLine == 0 { recordStartLine = line.number }
            slots.reset()
            let verdict = parser!.parse(line.bytes, into: &slots)
            let startLine = recordStartLine
            if verdict != .needMore { recordStartLine = 0 }
            switch verdict {
            case .skip, .needMore:
                continue
            case .malformed(let reason):
                noteMalformed(startLine, reason)
            case .fields:
                do {
                    let event = try builder.build(slots, origin: Origin(input: inputIndex, line: startLine))
                    stats.events += 1
                    return event
                } catch {
                    noteMalformed(startLine, error == .missingTime ? "no timestamp field" : "timestamp not understood")
                }
            }
        }
    }

    private func noteMalformed(_ line: Int64, _ reason: String) {
        stats.malformed += 1
        if malformedSamples.count < options.malformedSampleLimit {
            malformedSamples.append(MalformedLine(input: name, line: line, reason: reason))
        }
    }

    private func updateCounts() {
        stats.oversized = framer.oversizedLines
        stats.lines = framer.lineNumber
        stats.compressedBytes = decoding.compressedRead
        stats.decodedBytes = decoding.decodedProduced
    }

    /// Brings the byte counts up to date (they are otherwise updated at the end of the input).
    public func refreshStats() { updateCounts() }
}
