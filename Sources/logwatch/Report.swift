import AnomalyEngine
import ArgumentParser
import Foundation
import LogIngest
import LogwatchConfig
import TrafficReport

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
        if let since, parseUserTimestamp(since) == nil { throw ValidationError("--since '\(since)': not a time like 2025-11-28 or 2025-11-28T09:00:00Z") }
        if let until, parseUserTimestamp(until) == nil { throw ValidationError("--until '\(until)': not a time like 2025-11-28 or 2025-11-28T09:00:00Z") }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        if output == "-" && files.contains("-") { throw ValidationError("--output - and standard input together: write the report to a file") }
    }

    func run() throws {
        let fullConfig = try loadConfiguration(config)
        let engineConfig = fullConfig.engine
        let options = try input.ingestOptions()
        let zone = options.naiveZone
        let window = (since.flatMap { parseUserTimestamp($0, zone: zone) } ?? Int64.min, until.flatMap { parseUserTimestamp($0, zone: zone) } ?? Int64.max)

        // Open the output first: an unwritable path fails before a long read, not after.
        let out: OutputStream
        if output == "-" {
            out = OutputStream(fd: 1)
        } else {
            let fd = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                printError("logwatch: cannot write the report to \(TextSafety.escape(output)): \(String(cString: strerror(errno)))")
                throw ExitCode(2)
            }
            out = OutputStream(fd: fd)
        }

        let engine = Engine(configuration: engineConfig)
        engine.futureLimit = Int64(Date().timeIntervalSince1970 * 1000) + engineConfig.maxFutureSeconds * 1000
        let collector = TrafficCollector()
        let merge = MergedInputs(paths: files, options: options, readAhead: jobs > 1 ? jobs : 0)
        let display = progressOptions.start(inputs: files)
        merge.progress = display?.counter
        let stream = EventBatches(merge, jobs: jobs)
        var batch = stream.makeBatch()
        var alerts: [Alert] = []
        var outside: Int64 = 0
        while stream.next(&batch) {
            for i in 0..<batch.count {
                let event = batch[i]
                guard event.time >= window.0 && event.time < window.1 else { outside += 1; continue }
                let future = engine.stats.future
                engine.process(event, into: &alerts)
                // Events too far ahead of the clock are not judged, and not charted either: one
                // garbled year would stretch the time axis over nothing.
                if engine.stats.future == future { collector.add(event) }
                for a in alerts { collector.add(a) }
                alerts.removeAll(keepingCapacity: true)
            }
        }
        engine.finish(into: &alerts)
        for a in alerts { collector.add(a) }
        display?.finish()

        var facts = ReportFacts()
        facts.version = Logwatch.configuration.version
        facts.generatedAt = Int64(Date().timeIntervalSince1970 * 1000)
        facts.configPath = config
        facts.settings = settingsTable(engineConfig)
        for (i, name) in files.enumerated() { facts.inputNames[Int32(i)] = name }
        // In the command line's order.
        let order = Dictionary(files.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        for (name, s) in merge.summary.perInput.sorted(by: { order[$0.name, default: 0] < order[$1.name, default: 0] }) {
            facts.inputs.append(ReportFacts.Input(name: name, format: s.format?.rawValue, lines: s.lines, events: s.events, malformed: s.malformed,
                                                  oversized: s.oversized, bytesRead: s.compressedBytes, decodedBytes: s.decodedBytes))
        }
        facts.unreadableInputs = merge.summary.unreadable
        facts.malformedSamples = merge.summary.malformedSamples.map { "\($0.input):\($0.line): \($0.reason)" }
        facts.late = engine.stats.late
        facts.future = engine.stats.future
        facts.evictions = Int64(engine.stats.evictions.values.reduce(0, +))
        out.write(HTMLReport.render(collector, facts))
        out.flush()
        if out.failed {
            printError("logwatch: writing the report to \(TextSafety.escape(output)) failed: \(String(cString: strerror(errno)))")
            throw ExitCode(2)
        }

        for line in merge.summary.lines { printError(line) }
        if outside > 0 { printError("  \(group(outside)) events outside --since/--until") }
        let incidents = collector.incidents.count + collector.incidentsNotListed
        printError("  report: \(group(collector.events)) events, \(incidents) incident\(incidents == 1 ? "" : "s")\(output == "-" ? "" : ", written to \(TextSafety.escape(output))")")
        if merge.failed { throw ExitCode(2) }
    }

    /// The settings that decide what fires, for the report's last section.
    private func settingsTable(_ c: EngineConfiguration) -> [(String, String)] {
        func burst(_ b: BurstThresholds?) -> String {
            guard let b else { return "off" }
            return "\(b.shortThreshold) in \(b.shortWindowMinutes) min or \(b.longThreshold) in \(b.longWindowMinutes) min" + (b.minDistinct > 1 ? ", from at least \(b.minDistinct) distinct keys" : "")
        }
        func rate(_ r: RateThresholds?) -> String {
            guard let r else { return "off" }
            let peak = r.peakRatio > 0 ? "\(r.peakRatio)× the usual peak and " : ""
            return "\(r.ratio)× the usual count in \(r.windowMinutes) min (and \(peak)at least \(r.minCount)), after \(r.learningSeconds / 3600) h of learning"
        }
        var rows: [(String, String)] = [
            ("failed_auth_spike", c.failedAuth.enabled ? "on, resolves after \(c.failedAuth.resolveAfterMinutes) quiet min" : "off"),
            ("failed_auth_spike per source address", burst(c.failedAuth.sourceIP)),
            ("failed_auth_spike per principal", burst(c.failedAuth.principal)),
            ("failed_auth_spike over all traffic", rate(c.failedAuth.global)),
            ("unexpected_source_ip", c.unexpectedSourceIP.enabled ? "on: allowlists \(c.unexpectedSourceIP.allowlists ? "on" : "off"), learning \(c.unexpectedSourceIP.learning ? "\(c.unexpectedSourceIP.learningSeconds / 3600) h" : "off"), networks /\(c.unexpectedSourceIP.ipv4Prefix) and /\(c.unexpectedSourceIP.ipv6Prefix)" : "off"),
            ("volume_surge", c.volumeSurge.enabled ? "on, resolves after \(c.volumeSurge.resolveAfterMinutes) quiet min" : "off"),
            ("volume_surge per principal", rate(c.volumeSurge.principal)),
            ("volume_surge over all traffic", rate(c.volumeSurge.global)),
            ("max_lateness", "\(c.maxLatenessSeconds) s"),
            ("max_keys", group(Int64(c.maxKeys))),
            ("realert", "\(c.realertSeconds / 60) min"),
        ]
        for (name, policy) in c.principals.sorted(by: { $0.key < $1.key }) {
            rows.append(("principal \(name)", "allow " + policy.allow.map(\.description).joined(separator: ", ")))
        }
        return rows
    }
}

/// Loads the configuration file, or the defaults without one; exit 2 with the reason when it
/// cannot be used.
func loadConfiguration(_ path: String?) throws -> LogwatchConfiguration {
    guard let path else { return LogwatchConfiguration() }
    do {
        return try ConfigFile.load(path: path)
    } catch {
        printError("logwatch: \(error)")
        throw ExitCode(2)
    }
}
