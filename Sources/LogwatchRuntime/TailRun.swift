import Alerting
import AnomalyEngine
import Foundation
import LogFollowing
import LogIngest
import LogwatchConfig
import LogwatchCore
import LogwatchMetrics
import LogwatchState
import ServiceNowPull

/// What `tail` is asked to do.
public struct TailSettings {
    /// Files, globs, or `-` for standard input.
    public var paths: [String]
    /// Configuration, parsing, sinks, and the state directory (the default one when nil).
    public var session = SessionSettings()
    /// Read files seen for the first time from their start.
    public var fromBeginning = false
    /// Seconds between looks for new data without a change notification.
    public var pollInterval = 0.5
    /// Seconds between checkpoints at most.
    public var checkpointInterval = 1.0
    /// Seconds between reports of the files that had malformed or oversized lines meanwhile.
    public var summaryInterval = 300.0
    /// Where to serve Prometheus metrics and /healthz, if anywhere.
    public var metricsListen: (host: String, port: Int)?
    /// A ServiceNow instance whose log tables to pull through its Table API, if any.
    public var serviceNow: ServiceNowPullSettings?

    public init(paths: [String]) { self.paths = paths }
}

/// `logwatch tail`: follow live logs, detect as lines arrive, and keep what was read and
/// learned in the state directory so a restart loses and repeats nothing.
public enum TailRun {
    /// Runs until SIGTERM or SIGINT (or the end of standard input when it is all there is to
    /// follow); exit status 0 then.
    /// - Throws: `RunExit.failed` when the configuration, the sinks or the state cannot be used.
    public static func run(_ settings: TailSettings) throws(RunExit) {
        // First, so that a stop asked for while starting (a large state to read) is a clean one.
        let signals = SignalPipe.install([SIGTERM, SIGINT, SIGHUP])
        let session = try RunSession(configPath: settings.session.configPath)
        let fullConfig = session.configuration
        var engineConfig = fullConfig.engine
        var options = settings.session.ingest
        // The detectors read neither paths nor durations: do not parse them.
        options.fields = .detection
        let store = try RunSession.openStore(directory: settings.session.stateDirectory, reset: settings.session.resetState)
        var engine = try session.restoreEngine(from: store)
        let eventsBefore = engine.stats.events
        let lateBefore = engine.stats.late
        let names: InputNames
        do {
            names = InputNames(try store.inputNames())
        } catch {
            throw .reporting(error)
        }
        var stateFailure: StateError?
        func register(_ name: String) -> Int32 {
            do {
                let index = try store.inputIndex(for: name)
                names[index] = name
                return index
            } catch {
                stateFailure = error
                return -1
            }
        }

        let paths = settings.paths
        let pollInterval = settings.pollInterval
        let filePatterns = paths.filter { $0 != "-" }
        let follower = FileFollower(patterns: filePatterns, options: options, inputIndex: register)
        do {
            follower.start(checkpoints: try store.fileCheckpoints(), lookedAt: try store.patternLooks(), fromBeginning: settings.fromBeginning,
                           readToTheEnd: try store.readFiles())
        } catch {
            throw .reporting(error)
        }
        var stdinReader: LogReader?
        if paths.contains("-") {
            _ = fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK)
            stdinReader = LogReader(following: 0, name: "-", inputIndex: register("-"), options: options, isPipe: true)
        }
        var puller: ServiceNowPuller?
        var pulledCursors: [PullCursor] = []
        if let pull = settings.serviceNow {
            let saved: [String: PullCursor]
            do {
                saved = try store.pullCursors(source: pull.instance)
            } catch {
                throw .reporting(error)
            }
            var indexes: [String: Int32] = [:]
            for table in pull.tables { indexes[table] = register("\(pull.instance)/\(table)") }
            puller = ServiceNowPuller(settings: pull, cursors: saved, options: options, inputIndex: indexes)
            printError("logwatch: tail: pulling \(pull.tables.joined(separator: ", ")) from \(pull.instance)"
                       + (saved.isEmpty ? "" : " from where the last run stopped"))
        }
        defer { puller?.stop() }
        if let stateFailure { throw .reporting(stateFailure) }
        let watcher = ChangeWatcher(directories: follower.directories)
        for dir in watcher.unwatched { printError("logwatch: \(dir): no change notifications; polling every \(pollInterval) s") }

