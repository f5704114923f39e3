import AnomalyEngine
import ArgumentParser
import LogwatchConfig
import Foundation
import LogIngest

extension AlertFormat: ExpressibleByArgument {}

/// `logwatch scan`: run every detector over archived logs and print the alerts.
struct Scan: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Run the detectors over log files and print the alerts.",
        discussion: """
        Inputs are taken in the order of their first event's time, whatever their names; inputs \
        that overlap in time (the logs of several nodes) are merged by event time. Exit status 0 \
        when it ran, 1 with --fail-on-alert when an alert fired, 2 on an input or config error \
        (after processing what could be processed).
        """
    )

    @OptionGroup var input: InputOptions

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

    @Option(help: "Threads: 1 reads, parses and detects on one; 2 or more read and parse on a thread of their own, overlapping with detection.")
    var jobs: Int = min(2, ProcessInfo.processInfo.activeProcessorCount)

    func validate() throws {
        if let since, parseUserTimestamp(since) == nil { throw ValidationError("--since '\(since)': not a time like 2025-11-28 or 2025-11-28T09:00:00Z") }
        if let until, parseUserTimestamp(until) == nil { throw ValidationError("--until '\(until)': not a time like 2025-11-28 or 2025-11-28T09:00:00Z") }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
    }

    func run() throws {
        var engineConfig = EngineConfiguration()
        if let config {
            do {
                engineConfig = try ConfigFile.load(path: config)
            } catch {
                printError("logwatch: \(error)")
                throw ExitCode(2)
            }
        }
        let options = try input.ingestOptions()
        let zone = options.naiveZone
        let window = (since.flatMap { parseUserTimestamp($0, zone: zone) } ?? Int64.min, until.flatMap { parseUserTimestamp($0, zone: zone) } ?? Int64.max)

        let engine = Engine(configuration: engineConfig)
        let out = OutputStream(fd: 1)
        let writer = AlertWriter(format: output, inputs: input.files)
        var tally = AlertTally()
        var outside: Int64 = 0
        var alerts: [Alert] = []
        let merge = MergedInputs(paths: input.files, options: options)
        let nextEvent: () -> TransactionEvent?
        if jobs > 1 {
            let pipeline = PipelinedEvents(merge)
            nextEvent = pipeline.next
        } else {
            nextEvent = merge.next
        }
        while let event = nextEvent() {
            guard event.time >= window.0 && event.time < window.1 else { outside += 1; continue }
            engine.process(event, into: &alerts)
            if !alerts.isEmpty { emit(&alerts, writer, out, &tally) }
        }
        engine.finish(into: &alerts)
        emit(&alerts, writer, out, &tally)
        out.flush()

        for line in merge.summary.lines { printError(line) }
        let stats = engine.stats
        var facts = ["\(group(stats.events)) events judged", "\(group(stats.late)) late"]
        if outside > 0 { facts.append("\(group(outside)) outside --since/--until") }
        let evictions = stats.evictions.values.reduce(0, +)
        facts.append("\(evictions) key evictions")
        printError("  engine: " + facts.joined(separator: ", "))
        printError("  " + tally.line)
        if merge.failed { throw ExitCode(2) }
        if failOnAlert && tally.firing > 0 { throw ExitCode(1) }
    }

    private func emit(_ alerts: inout [Alert], _ writer: AlertWriter, _ out: OutputStream, _ tally: inout AlertTally) {
        for a in alerts {
            writer.write(a, to: out)
            tally.add(a)
        }
        alerts.removeAll(keepingCapacity: true)
    }
}

/// Counts of alerts by detector and scope, for the summary.
struct AlertTally {
    var byKind: [String: Int] = [:]
    var firing = 0
    var resolved = 0
    var reminders = 0

    mutating func add(_ a: Alert) {
        switch (a.status, a.isReminder) {
        case (.resolved, _): resolved += 1
        case (.firing, true): reminders += 1
        case (.firing, false):
            firing += 1
            byKind["\(a.detector.rawValue)/\(a.scope.rawValue)", default: 0] += 1
        }
    }

    var line: String {
        let kinds = byKind.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        return "alerts: \(firing) incident\(firing == 1 ? "" : "s")\(kinds.isEmpty ? "" : " (\(kinds))"), \(reminders) reminder\(reminders == 1 ? "" : "s"), \(resolved) resolved"
    }
}
