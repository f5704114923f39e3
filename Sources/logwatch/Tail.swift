import TrafficReport
import AnomalyEngine
import ArgumentParser
import Foundation
import LogIngest
import LogwatchConfig
import LogwatchState

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

    @Option(help: .hidden)
    var checkpointInterval: Double = 1

    func validate() throws {
        try validateInputs(paths)
        guard pollInterval > 0 && pollInterval <= 60 else { throw ValidationError("--poll-interval must be between 0 and 60 seconds") }
        guard checkpointInterval >= 0 else { throw ValidationError("--checkpoint-interval cannot be negative") }
    }

    private func loadConfiguration() throws -> LogwatchConfiguration {
        guard let config else { return LogwatchConfiguration() }
        return try ConfigFile.load(path: config)
    }

    func run() throws {
        let fullConfig: LogwatchConfiguration
        do {
            fullConfig = try loadConfiguration()
        } catch {
            printError("logwatch: \(error)")
            throw ExitCode(2)
        }
        var engineConfig = fullConfig.engine
        var options = try input.ingestOptions()
        // The detectors read neither paths nor durations: do not parse them.
        options.fields = .detection
        let store = try state.openStore()
        var engine = try state.restoreEngine(from: store, configuration: engineConfig)
        let eventsBefore = engine.stats.events
        let lateBefore = engine.stats.late
        let names: InputNames
        do {
            names = InputNames(try store.inputNames())
        } catch {
            printError("logwatch: \(error)")
            throw ExitCode(2)
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

        let filePatterns = paths.filter { $0 != "-" }
        let follower = FileFollower(patterns: filePatterns, options: options, inputIndex: register)
        do {
            follower.start(checkpoints: try store.fileCheckpoints(), fromBeginning: fromBeginning)
        } catch {
            printError("logwatch: \(error)")
            throw ExitCode(2)
        }
        var stdinReader: LogReader?
        if paths.contains("-") {
            _ = fcntl(0, F_SETFL, fcntl(0, F_GETFL) | O_NONBLOCK)
            stdinReader = LogReader(following: 0, name: "-", inputIndex: register("-"), options: options, isPipe: true)
        }
        if let stateFailure {
            printError("logwatch: \(stateFailure)")
            throw ExitCode(2)
        }
        let watcher = ChangeWatcher(directories: follower.directories)
        for dir in watcher.unwatched { printError("logwatch: \(dir): no change notifications; polling every \(pollInterval) s") }
        let signals = SignalPipe.install([SIGTERM, SIGINT, SIGHUP])

        let sinks: AlertSinks
        do {
            sinks = try AlertSinks(specs: sinkOptions.specs(fullConfig), output: output, names: names, store: store,
                                   delivery: fullConfig.delivery, caFile: sinkOptions.caFile)
        } catch {
            printError("logwatch: \(error)")
            throw ExitCode(2)
        }
        // Alerts left undelivered by an earlier run go first.
        sinks.deliverer?.start()
        let emitter = AlertEmitter(sinks: sinks, names: names, store: store, flushEachBatch: true)
        var alerts: [Alert] = []
        // Event time moves with the wall clock while the logs are quiet, from the newest event.
        var anchor = (eventTime: engine.newestTime, wall: monotonicSeconds())
        var lastCheckpoint = monotonicSeconds()
        var lastRescan = 0.0
        var changed = false
        var stopping = false
        var stdinEnded = false
        let budget = 4_000

        func fail(_ error: StateError) throws -> Never {
            sinks.flushLocal()
            sinks.deliverer?.stop()
            printError("logwatch: \(error)")
            throw ExitCode(2)
        }
        func saveCheckpoint() throws {
            do {
                try store.checkpoint(files: follower.files.map(\.checkpoint),
                                     forget: follower.takeForgotten().map { ($0.device, $0.inode) },
                                     engine: engine.snapshot())
            } catch {
                try fail(error)
            }
            lastCheckpoint = monotonicSeconds()
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
            engine.futureLimit = Int64(Date().timeIntervalSince1970 * 1000) + engine.configuration.maxFutureSeconds * 1000
            if now - lastRescan >= pollInterval || watcher.descriptor == nil {
                follower.rescan(now: now)
                lastRescan = now
                // What the rescan found (a new file, a rotation) is said before its events' alerts.
                for notice in follower.takeNotices() { printError("logwatch: \(TextSafety.escape(notice))") }
            }
            var read = follower.read(budget: budget, now: now, handle)
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
                    reload(&engine, &engineConfig)
                    changed = true
                } else {
                    stopping = true
                }
            }
            if changed && monotonicSeconds() - lastCheckpoint >= checkpointInterval { try saveCheckpoint() }
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
        let stats = engine.stats
        var facts = "\(group(stats.events - eventsBefore)) events judged this run (\(group(stats.events)) in all), \(group(stats.late - lateBefore)) late"
        if stats.future > 0 { facts += ", \(group(stats.future)) more than \(engine.configuration.maxFutureSeconds / 60) min ahead of this machine's clock, not judged" }
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
    private func reload(_ engine: inout Engine, _ current: inout EngineConfiguration) {
        let fresh: EngineConfiguration
        do {
            fresh = try loadConfiguration().engine
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
        printError("logwatch: reload: configuration \(config ?? "(defaults)") in force (changes to sinks take effect at the next start)")
    }
}
