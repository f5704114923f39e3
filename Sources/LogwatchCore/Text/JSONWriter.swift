/// Appends JSON to a byte buffer. Strings are escaped so any log content stays a string:
/// quotes, backslashes, control characters and DEL become escapes.
public enum JSONWriter {
    public static func string(_ s: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        for b in s.utf8 {
            switch b {
            case UInt8(ascii: "\""): out.append(UInt8(ascii: "\\")); out.append(b)
            case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\")); out.append(b)
            case 0x0A: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "n"))
            case 0x0D: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "r"))
            case 0x09: out.append(UInt8(ascii: "\\")); out.append(UInt8(ascii: "t"))
            case 0..<0x20, 0x7F:
                let hex: [UInt8] = Array("0123456789abcdef".utf8)
                out.append(contentsOf: Array("\\u00".utf8))
                out.append(hex[Int(b >> 4)])
                out.append(hex[Int(b & 0xF)])
            default: out.append(b)
            }
        }
        out.append(UInt8(ascii: "\""))
    }

    public static func optionalString(_ s: String?, to out: inout [UInt8]) {
        if let s { string(s, to: &out) } else { out.append(contentsOf: Array("null".utf8)) }
    }

    public static func integer<I: BinaryInteger>(_ v: I?, to out: inout [UInt8]) {
        if let v { out.append(contentsOf: Array(String(v).utf8)) } else { out.append(contentsOf: Array("null".utf8)) }
    }

    /// A number with at most three decimals, integers without a fraction.
    public static func number(_ v: Double?, to out: inout [UInt8]) {
        guard let v, v.isFinite else { out.append(contentsOf: Array("null".utf8)); return }
        out.append(contentsOf: Array(NumberFormat.decimal(v).utf8))
    }

    public static func key(_ k: StaticString, first: Bool = false, to out: inout [UInt8]) {
        if !first { out.append(UInt8(ascii: ",")) }
        out.append(UInt8(ascii: "\""))
        k.withUTF8Buffer { out.append(contentsOf: $0) }
        out.append(UInt8(ascii: "\""))
        out.append(UInt8(ascii: ":"))
    }

    /// One event as the `logwatch events` JSON object (no newline).
    public static func event(_ e: TransactionEvent, file: String, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        key("time", first: true, to: &out)
        out.append(UInt8(ascii: "\""))
        EventTime.appendRFC3339(e.time, to: &out)
        out.append(UInt8(ascii: "\""))
        key("source_ip", to: &out); optionalString(e.sourceIP?.description, to: &out)
        key("principal", to: &out); optionalString(e.principal, to: &out)
        key("protocol", to: &out); string(e.apiProtocol.name, to: &out)
        key("direction", to: &out); string(e.direction.name, to: &out)
        key("method", to: &out); optionalString(e.method, to: &out)
        key("path", to: &out); optionalString(e.path, to: &out)
        key("status", to: &out); integer(e.status, to: &out)
        key("outcome", to: &out); string(e.outcome.name, to: &out)
        key("failure_reason", to: &out); optionalString(e.failureReason?.name, to: &out)
        key("duration_ms", to: &out); number(e.durationMs, to: &out)
        key("bytes", to: &out); integer(e.bytes, to: &out)
        key("file", to: &out); string(file, to: &out)
        key("line", to: &out); integer(e.origin.line, to: &out)
        out.append(UInt8(ascii: "}"))
    }
}
