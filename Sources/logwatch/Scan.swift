import Alerting
import ArgumentParser
import LogIngest
import LogwatchConfig
import LogwatchRuntime

extension AlertFormat: ExpressibleByArgument {}

/// `logwatch scan`: run every detector over archived logs and print the alerts.
struct Scan: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "scan",
        abstract: "Run the detectors over log files and print the alerts.",
        discussion: """
        Inputs are taken in the order of their first event's time, whatever their names; inputs \
        that overlap in time (the logs of several nodes) are merged by event time. Exit status 0 \
        when it ran, 1 with --fail-on-alert when an alert fired, 2 on an input or config error \
        (after processing what could be processed).
        """
    )

    @OptionGroup var input: InputOptions

    @Argument(help: ArgumentHelp("Log files, plain, gzip or zstd; - for standard input.", valueName: "file"))
    var files: [String]

    @Option(help: "A YAML configuration file (see samples/logwatch.yml).")
    var config: String?

    @Option(help: "Alert output: json (one object per line) or text (for people).")
    var output: AlertFormat = .json

    @Option(help: "Ignore events before this time (RFC 3339, or a date).")
    var since: String?

    @Option(help: "Ignore events at or after this time (RFC 3339, or a date).")
    var until: String?

    @Flag(help: "Exit with status 1 when any alert fired.")
    var failOnAlert = false

    @OptionGroup var state: StateOptions

    @OptionGroup var sinkOptions: SinkOptions

    @OptionGroup var progressOptions: ProgressOptions

    @Option(help: ArgumentHelp("With network sinks: how long to wait at the end for alerts to be delivered (90s, 5m); what is left stays in the outbox for the next run.", valueName: "duration"))
    var deliveryTimeout: String = "5m"

    @Option(help: "Threads: 1 reads, parses and detects on one; 2 or more read and parse on a thread of their own, overlapping with detection, and read up to this many inputs that overlap in time in parallel (default: the cores, at most 8).")
    var jobs: Int = defaultJobs

    func validate() throws {
        try validateInputs(files)
        try validateWindow(since: since, until: until)
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        guard ConfigFile.parseDuration(deliveryTimeout) != nil else {
            throw ValidationError("--delivery-timeout '\(deliveryTimeout)': expected a duration such as 90s or 5m")
        }
        if state.resetState && state.stateDir == nil { throw ValidationError("--reset-state needs --state-dir (scan keeps no state unless told where)") }
    }

    func run() throws {
        var settings = ScanSettings(files: files)
        settings.session = try SessionSettings(config: config, input: input, output: output, state: state, sinks: sinkOptions)
        settings.since = since
        settings.until = until
        settings.failOnAlert = failOnAlert
        settings.progress = progressOptions.progress
        settings.deliveryTimeout = deliveryTimeout
        settings.jobs = jobs
        settings.stopsOnSignals = true
        try exiting { () throws(RunExit) in try ScanRun.run(settings) }
    }
}
