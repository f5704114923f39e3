import LogwatchCore

/// The body a Slack sink receives for an alert, built when the alert is queued.
public enum SlackPayload {
    /// Slack's incoming-webhook message: a text line (what notifications and Mattermost show)
    /// and blocks with the facts. Log content is escaped for Slack's mrkdwn (`&`, `<`, `>`),
    /// so a principal named `<!channel>` cannot ping a channel.
    public static func body(_ a: Alert) -> String {
        func esc(_ s: String) -> String {
            TextSafety.escape(s).replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        }
        let title = "\(a.phase.label) \(a.severity.rawValue): \(a.detector.rawValue)/\(a.scope.rawValue)"
        let window = "\(EventTime.rfc3339(a.windowStart)) to \(EventTime.rfc3339(a.windowEnd))"
        var observed = "\(NumberFormat.decimal(a.observed)) (threshold \(NumberFormat.decimal(a.threshold))"
        if let b = a.baseline { observed += ", usual \(NumberFormat.decimal(b))" }
        observed += ")"
        var out: [UInt8] = []
        out.append(UInt8(ascii: "{"))
        JSONWriter.key("text", first: true, to: &out); JSONWriter.string("[\(title)] \(esc(a.message))", to: &out)
        JSONWriter.key("blocks", to: &out)
        out.append(contentsOf: Array(#"[{"type":"section","text":{"type":"mrkdwn","text":"#.utf8))
        JSONWriter.string("*\(title)*\n\(esc(a.message))", to: &out)
        out.append(contentsOf: Array(#"}},{"type":"section","fields":["#.utf8))
        let fields = [("Key", esc(a.key.canonical)), ("Observed", observed), ("Window", window), ("Incident", a.id)]
        for (i, (name, value)) in fields.enumerated() {
            if i > 0 { out.append(UInt8(ascii: ",")) }
            out.append(contentsOf: Array(#"{"type":"mrkdwn","text":"#.utf8))
            JSONWriter.string("*\(name)*\n\(value)", to: &out)
            out.append(UInt8(ascii: "}"))
        }
        out.append(contentsOf: Array("]}]}".utf8))
        return String(decoding: out, as: UTF8.self)
    }
}
