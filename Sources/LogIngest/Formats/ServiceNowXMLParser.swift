/// One record of ServiceNow's XML export (`<xml><TABLE action="INSERT_OR_UPDATE">...</TABLE></xml>`,
/// as a list's "Export > XML" or `TABLE_list.do?XML` writes it), handed over whole by
/// `DocumentScanner`: each child element is a column, named as in the CSV export
/// (`<sys_created_on>2025-11-24 08:00:01</sys_created_on>`, `<parm2/>`), a reference column with
/// its display value in an attribute (`<sys_domain display_value="global">global</sys_domain>`)
/// read for its text. The five predefined entities and character references are decoded.
final class ServiceNowXMLParser: LineParser {
    var format: LogFormat { .servicenowXML }
    private let overrides: [FieldRole: String]
    /// Roles by column name, as they are met (a record's columns repeat in every record).
    private var roles: [[UInt8]: (role: FieldRole, rank: Int)?] = [:]

    init(overrides: [FieldRole: String] = [:]) {
        self.overrides = overrides
    }

    func parse(_ record: UnsafeRawBufferPointer, into slots: FieldSlots) -> LineVerdict {
        let n = record.count
        // The record's own start tag.
        guard n > 2, record[0] == UInt8(ascii: "<"), let open = Self.tagEnd(record, from: 1) else {
            return .malformed("not an XML element")
        }
        if record[open - 1] == UInt8(ascii: "/") { return .skip }
        var i = open + 1
        while i < n {
            // Text between columns is whitespace.
            guard let lt = Self.index(of: UInt8(ascii: "<"), in: record, from: i) else { break }
            i = lt + 1
            guard i < n else { break }
            if record[i] == UInt8(ascii: "/") { break } // the record's end tag
            if record[i] == UInt8(ascii: "!") || record[i] == UInt8(ascii: "?") {
                guard let close = Self.index(of: UInt8(ascii: ">"), in: record, from: i) else { return .malformed("unterminated markup at byte \(lt + 1)") }
                i = close + 1
                continue
            }
            var nameEnd = i
            while nameEnd < n, !Self.endsName(record[nameEnd]) { nameEnd += 1 }
            let name = UnsafeRawBufferPointer(rebasing: record[i..<nameEnd])
            guard let tagClose = Self.tagEnd(record, from: nameEnd) else { return .malformed("unterminated tag at byte \(lt + 1)") }
            i = tagClose + 1
            let target = role(for: name)
            if record[tagClose - 1] == UInt8(ascii: "/") {
                // An empty column: present, with no value.
                if let target, slots.wants(target.role, rank: target.rank) {
                    slots.set(target.role, UnsafeRawBufferPointer(rebasing: record[i..<i]), rank: target.rank)
                }
                continue
            }
            // The column's text runs to its end tag; nested elements (none in exports) are skipped over.
            guard let end = Self.endTag(record, name: name, from: i) else { return .malformed("no end tag for <\(String(decoding: name, as: UTF8.self))>") }
            let text = UnsafeRawBufferPointer(rebasing: record[i..<end])
            if let target, slots.wants(target.role, rank: target.rank) {
                if text.contains(UInt8(ascii: "&")) {
                    slots.begin(target.role, rank: target.rank)
                    Self.decodeEntities(text) { slots.append(target.role, $0) }
                } else {
                    slots.set(target.role, text, rank: target.rank)
                }
                if target.role == .duration { slots.durationUnit = .milliseconds }
            }
            i = end
            guard let close = Self.index(of: UInt8(ascii: ">"), in: record, from: i) else { break }
            i = close + 1
        }
        return slots.has(.time) ? .fields : .malformed("record has no time column (sys_created_on)")
    }

    private func role(for name: UnsafeRawBufferPointer) -> (role: FieldRole, rank: Int)? {
        let key = Array(name)
        if let known = roles[key] { return known }
        let found = ServiceNowCSVParser.role(forColumn: String(decoding: name, as: UTF8.self), overrides: overrides)
        if roles.count < 4096 { roles[key] = found }
        return found
    }

    private static func endsName(_ b: UInt8) -> Bool {
        b == 0x20 || b == 0x09 || b == 0x0A || b == 0x0D || b == UInt8(ascii: ">") || b == UInt8(ascii: "/")
    }

    private static func index(of byte: UInt8, in bytes: UnsafeRawBufferPointer, from: Int) -> Int? {
        var i = from
        while i < bytes.count {
            if bytes[i] == byte { return i }
            i += 1
        }
        return nil
    }

    /// The `>` closing a tag whose name starts before `from`, skipping quoted attribute values.
    private static func tagEnd(_ bytes: UnsafeRawBufferPointer, from: Int) -> Int? {
        var quote: UInt8 = 0
        var i = from
        while i < bytes.count {
            let b = bytes[i]
            if quote != 0 {
                if b == quote { quote = 0 }
            } else if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") {
                quote = b
            } else if b == UInt8(ascii: ">") {
                return i
            }
            i += 1
        }
        return nil
    }

    /// Where `</name>` starts, from `from` on.
    private static func endTag(_ bytes: UnsafeRawBufferPointer, name: UnsafeRawBufferPointer, from: Int) -> Int? {
        var i = from
        while let lt = index(of: UInt8(ascii: "<"), in: bytes, from: i) {
            let nameStart = lt + 2
            if lt + 1 < bytes.count, bytes[lt + 1] == UInt8(ascii: "/"), nameStart + name.count <= bytes.count,
               (0..<name.count).allSatisfy({ bytes[nameStart + $0] == name[$0] }),
               nameStart + name.count == bytes.count || endsName(bytes[nameStart + name.count]) {
                return lt
            }
            i = lt + 1
        }
        return nil
    }

    /// Calls `emit` with the text's bytes, entities and character references decoded; an
    /// unknown entity is kept as written.
    static func decodeEntities(_ text: UnsafeRawBufferPointer, _ emit: (UnsafeRawBufferPointer) -> Void) {
        var i = 0
        var runStart = 0
        let n = text.count
        while i < n {
            guard text[i] == UInt8(ascii: "&"), let semi = index(of: UInt8(ascii: ";"), in: text, from: i + 1), semi - i <= 10 else {
                i += 1
                continue
            }
            let entity = String(decoding: UnsafeRawBufferPointer(rebasing: text[(i + 1)..<semi]), as: UTF8.self)
            var scalar: Unicode.Scalar?
            switch entity {
            case "amp": scalar = "&"
            case "lt": scalar = "<"
            case "gt": scalar = ">"
            case "quot": scalar = "\""
            case "apos": scalar = "'"
            default:
                if entity.hasPrefix("#x") || entity.hasPrefix("#X") {
                    scalar = UInt32(entity.dropFirst(2), radix: 16).flatMap(Unicode.Scalar.init)
                } else if entity.hasPrefix("#") {
                    scalar = UInt32(entity.dropFirst(), radix: 10).flatMap(Unicode.Scalar.init)
                }
            }
            guard let scalar else { i += 1; continue }
            if i > runStart { emit(UnsafeRawBufferPointer(rebasing: text[runStart..<i])) }
            var utf8: [UInt8] = []
            utf8.append(contentsOf: String(Character(scalar)).utf8)
            utf8.withUnsafeBytes { emit($0) }
            i = semi + 1
            runStart = i
        }
        if n > runStart { emit(UnsafeRawBufferPointer(rebasing: text[runStart..<n])) }
    }
}
