import Alerting
import ArgumentParser
import Foundation
import LogwatchConfig
import LogwatchCore
import LogwatchMetrics
import LogwatchRuntime
import ServiceNowPull

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

        --servicenow URL pulls an instance's log tables (transactions, events, system log, outbound \
        calls) through its Table API instead of, or as well as, following files: see \
        docs/servicenow.md. A first start begins --since ago (default: now), or at the oldest row \
        with --from-beginning; later starts resume where the last run stopped.

        SIGTERM or SIGINT: finish the events in hand, save the state, exit 0. SIGHUP: reload the \
        configuration file (a bad one is reported and the old one kept).
        """
    )

    @OptionGroup var input: InputOptions

    @Argument(help: ArgumentHelp("Log files or globs (quote them: 'logs/*.log'); - for standard input.", valueName: "path"))
    var paths: [String] = []

    @Option(help: ArgumentHelp("Pull the log tables of this ServiceNow instance through its Table API: https://INSTANCE.service-now.com.", valueName: "url"))
    var servicenow: String?

    @Option(help: ArgumentHelp("OAuth client id for --servicenow (client credentials grant).", valueName: "id"))
    var clientId: String?

    @Option(help: ArgumentHelp("The OAuth client secret: env:NAME or file:PATH.", valueName: "secret"))
    var clientSecret: String?

    @Option(help: ArgumentHelp("User for basic authentication to --servicenow, on instances without OAuth.", valueName: "user"))
    var user: String?

    @Option(help: ArgumentHelp("The user's password: env:NAME or file:PATH.", valueName: "password"))
    var password: String?

    @Option(help: ArgumentHelp("On a first start, pull from this long ago: 90s, 15m, 6h, 7d (default: from now).", valueName: "duration"))
    var since: String?

    @Option(help: ArgumentHelp("Tables to pull, comma-separated.", valueName: "tables"))
    var tables: String = ServiceNowPullSettings.defaultTables.joined(separator: ",")

    @Option(help: ArgumentHelp("Rows per Table API request (sysparm_limit), 1 to 10000.", valueName: "rows"))
    var pageSize: Int = 1000

    @Option(help: ArgumentHelp("Table API requests a minute at most.", valueName: "n"))
    var maxRequestsPerMinute: Int = 60

    @Option(help: ArgumentHelp("Seconds between pulls once caught up.", valueName: "seconds"))
    var pullInterval: Double = 10

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
        guard !paths.isEmpty || servicenow != nil else { throw ValidationError("give log files to follow, --servicenow URL, or both") }
        if let servicenow {
            guard let url = URL(string: servicenow), let scheme = url.scheme, scheme == "https" || scheme == "http", url.host != nil,
                  url.query == nil else {
                throw ValidationError("--servicenow \(servicenow): expected https://INSTANCE.service-now.com")
            }
            guard (clientId != nil) == (clientSecret != nil), (user != nil) == (password != nil), (clientId != nil) != (user != nil) else {
                throw ValidationError("--servicenow needs either --client-id and --client-secret (OAuth), or --user and --password")
            }
            for (name, value) in [("--client-secret", clientSecret), ("--password", password)] {
                if let value, !value.hasPrefix("env:") && !value.hasPrefix("file:") {
                    throw ValidationError("\(name) must be env:NAME or file:PATH, so that the secret stays out of the process list")
                }
            }
            guard (1...10_000).contains(pageSize) else { throw ValidationError("--page-size must be between 1 and 10000") }
            guard (1...6_000).contains(maxRequestsPerMinute) else { throw ValidationError("--max-requests-per-minute must be between 1 and 6000") }
            guard pullInterval >= 1 && pullInterval <= 3600 else { throw ValidationError("--pull-interval must be between 1 and 3600 seconds") }
            if let since, ConfigFile.parseDuration(since) == nil { throw ValidationError("--since \(since): expected a duration such as 15m, 6h or 7d") }
            let names = tables.split(separator: ",").map(String.init)
            guard !names.isEmpty, names.allSatisfy({ !$0.isEmpty && $0.allSatisfy { $0.isLetter || $0.isNumber || $0 == "_" } }) else {
                throw ValidationError("--tables \(tables): expected table names separated by commas")
            }
        } else if clientId != nil || user != nil || since != nil {
            throw ValidationError("--client-id, --user and --since go with --servicenow")
        }
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
        if let servicenow {
            let auth: ServiceNowPullSettings.Auth
            do {
                if let clientId, let clientSecret {
                    auth = .oauth(clientID: clientId, clientSecret: try SecretReference(clientSecret).resolve())
                } else {
                    auth = .basic(user: user!, password: try SecretReference(password!).resolve())
                }
            } catch {
                throw ValidationError("\(error)")
            }
            var pull = ServiceNowPullSettings(instance: servicenow, auth: auth)
            pull.tables = tables.split(separator: ",").map(String.init)
            pull.pageSize = pageSize
            pull.maxRequestsPerMinute = maxRequestsPerMinute
            pull.pollInterval = pullInterval
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            pull.start = fromBeginning ? nil : now - (since.flatMap(ConfigFile.parseDuration) ?? 0) * 1000
            settings.serviceNow = pull
        }
        try exiting { () throws(RunExit) in try TailRun.run(settings) }
    }
}
