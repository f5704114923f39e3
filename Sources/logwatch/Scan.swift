import AnomalyEngine
import ArgumentParser
import LogwatchConfig
import Foundation
import LogIngest
import LogwatchState

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
        if let since, parseUserTimestamp(since) == nil { throw ValidationError("--since '\(since)': not a time like 2025-11-28 or 2025-11-28T09:00:00Z") }
        if let until, parseUserTimestamp(until) == nil { throw ValidationError("--until '\(until)': not a time like 2025-11-28 or 2025-11-28T09:00:00Z") }
        guard jobs >= 1 else { throw ValidationError("--jobs must be at least 1") }
        guard ConfigFile.parseDuration(deliveryTimeout) != nil else {
            throw ValidationError("--delivery-timeout '\(deliveryTimeout)': expected a duration such as 90s or 5m")
        }
        if state.resetState && state.stateDir == nil { throw ValidationError("--reset-state needs --state-dir (scan keeps no state unless told where)") }
    }

    func run() throws {
        let fullConfig = try loadConfiguration(config)
        let engineConfig = fullConfig.engine
        let specs = sinkOptions.specs(fullConfig)
        var options = try input.ingestOptions()
        // The detectors read neither paths nor durations: do not parse them.
        options.fields = .detection
        let zone = options.naiveZone
        let window = (since.flatMap { parseUserTimestamp($0, zone: zone) } ?? Int64.min, until.flatMap { parseUserTimestamp($0, zone: zone) } ?? Int64.max)

        // With --state-dir: start from what earlier runs learned, and leave it there for `tail`.
        var store: StateStore?
        let engine: Engine
        let names: InputNames
        var indices: [Int32]?
        if state.stateDir != nil || specs.contains(where: { $0.kind.isNetwork }) {
            // Network sinks need the outbox, which lives in the state store.
            store = try state.openStore()
        }
        if let s = store, state.stateDir != nil {
            engine = try state.restoreEngine(from: s, configuration: engineConfig)
            do {
                indices = try files.map { try s.inputIndex(for: $0) }
                names = InputNames(try s.inputNames())
            } catch {
                printError("logwatch: \(error)")
                throw ExitCode(2)
            }
        } else {
            engine = Engine(configuration: engineConfig)
            names = InputNames(files)
        }
        let eventsBefore = engine.stats.events
        engine.futureLimit = Int64(Date().timeIntervalSince1970 * 1000) + engineConfig.maxFutureSeconds * 1000
        let sinks: AlertSinks
        do {
            sinks = try AlertSinks(specs: specs, output: output, names: names, store: store, delivery: fullConfig.delivery, caFile: sinkOptions.caFile)
        } catch {
            printError("logwatch: \(error)")
            throw ExitCode(2)
        }
        sinks.deliverer?.start()
        let emitter = AlertEmitter(sinks: sinks, names: names, store: store, flushEachBatch: false)
        var outside: Int64 = 0
        var alerts: [Alert] = []
        let merge = MergedInputs(paths: files, indices: indices, options: options, readAhead: jobs > 1 ? jobs : 0)
        let display = progressOptions.start(inputs: files)
        merge.progress = display?.counter
        let stream = EventBatches(merge, jobs: jobs)
        var batch = stream.makeBatch()
        while stream.next(&batch) {
            // Each event is read in place, not copied out of the batch.
            try batch.withEvents { events in
                for i in events.indices {
                    guard events[i].time >= window.0 && events[i].time < window.1 else { outside += 1; continue }
                    engine.process(inPlace: &events[i], into: &alerts)
                    if !alerts.isEmpty { try emit(&alerts, emitter) }
                }
            }
        }
        engine.finish(into: &alerts)
        try emit(&alerts, emitter)
        sinks.flushLocal()
        display?.finish()
        if let store, state.stateDir != nil {
            do {
                try store.checkpoint(files: [], engine: engine.snapshot())
            } catch {
                printError("logwatch: \(error)")
                throw ExitCode(2)
            }
        }

        for line in merge.summary.lines { printError(line) }
        let stats = engine.stats
        var facts = ["\(group(stats.events - eventsBefore)) events judged", "\(group(stats.late)) late"]
        if outside > 0 { facts.append("\(group(outside)) outside --since/--until") }
        if stats.future > 0 { facts.append("\(group(stats.future)) more than \(engineConfig.maxFutureSeconds / 60) min ahead of this machine's clock, not judged") }
        let evictions = stats.evictions.values.reduce(0, +)
        facts.append("\(evictions) key evictions")
        printError("  engine: " + facts.joined(separator: ", "))
        printError("  " + emitter.tally.line)
        if emitter.suppressed > 0 {
            let n = emitter.suppressed
            printError("  \(n) alert\(n == 1 ? "" : "s") already in the state's history \(n == 1 ? "was" : "were") not printed again")
        }
        if let store, state.stateDir != nil { printError("  state saved in \(store.directory)") }
        if let deliverer = sinks.deliverer, let store {
            let seconds = Double(ConfigFile.parseDuration(deliveryTimeout) ?? 300)
            let left = deliverer.drain(timeout: seconds)
            deliverer.stop()
            let c = deliverer.counts
            printError("  delivery: \(c.delivered) delivered, \(c.retried) retried attempts, \(c.dead) refused (logwatch alerts --undelivered)")
            if left > 0 {
                printError("  \(left) alert\(left == 1 ? "" : "s") not delivered within --delivery-timeout \(deliveryTimeout): kept in the outbox in \(store.directory), sent by the next scan or tail")
            }
        }
        if merge.failed { throw ExitCode(2) }
        if failOnAlert && emitter.tally.firing > 0 { throw ExitCode(1) }
    }

    private func emit(_ alerts: inout [Alert], _ emitter: AlertEmitter) throws {
        do {
            try emitter.emit(&alerts)
        } catch {
            printError("logwatch: \(error)")
            throw ExitCode(2)
        }
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
