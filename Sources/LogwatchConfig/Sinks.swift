import AnomalyEngine
import LogwatchCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// Where alerts go.
public enum SinkKind: String, CaseIterable, Sendable {
    /// JSON lines (or text) on standard output: the default when no sink is configured.
    case stdout
    /// JSON lines appended to a file.
    case file
    /// An HTTP POST of the alert JSON (or a JSON array of alerts with `batch`).
    case webhook
    /// Slack's incoming-webhook payload (Mattermost and Teams-compatible receivers take it too).
    case slack
    /// Prometheus Alertmanager's `POST /api/v2/alerts`.
    case alertmanager

    public var isNetwork: Bool { self == .webhook || self == .slack || self == .alertmanager }
}

/// Where a network sink sends: an http or https URL with a host. The one check of sink URLs,
/// for the configuration file, the command line and the resolved references alike.
public enum SinkURL {
    /// The URL, when `text` is an http or https URL with a host.
    public static func parse(_ text: String) -> URL? {
        guard let u = URL(string: text), let scheme = u.scheme, ["http", "https"].contains(scheme), u.host != nil else { return nil }
        return u
    }

    /// Whether `text` is a reference (`env:NAME`, `file:PATH`) resolved only when used.
    public static func isReference(_ text: String) -> Bool { text.hasPrefix("env:") || text.hasPrefix("file:") }
}

/// A secret given by reference, so it never has to be written in the configuration:
/// `env:NAME` (an environment variable) or `file:PATH` (a file's content, without the
/// trailing newline). Anything else is taken literally.
public struct SecretReference: Sendable, Equatable, CustomStringConvertible {
    public let text: String

    public init(_ text: String) { self.text = text }

    /// What the reference points to.
    /// - Throws: `ConfigError`-style text when the variable is unset or the file unreadable.
    public func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        if text.hasPrefix("env:") {
            let name = String(text.dropFirst(4))
            guard let value = environment[name], !value.isEmpty else { throw SecretError(message: "environment variable \(name) is not set") }
            return value
        }
        if text.hasPrefix("file:") {
            let path = String(text.dropFirst(5))
            guard let handle = FileHandle(forReadingAtPath: path) else { throw SecretError(message: "cannot read \(path)") }
            defer { try? handle.close() }
            // Like ssh with private keys: a secret others can read is no longer a secret, and one
            // others can write lets them choose it.
            var st = stat()
            if fstat(handle.fileDescriptor, &st) == 0 && st.st_mode & (S_IROTH | S_IWOTH) != 0 {
                throw SecretError(message: "\(path) is readable or writable by every user (mode \(String(st.st_mode & 0o777, radix: 8))); run chmod o-rw \(path)")
            }
            let data = (try? handle.readToEnd()) ?? Data()
            var value = String(decoding: data, as: UTF8.self)
            while value.hasSuffix("\n") || value.hasSuffix("\r") { value.removeLast() }
            guard !value.isEmpty else { throw SecretError(message: "\(path) is empty") }
            return value
        }
        return text
    }

    /// Never the secret itself: the reference, or "(given literally)".
    public var description: String { text.hasPrefix("env:") || text.hasPrefix("file:") ? text : "(given literally)" }
}

public struct SecretError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}

/// One configured destination for alerts.
public struct SinkSpec: Sendable, Equatable {
    public var name: String
    public var kind: SinkKind
    /// For network sinks: the URL (a reference, since URLs often carry tokens).
    public var url: SecretReference?
    /// For `file`: where to append.
    public var path: String?
    /// Extra HTTP headers; values may be references (`Authorization: env:HOOK_TOKEN`).
    public var headers: [(String, SecretReference)]
    /// Only alerts at or above this severity.
    public var minSeverity: Severity
    /// Only these detectors (all when empty).
    public var detectors: Set<DetectorKind>
    /// `webhook`: at most this many alerts per request, as a JSON array (nil: one object per request).
    public var batch: Int?
    /// HMAC-SHA256 signing of every request.
    public var signingSecret: SecretReference?
    /// `alertmanager`: how often firing alerts are sent again (Alertmanager resolves alerts it
    /// stops hearing about).
    public var resendSeconds: Int64
    /// `alertmanager`: the link shown with each alert; `{id}` is replaced by the incident id.
    public var generatorURL: String?
    /// TLS: a private CA to trust (in addition to the system's), and a client certificate and
    /// key for receivers that require mutual TLS (PEM files).
    public var caFile: String?
    public var clientCertificate: String?
    public var clientKey: String?

    public init(name: String, kind: SinkKind, url: SecretReference? = nil) {
        self.name = name
        self.kind = kind
        self.url = url
        headers = []
        minSeverity = .info
        detectors = []
        resendSeconds = 60
    }

    /// Whether this sink takes an alert.
    public func accepts(_ severity: Severity, _ detector: DetectorKind) -> Bool {
        severity >= minSeverity && (detectors.isEmpty || detectors.contains(detector))
    }

    public static func == (a: SinkSpec, b: SinkSpec) -> Bool {
        a.name == b.name && a.kind == b.kind && a.url == b.url && a.path == b.path
            && a.headers.map(\.0) == b.headers.map(\.0) && a.headers.map(\.1) == b.headers.map(\.1)
            && a.minSeverity == b.minSeverity && a.detectors == b.detectors && a.batch == b.batch
            && a.signingSecret == b.signingSecret && a.resendSeconds == b.resendSeconds && a.generatorURL == b.generatorURL
            && a.caFile == b.caFile && a.clientCertificate == b.clientCertificate && a.clientKey == b.clientKey
    }
}

/// How network sinks are delivered to.
public struct DeliverySettings: Sendable, Equatable {
    public var connectTimeoutSeconds: Double = 5
    /// The whole request, from connecting to the end of the response.
    public var timeoutSeconds: Double = 15
    /// Retries wait this long first, doubling each time (with jitter), up to `maxBackoffSeconds`.
    public var initialBackoffSeconds: Double = 1
    public var maxBackoffSeconds: Double = 300
    /// Undelivered alerts kept at most; past that the oldest are dropped, counted and reported.
    public var outboxLimit = 100_000

    public init() {}
}

/// Everything a configuration file says: the engine's settings, where alerts go, and how.
public struct LogwatchConfiguration: Sendable, Equatable {
    public var engine = EngineConfiguration()
    public var sinks: [SinkSpec] = []
    public var delivery = DeliverySettings()

    public init() {}
}
