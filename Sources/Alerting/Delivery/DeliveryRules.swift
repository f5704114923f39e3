import Crypto
import Foundation

/// What to do after an attempt to deliver.
public enum AttemptOutcome: Equatable, Sendable {
    /// The receiver acknowledged (2xx).
    case delivered
    /// Try again: a network error, a timeout, 408, 429 or 5xx. `after` is the receiver's
    /// `Retry-After` in seconds, when it gave one.
    case retry(reason: String, after: Double?)
    /// Never retried (another 4xx, 1xx, or a 3xx, since redirects are not followed): kept as a
    /// dead letter with the status and the start of the response, or where a redirect pointed.
    case reject(status: Int, body: String)
}

/// The rules of delivery, apart from any I/O so they can be tested on their own.
public enum DeliveryRules {
    /// How an HTTP answer is treated.
    public static func classify(status: Int, retryAfter: String?, location: String? = nil, body: String, now: Date = Date()) -> AttemptOutcome {
        switch status {
        case 200..<300: return .delivered
        case 408, 429, 500..<600: return .retry(reason: "HTTP \(status)", after: retryAfter.flatMap { parseRetryAfter($0, now: now) })
        case 300..<400: return .reject(status: status, body: "a redirect to \(location ?? "no Location"), not followed")
        default: return .reject(status: status, body: body)
        }
    }

    /// `Retry-After`: delay-seconds, or an HTTP-date (RFC 9110). Capped at an hour.
    public static func parseRetryAfter(_ value: String, now: Date = Date()) -> Double? {
        let v = value.trimmingCharacters(in: .whitespaces)
        if let seconds = Double(v), seconds >= 0, seconds.isFinite { return min(seconds, 3600) }
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "GMT")
        f.dateFormat = "EEE, dd MMM yyyy HH:mm:ss zzz"
        guard let date = f.date(from: v) else { return nil }
        return min(max(0, date.timeIntervalSince(now)), 3600)
    }

    /// The wait before attempt `attempt + 1` (attempt 1 failed: `initial`), doubling each
    /// time up to `maximum`, with jitter: a random point in the upper half, so instances that
    /// failed together do not retry together.
    public static func backoff(attempt: Int, initial: Double, maximum: Double, random: Double = Double.random(in: 0..<1)) -> Double {
        let exponent = min(max(0, attempt - 1), 30)
        let base = min(maximum, initial * pow(2, Double(exponent)))
        return base * (0.5 + 0.5 * random)
    }

    /// `X-Logwatch-Signature`: `sha256=` and the hex HMAC-SHA256 of `timestamp + "." + body`.
    public static func signature(secret: String, timestamp: Int64, body: [UInt8]) -> String {
        var message = Array("\(timestamp).".utf8)
        message += body
        let mac = HMAC<SHA256>.authenticationCode(for: message, using: SymmetricKey(data: Array(secret.utf8)))
        return "sha256=" + mac.map { String(format: "%02x", $0) }.joined()
    }

    /// A URL fit for messages: no user or password, no query, no fragment, and path segments
    /// that look like tokens (longer than 12 characters, as in Slack's webhook URLs) hidden.
    public static func redact(_ url: String) -> String {
        guard var c = URLComponents(string: url), c.host != nil else { return "(a URL that does not parse)" }
        if c.user != nil || c.password != nil { c.user = "***"; c.password = nil }
        if c.query != nil { c.query = "***" }
        c.fragment = nil
        c.path = c.path.split(separator: "/", omittingEmptySubsequences: false).map { $0.count > 12 ? "***" : String($0) }.joined(separator: "/")
        return (c.string ?? "(a URL)").replacingOccurrences(of: "%2A%2A%2A", with: "***")
    }
}
