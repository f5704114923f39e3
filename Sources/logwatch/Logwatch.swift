import ArgumentParser
import LogwatchCore
import LogwatchRuntime

@main
struct Logwatch: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "logwatch",
        abstract: "Watch integration transaction logs for failed-auth spikes, unexpected source IPs and volume surges.",
        version: LogwatchVersion.current,
        subcommands: [Scan.self, Report.self, Tail.self, Alerts.self, Events.self, CheckConfig.self]
    )
}

/// Runs a command's work and turns how it ended into the process's exit status.
func exiting(_ body: () throws(RunExit) -> Void) throws {
    do {
        try body()
    } catch {
        throw ExitCode(error.status)
    }
}
