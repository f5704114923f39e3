import TrafficReport
import AlertDelivery
import AnomalyEngine
import ArgumentParser
import Foundation
import LogwatchConfig
import LogwatchState
import NIOSSL

/// Where alerts go, from the command line (the configuration file's `sinks:` covers more).
struct SinkOptions: ParsableArguments {
    @Option(name: .customLong("webhook"), help: ArgumentHelp("POST each alert's JSON to this URL (repeatable; env:NAME or file:PATH to keep it out of the command line).", valueName: "url"))
    var webhooks: [String] = []

    @Option(name: .customLong("slack"), help: ArgumentHelp("Send each alert to this Slack incoming webhook (repeatable).", valueName: "url"))
    var slacks: [String] = []

    @Option(name: .customLong("alertmanager"), help: ArgumentHelp("Send alerts to this Prometheus Alertmanager, e.g. http://alertmanager:9093 (repeatable).", valueName: "url"))
    var alertmanagers: [String] = []

    @Option(help: ArgumentHelp("Sign requests of the sinks given here with HMAC-SHA256: env:NAME or file:PATH.", valueName: "ref"))
    var signingSecret: String?

    @Option(help: ArgumentHelp("Also trust this CA (PEM) for HTTPS receivers, e.g. a private CA.", valueName: "file"))
    var caFile: String?

    func validate() throws {
        for url in webhooks + slacks + alertmanagers where !url.hasPrefix("env:") && !url.hasPrefix("file:") {
            guard let u = URL(string: url), ["http", "https"].contains(u.scheme ?? ""), u.host != nil else {
                throw ValidationError("'\(DeliveryRules.redact(url))' is not an http or https URL")
            }
        }
        if let s = signingSecret, !s.hasPrefix("env:") && !s.hasPrefix("file:") {
            throw ValidationError("--signing-secret takes env:NAME or file:PATH, so the secret stays out of the process list")
        }
    }

    /// The configuration's sinks, then one per command-line URL.
    func specs(_ config: LogwatchConfiguration) -> [SinkSpec] {
        var specs = config.sinks
        func add(_ kind: SinkKind, _ urls: [String]) {
            for (i, url) in urls.enumerated() {
                var s = SinkSpec(name: "\(kind.rawValue)\(urls.count > 1 ? "-\(i + 1)" : "")", kind: kind, url: SecretReference(url))
                s.signingSecret = signingSecret.map(SecretReference.init)
                s.caFile = caFile
                specs.append(s)
            }
        }
        add(.webhook, webhooks)
        add(.slack, slacks)
        add(.alertmanager, alertmanagers)
        return specs
    }
}

/// The sinks of one run: local ones written at once, network ones queued in the outbox and
/// sent by the deliverer.
final class AlertSinks {
    struct Local {
        let spec: SinkSpec
        let writer: AlertWriter
        let out: OutputStream
    }

    let local: [Local]
    let network: [SinkSpec]
    let deliverer: Deliverer?
    let outboxLimit: Int
    private let hostname: String

    var needsStore: Bool { !network.isEmpty }

    /// - Throws: a message naming the sink (never a secret) when a reference cannot be
    ///   resolved, a file cannot be opened, or a TLS file cannot be read.
    init(specs: [SinkSpec], output: AlertFormat, names: InputNames, store: StateStore?, delivery: DeliverySettings, caFile: String?) throws {
        let specs = specs.isEmpty ? [SinkSpec(name: "stdout", kind: .stdout)] : specs
        var local: [Local] = []
        var targets: [DeliveryTarget] = []
        for spec in specs {
            switch spec.kind {
            case .stdout:
                local.append(Local(spec: spec, writer: AlertWriter(format: output, inputs: names), out: OutputStream(fd: 1)))
            case .file:
                let path = spec.path ?? ""
                let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
                guard fd >= 0 else { throw SinkError("sink \(spec.name): cannot open \(path) (\(String(cString: strerror(errno))))") }
                local.append(Local(spec: spec, writer: AlertWriter(format: .json, inputs: names), out: OutputStream(fd: fd)))
            case .webhook, .slack, .alertmanager:
                targets.append(try Self.target(spec, caFile: caFile))
            }
        }
        self.local = local
        network = specs.filter { $0.kind.isNetwork }
        outboxLimit = delivery.outboxLimit
        hostname = ProcessInfo.processInfo.hostName
        if let store, !targets.isEmpty {
            deliverer = Deliverer(store: store, targets: targets, connectTimeout: delivery.connectTimeoutSeconds, timeout: delivery.timeoutSeconds,
                                  initialBackoff: delivery.initialBackoffSeconds, maxBackoff: delivery.maxBackoffSeconds,
                                  report: { printError(TextSafety.escape($0)) })
        } else {
            deliverer = nil
        }
    }

