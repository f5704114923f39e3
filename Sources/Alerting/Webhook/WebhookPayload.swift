/// What a webhook sink receives: the alert's JSON as `scan` prints it, one per request, or a
/// JSON array of up to `batch` of them.
public enum WebhookPayload {
    /// The request body for alerts queued as their JSON.
    public static func request(_ alerts: [String], batch: Int?) -> [UInt8] {
        Array((batch == nil ? alerts[0] : "[" + alerts.joined(separator: ",") + "]").utf8)
    }
}