        let sinks: AlertSinks
        do {
            sinks = try AlertSinks(specs: session.sinkSpecs(adding: settings.session.commandLineSinks), output: settings.session.output, names: names,
                                   store: store, delivery: fullConfig.delivery, caFile: settings.session.caFile)
        } catch {
            throw .reporting(error)
        }
        let metrics = TailMetrics(stallAfter: max(30, 3 * pollInterval + 2 * settings.checkpointInterval))
        var server: MetricsServer?
        if let listen = settings.metricsListen {
            do {
                server = try MetricsServer(host: listen.host, port: listen.port, metrics: metrics)
            } catch {
                throw .reporting(error)
            }
            printError("logwatch: tail: metrics on http://\(server!.address)/metrics, health on /healthz")
        }
        defer { server?.stop() }
        var lastMetrics = 0.0
        func updateMetrics() {
            let stats = engine.stats
            metrics.record(files: follower.files.filter { !$0.closed }.map(\.reader).reading(behind: { follower.bytesBehind($0) })
                                  + (stdinReader.map { [$0] } ?? []).reading(behind: { _ in 0 }))
            let lag = engine.newestTime.map { Date().timeIntervalSince1970 - Double($0) / 1000 }
            metrics.record(engineEvents: stats.events - eventsBefore, late: stats.late - lateBefore, lagSeconds: lag,
                           openIncidents: Dictionary(uniqueKeysWithValues: stats.openIncidents.map { ($0.key.rawValue, $0.value) }))
            var lateByFile: [String: Int64] = [:]
            for (input, n) in stats.lateByInput { lateByFile[names[input], default: 0] += n }
            metrics.record(lateByFile: lateByFile)
            if let deliverer = sinks.deliverer {
                metrics.record(deliveries: deliverer.sinkCounts.mapValues { ($0.delivered, $0.retried, $0.dead) }, outboxDepth: deliverer.queued)
            }
        }
        // Alerts left undelivered by an earlier run go first.
        sinks.deliverer?.start()
        puller?.start()
        let emitter = AlertEmitter(sinks: sinks, names: names, store: store, flushEachBatch: true)
        var alerts: [Alert] = []
        // Event time moves with the wall clock while the logs are quiet, from the newest event.
        var anchor = (eventTime: engine.newestTime, wall: monotonicSeconds())
        var lastCheckpoint = monotonicSeconds()
        var lastSummary = monotonicSeconds()
        var malformedReport = MalformedReport()
        var lastRescan = 0.0
        var changed = false
        var stopping = false
        var stdinEnded = false
        let budget = 4_000

        func fail(_ error: StateError) throws(RunExit) -> Never {
            sinks.flushLocal()
            sinks.deliverer?.stop()
            throw .reporting(error)
        }
        func saveCheckpoint() throws(RunExit) {
            let started = monotonicSeconds()
            let snapshot = engine.segmentedSnapshot()
            do {
                try store.checkpoint(files: follower.files.map(\.checkpoint),
                                     forget: follower.takeForgotten().map { ($0.device, $0.inode) },
                                     looks: follower.lookedAt, cursors: pulledCursors, readFiles: follower.takeReadToTheEnd(),
                                     engine: snapshot.bytes, segments: snapshot.cuts.map { ($0.offset, $0.label) })
            } catch {
                try fail(error)
            }
            lastCheckpoint = monotonicSeconds()
            metrics.recordCheckpoint(seconds: lastCheckpoint - started, engineBytes: store.lastCheckpointEngineBytes)
            changed = false
        }
        func handle(_ event: TransactionEvent) {
            engine.process(event, into: &alerts)
            if !alerts.isEmpty {
                do { try emitter.emit(&alerts) } catch { stateFailure = error }
            }
        }

