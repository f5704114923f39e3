/// Finds the records of a document that holds them all (rather than one per line), as bytes
/// stream past: the objects of a JSON array (`{"result":[...]}`, `{"records":[...]}` or a bare
/// `[...]`, pretty-printed or one very long line) or the record elements of an XML export
/// (`<xml><syslog_transaction action="INSERT_OR_UPDATE">...</syslog_transaction>...</xml>`).
///
/// A state machine over single bytes, kept between calls, so a record may span any number of
/// reads; `LineFramer` hands each record out as it hands out a line.
struct DocumentScanner {
    enum Kind: Equatable {
        /// Objects of the first array at the top level or one level below.
        case jsonArray
        /// Elements one level below the root element.
        case xmlElements
    }

    enum Phase { case prelude, between, inRecord, done }

    let kind: Kind
    private(set) var phase = Phase.prelude
    /// Newlines passed so far.
    private(set) var newlines: Int64 = 0
    /// Whether bytes were passed since the last newline (a last line without one).
    private(set) var partialLine = false
    /// The 0-based line the current record started on.
    private(set) var recordLine: Int64 = 0

    // JSON
    private var depth = 0
    private var arrayDepth = 0
    private var inString = false
    private var escaped = false

    // XML
    private enum XMLState { case text, open, startTag, endTag, bang, comment, cdata, declaration, instruction }
    private var xml = XMLState.text
    private var quote: UInt8 = 0
    private var tagStart = 0
    private var previous: UInt8 = 0
    private var beforePrevious: UInt8 = 0
    private var bangCount = 0

    init(kind: Kind) { self.kind = kind }

    enum Found {
        /// A record begins at this index.
        case start(Int)
        /// The record ends just before this index.
        case end(Int)
    }

    /// Scans `bytes[from..<to]` and stops at the first record start or end; `nil` when the
    /// range holds neither (all of it was scanned).
    mutating func scan(_ bytes: UnsafeMutableRawBufferPointer, from: Int, to: Int) -> (found: Found, next: Int)? {
        kind == .jsonArray ? scanJSON(bytes, from: from, to: to) : scanXML(bytes, from: from, to: to)
    }

    private mutating func scanJSON(_ bytes: UnsafeMutableRawBufferPointer, from: Int, to: Int) -> (found: Found, next: Int)? {
        var i = from
        while i < to {
            let b = bytes[i]
            i += 1
            if b == 0x0A { newlines += 1; partialLine = false; continue }
            partialLine = true
            if inString {
                if escaped { escaped = false } else if b == UInt8(ascii: "\\") { escaped = true } else if b == UInt8(ascii: "\"") { inString = false }
                continue
            }
            switch b {
            case UInt8(ascii: "\""):
                inString = true
            case UInt8(ascii: "{"), UInt8(ascii: "["):
                depth += 1
                if phase == .prelude && b == UInt8(ascii: "[") && depth <= 2 {
                    phase = .between
                    arrayDepth = depth
                } else if phase == .between && depth == arrayDepth + 1 {
                    phase = .inRecord
                    recordLine = newlines
                    return (.start(i - 1), i)
                }
            case UInt8(ascii: "}"), UInt8(ascii: "]"):
                depth -= 1
                if phase == .inRecord && depth == arrayDepth {
                    phase = .between
                    return (.end(i), i)
                }
                if phase == .between && depth < arrayDepth { phase = .done }
            default:
                break
            }
        }
        return nil
    }

