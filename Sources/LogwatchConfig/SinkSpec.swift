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