        printError("logwatch: tail: state in \(store.directory)")
        while !stopping {
            let now = monotonicSeconds()
            RunSession.limitFuture(engine)
            if now - lastRescan >= pollInterval || watcher.descriptor == nil {
                follower.rescan(now: now)
                lastRescan = now
                // What the rescan found (a new file, a rotation) is said before its events' alerts.
                for notice in follower.takeNotices() { printError("logwatch: \(TextSafety.escape(notice))") }
            }
            var read = follower.read(budget: budget, now: now, handle)
            if let puller {
                for batch in puller.take() {
                    for e in batch.events { handle(e) }
                    read += batch.events.count
                    pulledCursors = batch.cursors
                    // A span with no rows still moves the cursors on.
                    changed = true
                }
                for notice in puller.takeNotices() { printError("logwatch: \(TextSafety.escape(notice))") }
            }
            if let reader = stdinReader, !stdinEnded {
                do {
                    while read < budget, let e = try reader.next() { handle(e); read += 1 }
                } catch {
                    printError("logwatch: \(error)")
                }
                if reader.ended {
                    stdinEnded = true
                    if filePatterns.isEmpty {
                        // Nothing else to follow: close the windows, as scan does at the end of its input.
                        engine.finish(into: &alerts)
                        do { try emitter.emit(&alerts) } catch { try fail(error) }
                        stopping = true
                    }
                }
            }
            if let stateFailure { try fail(stateFailure) }
            for notice in follower.takeNotices() { printError("logwatch: \(TextSafety.escape(notice))") }
            if read > 0 {
                changed = true
                anchor = (engine.newestTime, monotonicSeconds())
            } else if let eventTime = anchor.eventTime {
                let elapsed = Int64((monotonicSeconds() - anchor.wall) * 1000)
                engine.advance(to: eventTime + elapsed, into: &alerts)
                if !alerts.isEmpty {
                    do { try emitter.emit(&alerts) } catch { try fail(error) }
                    changed = true
                }
            }
            for signal in SignalPipe.take(signals) {
                if signal == SIGHUP {
                    reload(&engine, &engineConfig, configPath: settings.session.configPath)
                    changed = true
                } else {
                    stopping = true
                }
            }
            if changed && monotonicSeconds() - lastCheckpoint >= settings.checkpointInterval { try saveCheckpoint() }
            metrics.beat(unsaved: changed)
            if server != nil && monotonicSeconds() - lastMetrics >= 1 {
                lastMetrics = monotonicSeconds()
                updateMetrics()
            }
            if monotonicSeconds() - lastSummary >= settings.summaryInterval {
                lastSummary = monotonicSeconds()
                let readers = follower.files.map(\.reader) + (stdinReader.map { [$0] } ?? [])
                for line in malformedReport.lines(readers, seconds: settings.summaryInterval) { printError(line) }
            }
            if !stopping && read < budget {
                watcher.drain()
                var waitOn = [signals]
                if let fd = watcher.descriptor { waitOn.append(fd) }
                if stdinReader != nil && !stdinEnded { waitOn.append(0) }
                waitReadable(waitOn, timeout: pollInterval)
            }
        }
        try saveCheckpoint()
        sinks.flushLocal()
        sinks.deliverer?.stop(grace: 1)
        var ingest = follower.endedSummary
        for file in follower.files { ingest.add(file.reader) }
        if let stdinReader { ingest.add(stdinReader) }
        for line in ingest.lines { printError(line) }
        let stats = engine.stats
        var facts = "\(NumberFormat.grouped(stats.events - eventsBefore)) events judged this run (\(NumberFormat.grouped(stats.events)) in all), \(NumberFormat.grouped(stats.late - lateBefore)) late (\(NumberFormat.grouped(stats.late)) in all)"
        if stats.duplicates > 0 { facts += ", \(NumberFormat.grouped(stats.duplicates)) rows seen before (the same sys_id) counted once" }
        if stats.future > 0 { facts += ", \(NumberFormat.grouped(stats.future)) more than \(engine.configuration.maxFutureSeconds / 60) min ahead of this machine's clock, not judged" }
        printError("  engine: " + facts)
        printError("  " + emitter.tally.line)
        if emitter.suppressed > 0 {
            let n = emitter.suppressed
            printError("  \(n) alert\(n == 1 ? "" : "s") re-derived after a restart \(n == 1 ? "was" : "were") already sent, and not sent again")
        }
        if let deliverer = sinks.deliverer {
            let c = deliverer.counts
            let left = deliverer.queued
            printError("  delivery: \(c.delivered) delivered, \(c.retried) retried attempts, \(c.dead) refused; \(left) in the outbox for the next run")
        }
        printError("  state saved in \(store.directory)")
    }

    /// SIGHUP: a new engine from the new configuration takes over the running one's state.
    private static func reload(_ engine: inout Engine, _ current: inout EngineConfiguration, configPath: String?) {
        let fresh: EngineConfiguration
        do {
            fresh = try (configPath.map { try ConfigFile.load(path: $0) } ?? LogwatchConfiguration()).engine
        } catch {
            printError("logwatch: reload: \(error); keeping the configuration in force")
            return
        }
        let next = Engine(configuration: fresh)
        do {
            for note in try next.restore(engine.snapshot()) { printError("logwatch: reload: \(note)") }
        } catch {
            printError("logwatch: reload: \(error); keeping the configuration in force")
            return
        }
        engine = next
        current = fresh
        printError("logwatch: reload: configuration \(configPath ?? "(defaults)") in force (changes to sinks take effect at the next start)")
    }
}

