import Alerting
import AnomalyEngine
import Foundation
import LogIngest
import LogwatchConfig
import LogwatchCore
import LogwatchState

/// What `scan` is asked to do.
public struct ScanSettings {
    public var files: [String]
    /// Configuration, parsing, sinks; with a state directory, start from the state there and
    /// leave what was learned.
    public var session = SessionSettings()
    /// `--since` and `--until`, as given (already checked to parse).
    public var since: String?
    public var until: String?
    public var failOnAlert = false
    /// Show progress: true, false, or nil for "when standard error is a terminal".
    public var progress: Bool?
    /// How long to wait at the end for deliveries (a duration text, already checked).
    public var deliveryTimeout = "5m"
    public var jobs = 1
    /// SIGINT, SIGTERM and SIGHUP end the scan cleanly, with its summary (the command line
    /// sets this; a program that runs scans keeps its own signal handling).
    public var stopsOnSignals = false

    public init(files: [String]) { self.files = files }
}

/// `logwatch scan`: every detector over archived inputs, merged in event time; alerts to the
/// sinks, the summary to standard error.
public enum ScanRun {
    /// - Throws: `RunExit` with status 2 after an input, configuration, sink or state error
    ///   (everything readable was still processed), 1 when `failOnAlert` and an incident fired.
    public static func run(_ settings: ScanSettings) throws(RunExit) {
        let session = try RunSession(configPath: settings.session.configPath)
        let engineConfig = session.engineConfiguration
        let specs = session.sinkSpecs(adding: settings.session.commandLineSinks)
        var options = settings.session.ingest
        // The detectors read neither paths nor durations: do not parse them.
        options.fields = .detection
        let window = RunSession.window(since: settings.since, until: settings.until, zone: options.naiveZone)
        let files = settings.files
        let keepsState = settings.session.stateDirectory != nil

        // With a state directory: start from what earlier runs learned, and leave it there for `tail`.
        var store: StateStore?
        let engine: Engine
        let names: InputNames
        var indices: [Int32]?
        // Network sinks need the outbox, which lives in a state store. Without a state
        // directory a scan keeps no state: its outbox is a private temporary one, so no
        // earlier run's history holds its alerts back.
        var temporary: String?
        if keepsState {
            store = try RunSession.openStore(directory: settings.session.stateDirectory, reset: settings.session.resetState)
        } else if specs.contains(where: { $0.kind.isNetwork }) {
            temporary = try RunSession.temporaryStateDirectory()
            store = try RunSession.openStore(directory: temporary, reset: false)
        }
        if let s = store, keepsState {
            engine = try session.restoreEngine(from: s)
            do {
                indices = try files.map { name throws(StateError) in try s.inputIndex(for: name) }
                names = InputNames(try s.inputNames())
            } catch {
                throw .reporting(error)
            }
        } else {
            engine = Engine(configuration: engineConfig)
            names = InputNames(files)
        }
        let eventsBefore = engine.stats.events
        RunSession.limitFuture(engine)
        let sinks: AlertSinks
        do {
            sinks = try AlertSinks(specs: specs, output: settings.session.output, names: names, store: store, delivery: session.configuration.delivery,
                                   caFile: settings.session.caFile)
        } catch {
            throw .reporting(error)
        }
        sinks.deliverer?.start()
        let emitter = AlertEmitter(sinks: sinks, names: names, store: store, flushEachBatch: false)
        var outside: Int64 = 0
        var alerts: [Alert] = []
        let merge = MergedInputs(paths: files, indices: indices, options: options, readAhead: settings.jobs > 1 ? settings.jobs : 0)
        let display = ProgressDisplay.start(requested: settings.progress, inputs: files)
        merge.progress = display?.counter
        let stream = EventBatches(merge, jobs: settings.jobs)
        var batch = stream.makeBatch()
        var failure: StateError?
        let signals = settings.stopsOnSignals ? SignalPipe.install([SIGINT, SIGTERM, SIGHUP]) : -1
        var interrupted: Int32?
        while failure == nil, interrupted == nil, stream.next(&batch) {
            // Each event is read in place, not copied out of the batch.
            batch.withEvents { events in
                for i in events.indices {
                    guard window.contains(events[i].time) else { outside += 1; continue }
                    engine.process(inPlace: &events[i], into: &alerts)
                    if !alerts.isEmpty {
                        do throws(StateError) { try emitter.emit(&alerts) } catch { failure = error; return }
                    }
                }
            }
            // Checked between batches: the batch in hand is finished, its alerts emitted.
            if signals >= 0, let signal = SignalPipe.take(signals).first { interrupted = signal }
        }
        if let failure { throw .reporting(failure) }
        if interrupted == nil {
            engine.finish(into: &alerts)
            do { try emitter.emit(&alerts) } catch { throw .reporting(error) }
        }
        sinks.flushLocal()
        display?.finish()
        // An interrupted scan leaves the saved state as it was: its inputs were not read to
        // their end, and a scan keeps no offsets to resume from.
        if let store, keepsState, interrupted == nil {
            do {
                let snapshot = engine.segmentedSnapshot()
                try store.checkpoint(files: [], engine: snapshot.bytes, segments: snapshot.cuts.map { ($0.offset, $0.label) })
            } catch {
                throw .reporting(error)
            }
        }

        for line in merge.summary.lines { printError(line) }
        var facts = EngineSummary.facts(engine, eventsBefore: eventsBefore)
        if outside > 0 { facts.insert("\(NumberFormat.grouped(outside)) outside --since/--until", at: 2) }
        printError("  engine: " + facts.joined(separator: ", "))
        printError("  " + emitter.tally.line)
        if emitter.suppressed > 0 {
            let n = emitter.suppressed
            printError("  \(n) alert\(n == 1 ? "" : "s") already in the state's history \(n == 1 ? "was" : "were") not printed again")
        }
        if let interrupted {
            printError("  interrupted by \(SignalPipe.name(interrupted)): the inputs were not read to their end and open incidents not resolved\(keepsState ? "; the state directory keeps the state of before this scan and the alerts printed" : "")")
        } else if let store, keepsState {
            printError("  state saved in \(store.directory)")
        }
        if let deliverer = sinks.deliverer, let store {
            // Interrupted, a scan waits only a moment: what is left stays in the outbox.
            let seconds = interrupted != nil ? 2 : Double(ConfigFile.parseDuration(settings.deliveryTimeout) ?? 300)
            let left = deliverer.drain(timeout: seconds)
            deliverer.stop()
            let c = deliverer.counts
            printError("  delivery: \(c.delivered) delivered, \(c.retried) retried attempts, \(c.dead) refused (logwatch alerts --undelivered)")
            if left > 0, temporary != nil {
                printError("  \(left) alert\(left == 1 ? "" : "s") not delivered within --delivery-timeout \(settings.deliveryTimeout): kept in the outbox in \(store.directory), sent only by a scan or tail given --state-dir \(store.directory)")
            } else if left > 0 {
                printError("  \(left) alert\(left == 1 ? "" : "s") not delivered within --delivery-timeout \(settings.deliveryTimeout): kept in the outbox in \(store.directory), sent by the next scan or tail")
            }
            if left == 0, let temporary { try? FileManager.default.removeItem(atPath: temporary) }
        }
        if let interrupted { throw RunExit(status: 128 + interrupted) }
        if merge.failed { throw .failed }
        if settings.failOnAlert && emitter.tally.firing > 0 { throw .alertsFired }
    }
}

/// The engine's part of a run's summary.
enum EngineSummary {
    /// Events judged since `eventsBefore`, late events, events too far in the future, key
    /// evictions.
    static func facts(_ engine: Engine, eventsBefore: Int64) -> [String] {
        let stats = engine.stats
        var facts = ["\(NumberFormat.grouped(stats.events - eventsBefore)) events judged", "\(NumberFormat.grouped(stats.late)) late"]
        if stats.future > 0 {
            facts.append("\(NumberFormat.grouped(stats.future)) more than \(engine.configuration.maxFutureSeconds / 60) min ahead of this machine's clock, not judged")
        }
        if stats.duplicates > 0 {
            facts.append("\(NumberFormat.grouped(stats.duplicates)) rows seen before (the same sys_id) counted once")
        }
        facts.append("\(stats.evictions.values.reduce(0, +)) key evictions")
        return facts
    }
}
