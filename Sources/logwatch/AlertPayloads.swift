import TrafficReport
import AnomalyEngine
import Foundation

/// The bodies that network sinks receive, built when an alert is queued.
enum AlertPayloads {
    /// Unique per alert (an incident's firing, reminders and resolution each have their own):
    /// the `Idempotency-Key`, and the key of a delivery in the outbox.
    static func deliveryKey(_ a: Alert) -> String {
        "\(a.id)-\(a.isReminder ? "reminder" : a.status.rawValue)-\(a.decidedAt)"
    }

    static func status(_ a: Alert) -> String {
        a.status == .resolved ? "RESOLVED" : a.isReminder ? "ONGOING" : "FIRING"
    }

    /// Slack's incoming-webhook message: a text line (what notifications and Mattermost show)
    /// and blocks with the facts. Log content is escaped for Slack's mrkdwn (`&`, `<`, `>`),
    /// so a principal named `<!channel>` cannot ping a channel.
    static func slack(_ a: Alert) -> String {
        func esc(_ s: String) -> String {
            TextSafety.escape(s).replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
        }
        let title = "\(status(a)) \(a.severity.rawValue): \(a.detector.rawValue)/\(a.scope.rawValue)"
        let window = "\(EventTime.rfc3339(a.windowStart)) to \(EventTime.rfc3339(a.windowEnd))"
        var observed = "\(JSONWriter.formatNumber(a.observed)) (threshold \(JSONWriter.formatNumber(a.threshold))"
        if let b = a.baseline { observed += ", usual \(JSONWriter.formatNumber(b))" }
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

    /// One postable alert of Alertmanager's v2 API. A firing alert has no `endsAt` here: the
    /// deliverer sets it when sending (and again at each resend).
    static func alertmanager(_ a: Alert, generatorURL: String, now: Date = Date()) -> String {
        var out: [UInt8] = []
        out.append(contentsOf: Array(#"{"labels":{"#.utf8))
        JSONWriter.key("alertname", first: true, to: &out); JSONWriter.string(a.detector.rawValue, to: &out)
        JSONWriter.key("scope", to: &out); JSONWriter.string(a.scope.rawValue, to: &out)
        if let p = a.key.principal { JSONWriter.key("principal", to: &out); JSONWriter.string(p, to: &out) }
        if let ip = a.key.sourceIP { JSONWriter.key("source_ip", to: &out); JSONWriter.string(ip.description, to: &out) }
        JSONWriter.key("severity", to: &out); JSONWriter.string(a.severity.rawValue, to: &out)
        out.append(contentsOf: Array(#"},"annotations":{"#.utf8))
        JSONWriter.key("summary", first: true, to: &out); JSONWriter.string(a.message, to: &out)
        var description = "\(a.detector.rawValue)/\(a.scope.rawValue): observed \(JSONWriter.formatNumber(a.observed)), threshold \(JSONWriter.formatNumber(a.threshold))"
        if let b = a.baseline { description += ", usual \(JSONWriter.formatNumber(b))" }
        description += "; evidence from \(EventTime.rfc3339(a.evidence.firstEvent)) to \(EventTime.rfc3339(a.evidence.lastEvent))"
        JSONWriter.key("description", to: &out); JSONWriter.string(description, to: &out)
        JSONWriter.key("incident_id", to: &out); JSONWriter.string(a.id, to: &out)
        out.append(UInt8(ascii: "}"))
        JSONWriter.key("startsAt", to: &out); JSONWriter.string(EventTime.rfc3339(a.incidentStart), to: &out)
        if a.status == .resolved {
            // Event time, but never in the future: Alertmanager takes a future endsAt as still firing.
            let nowMs = Int64(now.timeIntervalSince1970 * 1000)
            JSONWriter.key("endsAt", to: &out); JSONWriter.string(EventTime.rfc3339(min(max(a.decidedAt, a.incidentStart), nowMs)), to: &out)
        }
        JSONWriter.key("generatorURL", to: &out); JSONWriter.string(generatorURL.replacingOccurrences(of: "{id}", with: a.id), to: &out)
        out.append(UInt8(ascii: "}"))
        return String(decoding: out, as: UTF8.self)
    }
}
