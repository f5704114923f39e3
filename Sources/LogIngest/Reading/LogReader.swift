import LogwatchCore

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
    private var parser: (any LineParser)? {
        didSet { combinedParser = (parser as? CombinedLogParser).map { Unmanaged.passUnretained($0) } }
    }
    /// `parser` when it is the combined one (held by `parser`), to call it directly and
    /// without retaining it.
    private var combinedParser: Unmanaged<CombinedLogParser>?
    private let slots = FieldSlots()
    private var builder: EventBuilder
    /// Where `next()` has its one event built.
    private let one = EventBatch(capacity: 1)
    private var undetectedLines = 0
    private var consecutiveMalformed = 0
    private var recordStartLine: Int64 = 0
    private var firstLine = true
    private var finished = false
    /// Lines ending at or before this offset were processed by an earlier run.
    private var resumeOffset: Int64 = 0
    private var csvHeaderSeen = false
    /// Whether the input was checked for being one document of records (JSON array, XML).
    private var documentChecked = false
    /// The offset just past the last complete record handed out or skipped: where a later
    /// run resumes (a CSV record spanning lines is never split).
    package private(set) var resumePoint: Int64 = 0
    /// Bytes read from the input's descriptor so far (for a followed file: how far into it).
    public var bytesRead: Int64 { decoding.compressedRead }
    /// True once the input ended (for a followed input: its pipe closed, or `finishFollowing()`).
    public var ended: Bool { finished }

    /// The followed input will not grow any more (it was rotated away or deleted): its last
    /// line counts even without a newline, and then `next()` returns nil for good.
    package func finishFollowing() { framer.following = false }
    public private(set) var stats = InputStats()
    public private(set) var malformedSamples: [MalformedLine] = []

    /// Opens an input (`-` is standard input) and detects its compression. Lines ending at
    /// or before `resumeAt` (an offset in the decompressed bytes) were processed by an earlier
    /// run: they are read only to learn the format and any header, and give no events.
    /// - Throws: `IngestError` when it cannot be opened or read.
    public convenience init(path: String, inputIndex: Int32, options: IngestOptions, resumeAt: Int64 = 0) throws(IngestError) {
        try self.init(source: try ByteSource(path: path), inputIndex: inputIndex, options: options)
        resumeOffset = resumeAt
        resumePoint = resumeAt
    }

    /// Reads bytes held in memory (compressed or not), named `name` in messages.
    public convenience init(bytes: [UInt8], name: String, inputIndex: Int32 = 0, options: IngestOptions) throws(IngestError) {
        try self.init(source: ByteSource(bytes: bytes, name: name), inputIndex: inputIndex, options: options)
    }

    /// Follows a live, uncompressed input on an open descriptor (which the caller keeps and
    /// closes), read from its start: `next()` returns nil when nothing complete is there yet,
    /// and again later when more was appended. Lines ending at or before `resumeAt` were
    /// processed by an earlier run: they are read only to learn the format and any header
    /// (CSV columns, W3C `#Fields`), and give no events. A pipe (`isPipe`) ends when its
    /// writer closes it.
    public init(following descriptor: Int32, name: String, inputIndex: Int32, options: IngestOptions,
                resumeAt: Int64 = 0, isPipe: Bool = false) {
        self.name = name
        self.inputIndex = inputIndex
        self.options = options
        decoding = DecodingReader(following: ByteSource(descriptor: descriptor, name: name, owns: false))
        framer = LineFramer(reader: decoding, maxLineBytes: options.maxLineBytes)
        framer.followsPipe = isPipe
        builder = EventBuilder(naiveZone: options.naiveZone, displayFormat: options.dateFormat, fields: options.fields)
        for role in options.fields.unreadRoles { slots.ignored |= 1 << role.rawValue }
        resumeOffset = resumeAt
        resumePoint = resumeAt
        stats.stream = .plain
        if options.format != .auto { parser = Self.makeParser(options.format, options: options) }
        stats.format = parser?.format
    }

    private init(source: ByteSource, inputIndex: Int32, options: IngestOptions) throws(IngestError) {
        name = source.name
        self.inputIndex = inputIndex
        self.options = options
        decoding = try DecodingReader(source: source)
        framer = LineFramer(reader: decoding, maxLineBytes: options.maxLineBytes)
        builder = EventBuilder(naiveZone: options.naiveZone, displayFormat: options.dateFormat, fields: options.fields)
        for role in options.fields.unreadRoles { slots.ignored |= 1 << role.rawValue }
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
        case .servicenowXML: ServiceNowXMLParser(overrides: options.fieldOverrides)
        }
    }

    /// Decompresses the rest of the input on a thread of its own, ahead of parsing: for when
    /// parsing is the slowest stage of a pipeline (JSON lines, whose detection keeps up). No
    /// effect on plain or followed inputs. Events, counts and errors are as without it.
    public func decodeAhead() {
        decoding.decodeAhead()
    }

    /// Whether the input is decoded ahead now (on a thread of its own, or shared).
    var decodingAhead: Bool { decoding.decodingAhead }

    /// Decompresses a block at a time ahead of framing, on this thread when nothing is
    /// decoded yet, or on any thread that calls the returned help's `help()` meanwhile (one
    /// with time to spare). Nil (and no effect) for plain or followed inputs, or when already
    /// decoding ahead. Events, counts and errors are as without it.
    func shareDecoding() -> DecodingHelp? {
        guard !decoding.decodingAhead else { return nil }
        decoding.shareDecoding()
        return decoding.aheadBlocks.map(DecodingHelp.init)
    }

    /// The next event, or nil at the end of the input.
    /// - Throws: `IngestError` for damage, after every event before it was returned.
    public func next() throws(IngestError) -> TransactionEvent? {
        while let startLine = try nextFields() {
            if let failure = builder.build(slots, origin: Origin(input: inputIndex, line: startLine), into: one) {
                noteFailure(startLine, failure)
            } else {
                consecutiveMalformed = 0
                stats.events += 1
                return one.removeLast()
            }
        }
        return nil
    }

    /// Appends events to `batch` until it holds `limit` (at most its capacity), or an event at
    /// or after `due` was appended (the caller decides what to do with it), or the input has
    /// nothing more. Built straight into the batch: no copy per event.
    /// - Returns: false when the input has nothing more (for now, if followed).
    /// - Throws: `IngestError` for damage, after every event before it was appended.
    public func read(into batch: EventBatch, limit: Int, due: Int64 = Int64.max) throws(IngestError) -> Bool {
        let limit = min(limit, batch.capacity)
        while batch.count < limit {
            guard let startLine = try nextFields() else { return false }
            if let failure = builder.build(slots, origin: Origin(input: inputIndex, line: startLine), into: batch) {
                noteFailure(startLine, failure)
            } else {
                consecutiveMalformed = 0
                stats.events += 1
                // The builder's copy of the time: `batch[i].time` would copy the whole event
                // out of the batch and destroy the copy.
                if builder.lastTime >= due { return true }
            }
        }
        return true
    }

    /// Frames and parses lines until the slots hold one record's fields; returns the record's
    /// first line number, or nil at the end of the input (for a followed input: for now).
    private func nextFields() throws(IngestError) -> Int64? {
        if finished { return nil }
        if !documentChecked && !checkDocument() { return nil }
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
                // A followed input may only have nothing more for now.
                if framer.exhausted { finished = true }
                updateCounts()
                return nil
            }
            stats.lines = line.number
            let lineEnd = framer.consumed
            if firstLine {
                firstLine = false
                // A UTF-8 byte order mark before the first line.
                if line.bytes.count >= 3 && line.bytes[0] == 0xEF && line.bytes[1] == 0xBB && line.bytes[2] == 0xBF {
                    line.bytes = UnsafeRawBufferPointer(rebasing: line.bytes[3...])
                }
            }
            let priming = lineEnd <= resumeOffset
            if parser == nil {
                if line.bytes.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { resumePoint = lineEnd; continue }
                guard let format = FormatDetector.detect(line.bytes) else {
                    undetectedLines += 1
                    if !priming { noteMalformed(line.number, "format not recognised (not combined, JSON, ServiceNow CSV or XML, or W3C)") }
                    resumePoint = lineEnd
                    continue
                }
                parser = Self.makeParser(format, options: options)
                stats.format = format
            }
            if priming {
                // Already processed: only what sets the parser's state is read again.
                resumePoint = lineEnd
                switch parser!.format {
                case .servicenowCSV where !csvHeaderSeen:
                    slots.reset()
                    csvHeaderSeen = parser!.parse(line.bytes, into: slots) != .needMore
                case .w3c where line.bytes.first == UInt8(ascii: "#"):
                    slots.reset()
                    _ = parser!.parse(line.bytes, into: slots)
                default:
                    break
                }
                continue
            }
            if recordStartLine == 0 { recordStartLine = line.number }
            slots.reset()
            // Unowned for the call, so that each line does not retain and release the parser:
            // `parser` holds it for the reader's life (set once, never cleared), and parsing
            // does not touch the reader.
            let verdict: LineVerdict
            if let combined = combinedParser {
                // The common format called directly: through the existential, each line
                // would retain and release the parser.
                verdict = combined._withUnsafeGuaranteedRef { $0.parse(line.bytes, into: slots) }
            } else {
                unowned(unsafe) let current = parser!
                verdict = current.parse(line.bytes, into: slots)
            }
            let startLine = recordStartLine
            if verdict != .needMore { recordStartLine = 0; resumePoint = lineEnd }
            if case .malformed = verdict, options.format == .auto, Self.redetectable(parser!.format),
               stats.events == 0 || consecutiveMalformed >= Self.malformedRunBeforeRedetection,
               let other = FormatDetector.detect(line.bytes), other != parser!.format, Self.redetectable(other) {
                // The format was taken from a line that proved nothing (a logger's banner in
                // JSON before combined lines), or the file changed format: this line's own
                // format takes over, and the line is parsed again by it.
                parser = Self.makeParser(other, options: options)
                stats.format = other
                slots.reset()
                if case .fields = parser!.parse(line.bytes, into: slots) { return startLine }
            }
            switch verdict {
            case .skip, .needMore:
                continue
            case .malformed(let reason):
                noteMalformed(startLine, reason)
            case .fields:
                return startLine
            }
        }
    }

    /// Looks at the input's first bytes: a JSON document holding an array of records, or an
    /// XML export, is framed record by record instead of line by line. False when a followed
    /// input has no bytes yet to tell.
    private func checkDocument() -> Bool {
        guard options.format == .auto || options.format == .json || options.format == .servicenowXML else {
            documentChecked = true
            return true
        }
        let head = framer.peek(512)
        if head.isEmpty && !framer.inputEnded { return false }
        documentChecked = true
        guard let kind = DocumentScanner.detect(head) else { return true }
        if kind == .xmlElements && options.format == .json { return true }
        if kind == .jsonArray && options.format == .servicenowXML { return true }
        framer.document = DocumentScanner(kind: kind)
        let format: LogFormat = kind == .jsonArray ? .json : .servicenowXML
        parser = Self.makeParser(format, options: options)
        stats.format = format
        return true
    }

    private func noteFailure(_ line: Int64, _ failure: EventBuilder.Failure) {
        switch failure {
        case .notARequest:
            consecutiveMalformed = 0
            stats.notRequests += 1
        case .notAnAccessLog:
            stats.notAccessLog += 1
            if firstRejected == nil { firstRejected = (line, "a record with no status, method, path or client address") }
        case .missingTime:
            noteMalformed(line, "no timestamp field")
            unpinUnproven()
        case .badTime:
            noteMalformed(line, slots.value(.time).flatMap(Self.displayValueHint) ?? "timestamp not understood")
            unpinUnproven()
        }
    }

    /// For a time written for people (`24/11/2025 10:00:01`, `11-24-2025 10:00:01 AM`, as
    /// exports with display values have them), what to give so that it can be read.
    static func displayValueHint(_ time: UnsafeRawBufferPointer) -> String? {
        let text = String(decoding: time.prefix(40), as: UTF8.self)
        let digitsAndSeparators = text.allSatisfy { $0.isNumber || "/-.: APMapm".contains($0) }
        guard digitsAndSeparators, text.contains(":"), text.contains("/") || text.contains("-") || text.contains(".") else { return nil }
        return "timestamp '\(text)' looks like a display value (an export in a user's date format and time zone): give the format with --date-format (such as dd/MM/yyyy HH:mm:ss) and the zone with --timezone, or export with sysparm_display_value=false"
    }

    /// Until a line gives an event, the format is not proven: a line the detected format
    /// cannot make an event of lets the next line be detected afresh. Formats with a header
    /// (CSV, W3C) keep theirs: their header decided.
    private func unpinUnproven() {
        if stats.events == 0, options.format == .auto, let p = parser, Self.redetectable(p.format) { parser = nil }
    }

    /// Formats detected from any one line (no header).
    private static func redetectable(_ format: LogFormat) -> Bool {
        format == .json || format == .combined || format == .common
    }

    /// Malformed lines in a row after which a line of another format changes the format.
    static var malformedRunBeforeRedetection: Int { 20 }

    /// The first record that gave no event, and why: what to say when none gave one.
    public private(set) var firstRejected: (line: Int64, reason: String)?

    /// The formats this reader could take for its input.
    public var formatsTried: String {
        options.format == .auto ? "combined, common, JSON, ServiceNow CSV and XML, W3C" : options.format.rawValue
    }

    private func noteMalformed(_ line: Int64, _ reason: String) {
        if firstRejected == nil { firstRejected = (line, reason) }
        consecutiveMalformed += 1
        stats.malformed += 1
        if malformedSamples.count < options.malformedSampleLimit {
            malformedSamples.append(MalformedLine(input: name, line: line, reason: reason))
        }
    }

    private func updateCounts() {
        stats.withoutStatus = builder.withoutStatus
        stats.withoutAddress = builder.withoutAddress
        stats.oversized = framer.oversizedLines
        stats.lines = framer.lineNumber
        stats.compressedBytes = decoding.compressedRead
        stats.decodedBytes = decoding.decodedProduced
    }

    /// Brings the byte counts up to date (they are otherwise updated at the end of the input).
    public func refreshStats() { updateCounts() }
}
