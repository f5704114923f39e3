/// ServiceNow CSV exports (and any CSV with a header row naming the same columns): RFC 4180
/// quoting, including quoted fields that hold commas, doubled quotes and newlines.
final class ServiceNowCSVParser: LineParser {
    var format: LogFormat { .servicenowCSV }

    /// Column names and display labels, lower case, per role, in order of preference.
    static let columns: [FieldRole: [String]] = [
        .time: ["sys_created_on", "created", "created on", "timestamp", "time"],
        .sourceIP: ["remote_ip", "ip address", "remote ip", "remote address", "client_ip", "client ip", "source ip"],
        .principal: ["principal", "user", "user name", "user_name", "client id", "client_id"],
        .createdBy: ["sys_created_by", "created by"],
        .method: ["http_method", "http method", "method"],
        .path: ["url", "url path", "path"],
        .status: ["http_status", "http response status", "http status", "response_status", "status", "response status"],
        .duration: ["response_time", "response time", "total call time", "elapsed_time", "duration"],
        .bytes: ["output_length", "output length", "response length", "response_length", "response size", "bytes"],
        .apiType: ["type", "transaction type", "api type"],
        .errorText: ["error", "error message", "error_message", "fault"],
        .eventName: ["name"],
        .parm1: ["parm1"],
        .parm2: ["parm2"],
        .message: ["message"],
        .host: ["hostname", "host"],
        .recordID: ["sys_id", "sys id"],
    ]

    /// Bytes a record spanning several lines may reach before it is refused.
    let maxRecordBytes: Int
    private let overrides: [FieldRole: String]
    private var columnRoles: [(role: FieldRole, rank: Int)?] = []
    private var headerSeen = false
    private var pending: [UInt8] = []
    private var pendingActive = false

    init(overrides: [FieldRole: String] = [:], maxRecordBytes: Int) {
        self.overrides = overrides
        self.maxRecordBytes = maxRecordBytes
    }

    /// How many columns of a header line are ones this parser knows (for format detection).
    static func knownColumnCount(_ line: UnsafeRawBufferPointer) -> Int {
        var count = 0
        forEachField(line) { field, _ in
            if role(forColumn: String(decoding: field, as: UTF8.self), overrides: [:]) != nil { count += 1 }
            return true
        }
        return count
    }

    static func role(forColumn name: String, overrides: [FieldRole: String]) -> (role: FieldRole, rank: Int)? {
        let trimmed = name.trimmingSpaces
        for (role, column) in overrides where column.lowercased() == trimmed.lowercased() { return (role, -1) }
        let lower = trimmed.lowercased()
        for (role, names) in columns where overrides[role] == nil {
            if let rank = names.firstIndex(of: lower) { return (role, rank) }
        }
        return nil
    }

    func parse(_ line: UnsafeRawBufferPointer, into slots: FieldSlots) -> LineVerdict {
        if pendingActive {
            pending.append(0x0A)
            pending.append(contentsOf: line)
            if pending.count > maxRecordBytes {
                pendingActive = false
                pending.removeAll(keepingCapacity: true)
                return .malformed("quoted field runs past \(maxRecordBytes) bytes without closing")
            }
            if Self.quoteOpen(pending) { return .needMore }
            pendingActive = false
            let verdict = pending.withUnsafeBytes { parseRecord($0, into: slots, copy: true) }
            pending.removeAll(keepingCapacity: true)
            return verdict
        }
        if line.isEmpty { return .skip }
        if Self.quoteOpen(line) {
            pending.removeAll(keepingCapacity: true)
            pending.append(contentsOf: line)
            pendingActive = true
            return .needMore
        }
        return parseRecord(line, into: slots, copy: false)
    }

    /// - Parameter copy: the record's bytes do not outlive this call (a record assembled from
    ///   several lines), so fields must be copied rather than viewed.
    private func parseRecord(_ record: UnsafeRawBufferPointer, into slots: FieldSlots, copy: Bool) -> LineVerdict {
        if !headerSeen {
            headerSeen = true
            var roles: [(role: FieldRole, rank: Int)?] = []
            let overrides = self.overrides
            Self.forEachField(record) { field, _ in
                roles.append(Self.role(forColumn: String(decoding: field, as: UTF8.self), overrides: overrides))
                return true
            }
            columnRoles = roles
            guard roles.contains(where: { $0?.role == .time }) else {
                return .malformed("CSV header names no time column (sys_created_on or Created)")
            }
            return .skip
        }
        var index = 0
        var columnCount = 0
        let roles = columnRoles
        Self.forEachField(record) { field, quoted in
            defer { index += 1 }
            columnCount += 1
            guard index < roles.count, let target = roles[index], slots.wants(target.role, rank: target.rank) else { return true }
            if quoted {
                // Undouble "" inside a quoted field.
                slots.begin(target.role, rank: target.rank)
                var i = 0
                while i < field.count {
                    slots.append(target.role, field[i])
                    i += field[i] == UInt8(ascii: "\"") ? 2 : 1
                }
            } else {
                slots.set(target.role, field, rank: target.rank, copy: copy)
            }
            if target.role == .duration { slots.durationUnit = .milliseconds }
            return true
        }
        if columnCount == 1 && record.allSatisfy({ $0 == 0x20 || $0 == 0x09 }) { return .skip }
        if columnCount != roles.count { return .malformed("\(columnCount) columns where the header has \(roles.count)") }
        return .fields
    }

    /// Whether a record ends inside a quoted field (so it continues on the next line): an odd
    /// number of quotes, since an escaped quote inside a quoted field is doubled.
    static func quoteOpen<C: Collection>(_ bytes: C) -> Bool where C.Element == UInt8 {
        var open = false
        for b in bytes where b == UInt8(ascii: "\"") { open.toggle() }
        return open
    }

    /// Calls `body` with each field (quotes removed, "" still doubled) and whether it was quoted.
    static func forEachField(_ record: UnsafeRawBufferPointer, _ body: (UnsafeRawBufferPointer, Bool) -> Bool) {
        var i = 0
        let n = record.count
        while true {
            if i < n && record[i] == UInt8(ascii: "\"") {
                let start = i + 1
                var j = start
                while j < n {
                    if record[j] == UInt8(ascii: "\"") {
                        if j + 1 < n && record[j + 1] == UInt8(ascii: "\"") { j += 2; continue }
                        break
                    }
                    j += 1
                }
                guard body(UnsafeRawBufferPointer(rebasing: record[start..<min(j, n)]), true) else { return }
                i = j + 1
                // Skip anything between the closing quote and the comma.
                while i < n && record[i] != UInt8(ascii: ",") { i += 1 }
            } else {
                let start = i
                while i < n && record[i] != UInt8(ascii: ",") { i += 1 }
                guard body(UnsafeRawBufferPointer(rebasing: record[start..<i]), false) else { return }
            }
            if i >= n { return }
            i += 1 // the comma
        }
    }
}

extension String {
    var trimmingSpaces: String {
        var s = Substring(self)
        while let f = s.first, f == " " || f == "\t" || f == "\u{FEFF}" { s = s.dropFirst() }
        while let l = s.last, l == " " || l == "\t" { s = s.dropLast() }
        return String(s)
    }
}
