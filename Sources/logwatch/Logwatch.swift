import ArgumentParser

@main
struct Logwatch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logwatch",
        abstract: "Watch integration transaction logs for failed-auth spikes, unexpected source IPs and volume surges.",
        version: "0.1.0",
        subcommands: [Scan.self, Report.self, Tail.self, Alerts.self, Events.self, CheckConfig.self]
    )
}