    private static func target(_ spec: SinkSpec, caFile: String?) throws -> DeliveryTarget {
        func resolve(_ ref: SecretReference, _ what: String) throws -> String {
            do { return try ref.resolve() } catch { throw SinkError("sink \(spec.name): \(what) \(ref): \(error)") }
        }
        let url = try resolve(spec.url ?? SecretReference(""), "url")
        guard let u = URL(string: url), ["http", "https"].contains(u.scheme ?? ""), u.host != nil else {
            throw SinkError("sink \(spec.name): url \(spec.url.map(\.description) ?? "") is not an http or https URL")
        }
        var endpoint = url
        if spec.kind == .alertmanager && !u.path.hasSuffix("/api/v2/alerts") {
            endpoint = (url.hasSuffix("/") ? String(url.dropLast()) : url) + "/api/v2/alerts"
        }
        let headers = try spec.headers.map { ($0.0, try resolve($0.1, "header \($0.0)")) }
        let secret = try spec.signingSecret.map { try resolve($0, "signing secret") }
        var tls: TLSConfiguration?
        if u.scheme == "https" {
            var t = TLSConfiguration.makeClientConfiguration()
            t.certificateVerification = .fullVerification
            if let ca = spec.caFile ?? caFile {
                guard FileManager.default.isReadableFile(atPath: ca) else { throw SinkError("sink \(spec.name): CA file \(ca) cannot be read") }
                t.additionalTrustRoots = [.file(ca)]
            }
            if let cert = spec.clientCertificate, let key = spec.clientKey {
                do {
                    t.certificateChain = try NIOSSLCertificate.fromPEMFile(cert).map { .certificate($0) }
                    t.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
                } catch {
                    throw SinkError("sink \(spec.name): client certificate \(cert) or key \(key): \(error)")
                }
            }
            tls = t
        }
        let format: DeliveryTarget.Format
        switch spec.kind {
        case .slack: format = .slack
        case .alertmanager: format = .alertmanager(resendSeconds: Double(spec.resendSeconds))
        default: format = .webhook(batch: spec.batch)
        }
        return DeliveryTarget(name: spec.name, format: format, url: endpoint, headers: headers, signingSecret: secret, tls: tls)
    }

    /// What each network sink gets for an alert.
    func deliveries(for a: Alert, json: String) -> [OutboxItem] {
        network.filter { $0.accepts(a.severity, a.detector) }.map { spec in
            let key = AlertPayloads.deliveryKey(a)
            switch spec.kind {
            case .slack:
                return OutboxItem(sink: spec.name, key: key, incident: a.id, body: AlertPayloads.slack(a))
            case .alertmanager:
                let body = AlertPayloads.alertmanager(a, generatorURL: spec.generatorURL ?? "logwatch://\(hostname)/incidents/{id}")
                return OutboxItem(sink: spec.name, key: key, incident: a.id, body: body, active: a.status == .resolved ? .resolved : .firing(body))
            default:
                return OutboxItem(sink: spec.name, key: key, incident: a.id, body: json)
            }
        }
    }

    func flushLocal() {
        for l in local { l.out.flush() }
    }
}

struct SinkError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}
