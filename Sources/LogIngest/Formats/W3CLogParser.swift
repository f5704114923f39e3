/// The W3C extended log format that IIS writes: directives (`#Fields:` names the columns and
/// may change in the middle of a file), then space-separated values, `-` for empty.
final class W3CLogParser: LineParser {
    var format: LogFormat { .w3c }

    private enum Column {
        case date, time, query
        case field(FieldRole)
        case ignored
    }

    private static let names: [String: Column] = [
        "date": .date, "time": .time, "c-ip": .field(.sourceIP), "cs-username": .field(.principal),
        "cs-method": .field(.method), "cs-uri-stem": .field(.path), "cs-uri-query": .query,
        "sc-status": .field(.status), "sc-substatus": .field(.subStatus), "time-taken": .field(.duration), "sc-bytes": .field(.bytes),
    ]

    private let overrides: [FieldRole: String]
    private var columns: [Column]? = nil
    private var directiveDate: [UInt8] = []
    private var query: [UInt8] = []

    init(overrides: [FieldRole: String] = [:]) {
        self.overrides = overrides
    }

    static func isDirective(_ line: UnsafeRawBufferPointer) -> Bool {
        for prefix in ["#Software:", "#Version:", "#Date:", "#Fields:", "#Remark:", "#Start-Date:", "#End-Date:"] {
            if line.count >= prefix.utf8.count && line.prefix(prefix.utf8.count).elementsEqual(prefix.utf8) { return true }
        }
        return false
    }

    func parse(_ line: UnsafeRawBufferPointer, into slots: FieldSlots) -> LineVerdict {
        if line.isEmpty { return .skip }
        if line[0] == UInt8(ascii: "#") {
            let text = String(decoding: line, as: UTF8.self)
            if text.hasPrefix("#Fields:") {
                columns = text.dropFirst(8).split(separator: " ", omittingEmptySubsequences: true).map { column(for: String($0)) }
            } else if text.hasPrefix("#Date:") {
                // "#Date: 2025-11-28 00:00:00": the date for files whose lines carry only a time.
                directiveDate = Array(String(text.dropFirst(6)).trimmingSpaces.prefix(10).utf8)
            }
            return .skip
        }
        guard let columns else { return .malformed("data line before any #Fields directive") }
        var c = ByteCursor(line)
        var index = 0
        var date: UnsafeRawBufferPointer? = nil
        var time: UnsafeRawBufferPointer? = nil
        query.removeAll(keepingCapacity: true)
        while true {
            c.skipSpaces()
            if c.atEnd { break }
            let value = c.token()
            defer { index += 1 }
            guard index < columns.count else { continue }
            let absent = value.count == 1 && value[0] == UInt8(ascii: "-")
            switch columns[index] {
            case .date: date = value
            case .time: time = value
            case .query: if !absent { query.append(contentsOf: value) }
            case .field(let role): if !absent { slots.set(role, value) }
            case .ignored: break
            }
        }
        guard index == columns.count else { return .malformed("\(index) values where #Fields names \(columns.count)") }
        guard let time else { return .malformed("no time column") }
        slots.begin(.time, rank: 0)
        if let date {
            slots.append(.time, date)
        } else {
            guard !directiveDate.isEmpty else { return .malformed("no date column and no #Date directive") }
            directiveDate.withUnsafeBytes { slots.append(.time, $0) }
        }
        slots.append(.time, UInt8(ascii: " "))
        slots.append(.time, time)
        // IIS writes times in UTC.
        slots.append(.time, UInt8(ascii: "Z"))
        if !query.isEmpty && slots.has(.path) {
            slots.append(.path, UInt8(ascii: "?"))
            query.withUnsafeBytes { slots.append(.path, $0) }
        }
        slots.durationUnit = .milliseconds
        return .fields
    }

    private func column(for name: String) -> Column {
        for (role, override) in overrides where override == name { return .field(role) }
        guard let known = Self.names[name.lowercased()] else { return .ignored }
        if case .field(let role) = known, overrides[role] != nil { return .ignored }
        return known
    }
}
