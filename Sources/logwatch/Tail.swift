import Alerting
import ArgumentParser
import LogwatchMetrics
import LogwatchRuntime

/// `logwatch tail`: follow live logs, detect as lines arrive, and keep what was read and
/// learned in the state directory so a restart loses and repeats nothing.
struct Tail: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "tail",
        abstract: "Follow live logs through rotation and print alerts as they happen.",
        discussion: """
        Files are followed like tail -F: appended lines as they arrive, rename and copy-truncate \
        rotation, files that a glob names later. A file seen for the first time is read from its \
        end (--from-beginning: from its start); a file known from the state directory resumes \
        where the last run stopped, so nothing is skipped or read twice, even after kill -9. \
        Compressed files are not followed (logwatch scan reads those). - follows standard input.

        SIGTERM or SIGINT: finish the events in hand, save the state, exit 0. SIGHUP: reload the \
        configuration file (a bad one is reported and the old one kept).
        """
    )

    @OptionGroup var input: InputOptions

    @Argument(help: ArgumentHelp("Log files or globs (quote them: 'logs/*.log'); - for standard input.", valueName: "path"))
    var paths: [String]

    @Option(help: "A YAML configuration file (see samples/logwatch.yml); reloaded on SIGHUP.")
    var config: String?

    @OptionGroup var state: StateOptions

    @OptionGroup var sinkOptions: SinkOptions

    @Option(help: "Alert output: json (one object per line) or text (for people).")
    var output: AlertFormat = .json

    @Flag(help: "Read files seen for the first time from their start, not their end.")
    var fromBeginning = false

    @Option(help: ArgumentHelp("How often to look for new data, rotation and new files without a change notification, in seconds (inotify normally wakes logwatch at once).", valueName: "seconds"))
    var pollInterval: Double = 0.5

    @Option(help: ArgumentHelp("How often to report files that had malformed or oversized lines since the last report, in seconds (the full summary is printed at exit).", valueName: "seconds"))
    var summaryInterval: Double = 300

    @Option(help: ArgumentHelp("Serve Prometheus metrics on /metrics and a health check on /healthz at this address: PORT (on 127.0.0.1), ADDR:PORT or [V6]:PORT.", valueName: "addr:port"))
    var metricsListen: String?

    @Option(help: .hidden)
    var checkpointInterval: Double = 1

    func validate() throws {
        try validateInputs(paths)
        guard pollInterval > 0 && pollInterval <= 60 else { throw ValidationError("--poll-interval must be between 0 and 60 seconds") }
        guard summaryInterval > 0 && summaryInterval <= 86_400 else { throw ValidationError("--summary-interval must be between 0 and 86400 seconds") }
        if let metricsListen, MetricsServer.parse(metricsListen) == nil {
            throw ValidationError("--metrics-listen \(metricsListen): expected PORT, ADDR:PORT or [V6]:PORT (port 0 to 65535)")
        }
        guard checkpointInterval >= 0 else { throw ValidationError("--checkpoint-interval cannot be negative") }
    }

    func run() throws {
        var settings = TailSettings(paths: paths)
        settings.session = try SessionSettings(config: config, input: input, output: output, state: state, sinks: sinkOptions)
        settings.fromBeginning = fromBeginning
        settings.pollInterval = pollInterval
        settings.checkpointInterval = checkpointInterval
        settings.summaryInterval = summaryInterval
        settings.metricsListen = metricsListen.flatMap(MetricsServer.parse)
        try exiting { () throws(RunExit) in try TailRun.run(settings) }
    }
}
