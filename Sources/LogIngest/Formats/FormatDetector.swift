/// Tells a log's format from one of its first lines.
enum FormatDetector {
    /// The format a line is written in, or nil when no format recognises it.
    static func detect(_ line: UnsafeRawBufferPointer) -> LogFormat? {
        var start = 0
        while start < line.count && (line[start] == 0x20 || line[start] == 0x09) { start += 1 }
        guard start < line.count else { return nil }
        let trimmed = UnsafeRawBufferPointer(rebasing: line[start...])
        if trimmed[0] == UInt8(ascii: "{") { return .json }
        if trimmed[0] == UInt8(ascii: "#") { return W3CLogParser.isDirective(trimmed) ? .w3c : nil }
        if trimmed.contains(UInt8(ascii: ",")) && ServiceNowCSVParser.knownColumnCount(trimmed) >= 2 { return .servicenowCSV }
        let slots = FieldSlots()
        if CombinedLogParser().parse(trimmed, into: slots) == .fields {
            var timestamps = TimestampParser(naiveZone: .utc)
            if let time = slots.value(.time), timestamps.parse(time) != nil { return .combined }
        }
        return nil
    }
}
