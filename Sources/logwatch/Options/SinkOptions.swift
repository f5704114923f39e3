import Alerting
import ArgumentParser
import LogwatchConfig

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
        for url in webhooks + slacks + alertmanagers where !SinkURL.isReference(url) && SinkURL.parse(url) == nil {
            throw ValidationError("'\(DeliveryRules.redact(url))' is not an http or https URL")
        }
        if let s = signingSecret, !s.hasPrefix("env:") && !s.hasPrefix("file:") {
            throw ValidationError("--signing-secret takes env:NAME or file:PATH, so the secret stays out of the process list")
        }
    }

    /// One sink per command-line URL (they come after the configuration's own).
    var commandLineSinks: [SinkSpec] {
        var specs: [SinkSpec] = []
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
