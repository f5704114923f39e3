import LogwatchCore
#if canImport(Glibc)
import Glibc
#endif

/// Writes alerts as JSON lines or as aligned text for people.
public struct AlertWriter {
    public let format: AlertFormat
    public let inputs: InputNames
    public let color: Bool

    public init(format: AlertFormat, inputs: InputNames, fd: Int32 = 1) {
        self.format = format
        self.inputs = inputs
        color = format == .text && isatty(fd) == 1 && getenv("NO_COLOR") == nil
    }

    public func write(_ alert: Alert, to out: BufferedOutput) {
        switch format {
        case .json: out.append { Self.json(alert, inputs: inputs, to: &$0); $0.append(0x0A) }
        case .text: out.write(text(alert) + "\n")
        }
    }

    public static func json(_ a: Alert, inputs: InputNames, to out: inout [UInt8]) {
        out.append(UInt8(ascii: "{"))
        JSONWriter.key("id", first: true, to: &out); JSONWriter.string(a.id, to: &out)
        JSONWriter.key("detector", to: &out); JSONWriter.string(a.detector.rawValue, to: &out)
        JSONWriter.key("scope", to: &out); JSONWriter.string(a.scope.rawValue, to: &out)
        JSONWriter.key("key", to: &out)
        out.append(UInt8(ascii: "{"))
        var first = true
        if let p = a.key.principal { JSONWriter.key("principal", first: first, to: &out); JSONWriter.string(p, to: &out); first = false }
        if let ip = a.key.sourceIP { JSONWriter.key("source_ip", first: first, to: &out); JSONWriter.string(ip.description, to: &out) }
        out.append(UInt8(ascii: "}"))
        JSONWriter.key("severity", to: &out); JSONWriter.string(a.severity.rawValue, to: &out)
        JSONWriter.key("status", to: &out); JSONWriter.string(a.status.rawValue, to: &out)
        JSONWriter.key("window", to: &out)
        out.append(contentsOf: Array(#"{"start":"#.utf8)); time(a.windowStart, &out)
        out.append(contentsOf: Array(#","end":"#.utf8)); time(a.windowEnd, &out)
        out.append(UInt8(ascii: "}"))
        JSONWriter.key("observed", to: &out); JSONWriter.number(a.observed, to: &out)
        JSONWriter.key("baseline", to: &out); JSONWriter.number(a.baseline, to: &out)
        JSONWriter.key("threshold", to: &out); JSONWriter.number(a.threshold, to: &out)
        JSONWriter.key("score", to: &out); JSONWriter.number((a.score * 100).rounded() / 100, to: &out)
        JSONWriter.key("message", to: &out); JSONWriter.string(a.message, to: &out)
        JSONWriter.key("evidence", to: &out)
        out.append(contentsOf: Array(#"{"first_event":"#.utf8)); time(a.evidence.firstEvent, &out)
        out.append(contentsOf: Array(#","last_event":"#.utf8)); time(a.evidence.lastEvent, &out)
        out.append(contentsOf: Array(#","samples":["#.utf8))
        for (i, o) in a.evidence.samples.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(UInt8(ascii: "{"))
            JSONWriter.key("file", first: true, to: &out)
            JSONWriter.string(inputs[o.input], to: &out)
            JSONWriter.key("line", to: &out); JSONWriter.integer(o.line, to: &out)
            out.append(UInt8(ascii: "}"))
        }
        out.append(contentsOf: Array("]}}".utf8))
    }

    private static func time(_ ms: Int64, _ out: inout [UInt8]) {
        out.append(UInt8(ascii: "\""))
        EventTime.appendRFC3339(ms, to: &out)
        out.append(UInt8(ascii: "\""))
    }

    /// `2025-11-26 14:14  FIRING    critical  failed_auth_spike/source_ip   message`
    public func text(_ a: Alert) -> String {
        let when = String(EventTime.rfc3339(a.decidedAt).prefix(16)).replacingOccurrences(of: "T", with: " ")
        let what = "\(a.detector.rawValue)/\(a.scope.rawValue)"
        var line = when + "  " + pad(a.phase.label, 8) + "  " + pad(a.severity.rawValue, 8) + "  " + pad(what, 30) + "  " + TextSafety.escape(a.message)
        if color {
            let code = a.status == .resolved ? "32" : a.severity == .critical ? "31;1" : a.severity == .warning ? "33" : "36"
            line = "\u{1B}[\(code)m" + line + "\u{1B}[0m"
        }
        return line
    }

    private func pad(_ s: String, _ width: Int) -> String {
        s.count >= width ? s : s + String(repeating: " ", count: width - s.count)
    }
}
