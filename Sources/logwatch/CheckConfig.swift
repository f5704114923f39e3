import ArgumentParser
import LogwatchConfig
import LogwatchCore

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
            let full = try ConfigFile.load(path: file)
            let c = full.engine
            let on: [DetectorKind: Bool] = [.failedAuthSpike: c.failedAuth.enabled, .unexpectedSourceIP: c.unexpectedSourceIP.enabled,
                                            .volumeSurge: c.volumeSurge.enabled]
            let enabled = DetectorKind.allCases.filter { on[$0] == true }.map(\.rawValue)
            let sinks = full.sinks.isEmpty ? "alerts to standard output" : "sinks: " + full.sinks.map { "\($0.name) (\($0.kind.rawValue))" }.joined(separator: ", ")
            print("\(file): valid; detectors: \(enabled.joined(separator: ", ")); \(c.principals.count) principal\(c.principals.count == 1 ? "" : "s") with allowlists; \(sinks)")
        } catch {
            printError("logwatch: \(error)")
            throw ExitCode(2)
        }
    }
}
