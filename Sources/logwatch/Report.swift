import ArgumentParser
import LogwatchRuntime

/// `logwatch report`: one self-contained HTML page of the traffic and the incidents in logs.
struct Report: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Write an HTML report of the traffic and incidents in log files.",
        discussion: """
        The report is one file with no external scripts, fonts or images: charts of requests, \
        authentication failures, error rate and response time over time with incidents marked, \
        the incidents, the top principals and source addresses, and the run's facts. It runs every \
        detector, as scan does, in bounded memory whatever the size of the input.
        """
    )

    @OptionGroup var input: InputOptions

    @Argument(help: ArgumentHelp("Log files, plain, gzip or zstd; - for standard input.", valueName: "file"))
    var files: [String]

    @Option(help: "A YAML configuration file (see samples/logwatch.yml).")
    var config: String?

    @Option(name: [.short, .customLong("output")], help: ArgumentHelp("Where to write the report; - for standard output.", valueName: "file"))
    var output: String

    @Option(help: "Ignore events before this time (RFC 3339, or a date).")
    var since: String?

    @Option(help: "Ignore events at or after this time (RFC 3339, or a date).")
    var until: String?

    @Option(help: "Threads: 1 reads, parses and detects on one; 2 or more read and parse on a thread of their own, overlapping with detection, and read up to this many inputs that overlap in time in parallel (default: the cores, at most 8).")
    var jobs: Int = defaultJobs

    @OptionGroup var progressOptions: ProgressOptions

    func validate() throws {
        try validateInputs(files)
        try validateWindow(since: since, until: until)
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        if output == "-" && files.contains("-") { throw ValidationError("--output - and standard input together: write the report to a file") }
    }

    func run() throws {
        var settings = ReportSettings(files: files, output: output)
        settings.configPath = config
        settings.ingest = try input.ingestOptions()
        settings.since = since
        settings.until = until
        settings.progress = progressOptions.progress
        settings.jobs = jobs
        try exiting { () throws(RunExit) in try ReportRun.run(settings) }
    }
}
