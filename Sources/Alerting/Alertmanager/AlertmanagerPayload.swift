import Foundation
import LogwatchCore

/// What an Alertmanager sink receives: postable alerts of its v2 API (`POST /api/v2/alerts`).
public enum AlertmanagerPayload {
    /// One postable alert of Alertmanager's v2 API. A firing alert has no `endsAt` here: the
    /// deliverer sets it when sending (and again at each resend).
    public static func alert(_ a: Alert, generatorURL: String, now: Date = Date()) -> String {
        var out: [UInt8] = []
        out.append(contentsOf: Array(#"{"labels":{"#.utf8))
        JSONWriter.key("alertname", first: true, to: &out); JSONWriter.string(a.detector.rawValue, to: &out)
        JSONWriter.key("scope", to: &out); JSONWriter.string(a.scope.rawValue, to: &out)
        if let p = a.key.principal { JSONWriter.key("principal", to: &out); JSONWriter.string(p, to: &out) }
        if let ip = a.key.sourceIP { JSONWriter.key("source_ip", to: &out); JSONWriter.string(ip.description, to: &out) }
        JSONWriter.key("severity", to: &out); JSONWriter.string(a.severity.rawValue, to: &out)
        out.append(contentsOf: Array(#"},"annotations":{"#.utf8))
        JSONWriter.key("summary", first: true, to: &out); JSONWriter.string(a.message, to: &out)
        var description = "\(a.detector.rawValue)/\(a.scope.rawValue): observed \(NumberFormat.decimal(a.observed)), threshold \(NumberFormat.decimal(a.threshold))"
        if let b = a.baseline { description += ", usual \(NumberFormat.decimal(b))" }
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

    /// The request body for alerts queued with `alert(_:generatorURL:now:)`: a JSON array.
    /// Firing alerts are queued without `endsAt`, which is set here, at sending, four resend
    /// intervals ahead (as Prometheus does), so Alertmanager resolves them by itself if
    /// logwatch stops sending; a resolution keeps the `endsAt` it was queued with.
    public static func request(_ alerts: [String], resendSeconds: Double, now: Date) -> [UInt8] {
        let endsAt = rfc3339(now.addingTimeInterval(4 * resendSeconds))
        let items = alerts.map { body in
            body.contains("\"endsAt\"") ? body : String(body.dropLast()) + ",\"endsAt\":\"\(endsAt)\"}"
        }
        return Array(("[" + items.joined(separator: ",") + "]").utf8)
    }

    static func rfc3339(_ date: Date) -> String {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f.string(from: date)
    }
}