/// What tail says between its start and its exit about lines it could not use: per file, the
/// malformed and oversized lines since the last report, with the first malformed ones.
struct MalformedReport {
    /// Per reader: the counts and samples already reported.
    private var reported: [ObjectIdentifier: (malformed: Int64, oversized: Int64, samples: Int)] = [:]

    mutating func lines(_ readers: [LogReader], seconds: Double) -> [String] {
        var out: [String] = []
        for reader in readers {
            reader.refreshStats()
            let s = reader.stats
            let before = reported[ObjectIdentifier(reader)] ?? (0, 0, 0)
            let malformed = s.malformed - before.malformed, oversized = s.oversized - before.oversized
            guard malformed > 0 || oversized > 0 else { continue }
            reported[ObjectIdentifier(reader)] = (s.malformed, s.oversized, reader.malformedSamples.count)
            var line = "logwatch: \(TextSafety.escape(reader.name)): \(NumberFormat.grouped(malformed)) malformed"
            if oversized > 0 { line += ", \(NumberFormat.grouped(oversized)) oversized" }
            line += " line\(malformed + oversized == 1 ? "" : "s") in the last \(Self.span(seconds)) (\(NumberFormat.grouped(s.malformed)) malformed in all)"
            out.append(line)
            for m in reader.malformedSamples.dropFirst(before.samples) {
                out.append("    \(TextSafety.escape(m.input)):\(m.line): \(TextSafety.escape(m.reason))")
            }
        }
        return out
    }

    private static func span(_ seconds: Double) -> String {
        seconds >= 60 && seconds.truncatingRemainder(dividingBy: 60) == 0 ? "\(Int(seconds / 60)) min" : "\(NumberFormat.decimal(seconds)) s"
    }
}

extension [LogReader] {
    /// The readers' figures for the metrics.
    func reading(behind: (LogReader) -> Int64) -> [TailMetrics.FileReading] {
        map { reader in
            reader.refreshStats()
            let s = reader.stats
            return TailMetrics.FileReading(reader: ObjectIdentifier(reader), name: reader.name, lines: s.lines, events: s.events,
                                           malformed: s.malformed, bytesBehind: behind(reader))
        }
    }
}