    private mutating func scanXML(_ bytes: UnsafeMutableRawBufferPointer, from: Int, to: Int) -> (found: Found, next: Int)? {
        var i = from
        while i < to {
            let b = bytes[i]
            i += 1
            if b == 0x0A { newlines += 1; partialLine = false } else { partialLine = true }
            defer { beforePrevious = previous; previous = b }
            switch xml {
            case .text:
                if b == UInt8(ascii: "<") { xml = .open; tagStart = i - 1 }
            case .open:
                switch b {
                case UInt8(ascii: "/"): xml = .endTag
                case UInt8(ascii: "!"): xml = .bang; bangCount = 0
                case UInt8(ascii: "?"): xml = .instruction
                default:
                    xml = .startTag
                    quote = 0
                }
            case .bang:
                // "<!--" a comment, "<![CDATA[" character data, anything else a declaration.
                if b == UInt8(ascii: "-") { xml = .comment } else if b == UInt8(ascii: "[") { xml = .cdata } else { xml = .declaration }
            case .comment:
                if b == UInt8(ascii: ">") && previous == UInt8(ascii: "-") && beforePrevious == UInt8(ascii: "-") { xml = .text }
            case .cdata:
                if b == UInt8(ascii: ">") && previous == UInt8(ascii: "]") && beforePrevious == UInt8(ascii: "]") { xml = .text }
            case .instruction:
                if b == UInt8(ascii: ">") && previous == UInt8(ascii: "?") { xml = .text }
            case .declaration:
                if b == UInt8(ascii: ">") { xml = .text }
            case .startTag:
                if quote != 0 {
                    if b == quote { quote = 0 }
                } else if b == UInt8(ascii: "\"") || b == UInt8(ascii: "'") {
                    quote = b
                } else if b == UInt8(ascii: ">") {
                    xml = .text
                    if previous == UInt8(ascii: "/") { break }
                    depth += 1
                    if depth == 2 && phase != .done {
                        phase = .inRecord
                        recordLine = newlines
                        return (.start(tagStart), i)
                    }
                }
            case .endTag:
                if b == UInt8(ascii: ">") {
                    xml = .text
                    depth -= 1
                    if depth == 1 && phase == .inRecord {
                        phase = .between
                        return (.end(i), i)
                    }
                    if depth == 0 { phase = .done }
                }
            }
        }
        return nil
    }

    /// Whether `bytes` (an input's first bytes) open a document of records, and which.
    static func detect(_ bytes: UnsafeRawBufferPointer) -> Kind? {
        var i = 0
        if bytes.count >= 3 && bytes[0] == 0xEF && bytes[1] == 0xBB && bytes[2] == 0xBF { i = 3 }
        func skipSpace() { while i < bytes.count, bytes[i] == 0x20 || bytes[i] == 0x09 || bytes[i] == 0x0A || bytes[i] == 0x0D { i += 1 } }
        skipSpace()
        guard i < bytes.count else { return nil }
        // "<?xml" or a root element ("<xml>"); not a syslog priority ("<134>").
        if bytes[i] == UInt8(ascii: "<") {
            guard i + 1 < bytes.count else { return nil }
            let c = bytes[i + 1] | 0x20
            return bytes[i + 1] == UInt8(ascii: "?") || (c >= 0x61 && c <= 0x7A) ? .xmlElements : nil
        }
        if bytes[i] == UInt8(ascii: "[") {
            i += 1
            skipSpace()
            return i < bytes.count && bytes[i] == UInt8(ascii: "{") ? .jsonArray : nil
        }
        guard bytes[i] == UInt8(ascii: "{") else { return nil }
        i += 1
        skipSpace()
        for key in ["\"result\"", "\"records\""] {
            let k = Array(key.utf8)
            guard i + k.count <= bytes.count, (0..<k.count).allSatisfy({ bytes[i + $0] == k[$0] }) else { continue }
            var j = i + k.count
            while j < bytes.count, bytes[j] == 0x20 || bytes[j] == 0x09 || bytes[j] == 0x0A || bytes[j] == 0x0D { j += 1 }
            guard j < bytes.count, bytes[j] == UInt8(ascii: ":") else { return nil }
            j += 1
            while j < bytes.count, bytes[j] == 0x20 || bytes[j] == 0x09 || bytes[j] == 0x0A || bytes[j] == 0x0D { j += 1 }
            return j < bytes.count && bytes[j] == UInt8(ascii: "[") ? .jsonArray : nil
        }
        return nil
    }
}
