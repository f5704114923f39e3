import Foundation
import LogwatchConfig
import LogwatchCore
import LogwatchState

/// The sinks of one run: local ones written at once, network ones queued in the outbox and
/// sent by the deliverer.
public final class AlertSinks {
    public struct Local {
        public let spec: SinkSpec
        public let writer: AlertWriter
        public let out: BufferedOutput
    }

    public let local: [Local]
    public let network: [SinkSpec]
    public let deliverer: Deliverer?
    public let outboxLimit: Int
    private let hostname: String

    /// - Throws: a message naming the sink (never a secret) when a reference cannot be
    ///   resolved, a file cannot be opened, or a TLS file cannot be read.
    public init(specs: [SinkSpec], output: AlertFormat, names: InputNames, store: StateStore?, delivery: DeliverySettings, caFile: String?) throws {
        let specs = specs.isEmpty ? [SinkSpec(name: "stdout", kind: .stdout)] : specs
        var local: [Local] = []
        var targets: [DeliveryTarget] = []
        for spec in specs {
            switch spec.kind {
            case .stdout:
                local.append(Local(spec: spec, writer: AlertWriter(format: output, inputs: names), out: BufferedOutput(fd: 1)))
            case .file:
                let path = spec.path ?? ""
                let fd = open(path, O_WRONLY | O_APPEND | O_CREAT | O_CLOEXEC, 0o600)
                guard fd >= 0 else { throw SinkError("sink \(spec.name): cannot open \(path) (\(String(cString: strerror(errno))))") }
                local.append(Local(spec: spec, writer: AlertWriter(format: .json, inputs: names), out: BufferedOutput(fd: fd)))
            case .webhook, .slack, .alertmanager:
                targets.append(try DeliveryTarget(resolving: spec, caFile: caFile))
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

    /// What each network sink gets for an alert.
    public func deliveries(for a: Alert, json: String) -> [OutboxItem] {
        network.filter { $0.accepts(a.severity, a.detector) }.map { spec in
            let key = a.deliveryKey
            switch spec.kind {
            case .slack:
                return OutboxItem(sink: spec.name, key: key, incident: a.id, body: SlackPayload.body(a))
            case .alertmanager:
                let body = AlertmanagerPayload.alert(a, generatorURL: spec.generatorURL ?? "logwatch://\(hostname)/incidents/{id}")
                return OutboxItem(sink: spec.name, key: key, incident: a.id, body: body, active: a.status == .resolved ? .resolved : .firing(body))
            default:
                return OutboxItem(sink: spec.name, key: key, incident: a.id, body: json)
            }
        }
    }

    public func flushLocal() {
        for l in local { l.out.flush() }
    }
}

extension Alert {
    /// Unique per alert (an incident's firing, reminders and resolution each have their own):
    /// the `Idempotency-Key`, and the key of a delivery in the outbox.
    public var deliveryKey: String { "\(id)-\(phase.rawValue)-\(decidedAt)" }
}
