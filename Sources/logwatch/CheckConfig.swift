import AnomalyEngine
import ArgumentParser
import LogwatchConfig

/// `logwatch check-config`: validate a configuration file.
struct CheckConfig: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "check-config",
        abstract: "Check a configuration file; exit 0 when it is valid, 2 with the line and key when not."
    )

    @Argument(help: "The YAML file.")
    var file: String

    func run() throws {
        do {
            let c = try ConfigFile.load(path: file)
            let enabled = [c.failedAuth.enabled ? "failed_auth_spike" : nil, c.unexpectedSourceIP.enabled ? "unexpected_source_ip" : nil,
                           c.volumeSurge.enabled ? "volume_surge" : nil].compactMap { $0 }
            print("\(file): valid; detectors: \(enabled.joined(separator: ", ")); \(c.principals.count) principal\(c.principals.count == 1 ? "" : "s") with allowlists")
        } catch {
            printError("logwatch: \(error)")
            throw ExitCode(2)
        }
    }
}
