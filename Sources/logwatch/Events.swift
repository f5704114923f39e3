import ArgumentParser
import LogwatchRuntime

/// `logwatch events`: print every parsed event as JSON, to check that logwatch reads a log right.
struct Events: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "events",
        abstract: "Print each parsed event as one JSON object per line.",
        discussion: """
        Keys: time, source_ip, principal, protocol, method, path, status, outcome, failure_reason, \
        duration_ms, bytes, file, line. A summary goes to standard error. Exit status 0 when every \
        input was read to its end (malformed lines are counted, not errors), 2 when an input could \
        not be opened or was damaged (after printing everything readable).
        """
    )

    @OptionGroup var input: InputOptions

    @Argument(help: ArgumentHelp("Log files, plain, gzip or zstd; - for standard input.", valueName: "file"))
    var files: [String]

    @Flag(help: "Print only the summary.")
    var count = false

    func validate() throws { try validateInputs(files) }

    func run() throws {
        let options = try input.ingestOptions()
        try exiting { () throws(RunExit) in try EventsRun.run(files: files, options: options, countOnly: count) }
    }
}
