import Foundation
import Prometheus

/// What `tail` knows of its own health, as Prometheus metrics and a health verdict. The follow
/// loop records cumulative figures (per reader, per run); counters rise by the differences,
/// so a reader that starts over (a copy-truncate) never makes a counter go down.
///
/// Sendable: the registry is, and the rest is behind one lock (the follow loop writes, the
/// server's thread reads).
public final class TailMetrics: @unchecked Sendable {
    private let registry = PrometheusCollectorRegistry()
    private let lock = NSLock()
    /// Seconds without a turn of the follow loop, or with changes not checkpointed, after
    /// which /healthz answers 503.
    private let stallAfter: Double

    private struct FileSeries {
        var name: String
        var lines: Int64 = 0, events: Int64 = 0, malformed: Int64 = 0
        let linesCounter: Counter, eventsCounter: Counter, malformedCounter: Counter, behind: Gauge
    }
    private var files: [ObjectIdentifier: FileSeries] = [:]
    private var engine = (events: Int64(0), late: Int64(0))
    private var deliveries: [String: (delivered: Int, retried: Int, dead: Int, counters: [Counter])] = [:]
    private var late: [String: (count: Int64, counter: Counter)] = [:]
    private var loopBeat = ProcessInfo.processInfo.systemUptime
    private var unsavedSince: Double?

    private let engineEvents: Counter, engineLate: Counter, lag: Gauge
    private let outbox: Gauge
    private let checkpoints: Counter, checkpointBytes: Counter, checkpointSeconds: Gauge
    private var openIncidents: [String: Gauge] = [:]

    public init(stallAfter: Double) {
        self.stallAfter = stallAfter
        engineEvents = registry.makeCounter(name: "logwatch_engine_events_total", help: "Events judged by the engine since tail started.")
        engineLate = registry.makeCounter(name: "logwatch_engine_late_events_total", help: "Events later than max_lateness, counted in no window, since tail started.")
        lag = registry.makeGauge(name: "logwatch_event_time_lag_seconds", help: "This machine's clock minus the newest event time seen.")
        outbox = registry.makeGauge(name: "logwatch_outbox_depth", help: "Alerts waiting in the outbox for a network sink.")
        checkpoints = registry.makeCounter(name: "logwatch_checkpoints_total", help: "Checkpoints written.")
        checkpointBytes = registry.makeCounter(name: "logwatch_checkpoint_engine_bytes_total", help: "Bytes of engine state written by checkpoints (only the segments that changed).")
        checkpointSeconds = registry.makeGauge(name: "logwatch_checkpoint_last_duration_seconds", help: "How long the last checkpoint took.")
    }

    /// One followed input's figures, cumulative for its reader.
    public struct FileReading {
        public var reader: ObjectIdentifier
        public var name: String
        public var lines: Int64, events: Int64, malformed: Int64
        /// Bytes between where it was read to and its end.
        public var bytesBehind: Int64

        public init(reader: ObjectIdentifier, name: String, lines: Int64, events: Int64, malformed: Int64, bytesBehind: Int64) {
            self.reader = reader
            self.name = name
            self.lines = lines
            self.events = events
            self.malformed = malformed
            self.bytesBehind = bytesBehind
        }
    }

    /// The inputs followed now; series of inputs let go of are removed.
    public func record(files readings: [FileReading]) {
        lock.withLock {
            var seen: Set<ObjectIdentifier> = []
            for r in readings {
                seen.insert(r.reader)
                var s = files[r.reader] ?? makeSeries(r.name)
                if s.name != r.name {
                    // Renamed (rotated): the series follow the name.
                    unregister(s)
                    s = makeSeries(r.name)
                    s.lines = r.lines; s.events = r.events; s.malformed = r.malformed
                }
                s.linesCounter.increment(by: max(0, r.lines - s.lines))
                s.eventsCounter.increment(by: max(0, r.events - s.events))
                s.malformedCounter.increment(by: max(0, r.malformed - s.malformed))
                s.behind.set(Double(r.bytesBehind))
                s.lines = r.lines; s.events = r.events; s.malformed = r.malformed
                files[r.reader] = s
            }
            for (key, s) in files where !seen.contains(key) {
                files[key] = nil
                if !files.values.contains(where: { $0.name == s.name }) { unregister(s) }
            }
        }
    }

    private func makeSeries(_ name: String) -> FileSeries {
        let label = [("file", name)]
        return FileSeries(name: name,
                          linesCounter: registry.makeCounter(name: "logwatch_file_lines_total", labels: label, help: "Lines read from a followed file since tail started."),
                          eventsCounter: registry.makeCounter(name: "logwatch_file_events_total", labels: label, help: "Events read from a followed file since tail started."),
                          malformedCounter: registry.makeCounter(name: "logwatch_file_malformed_lines_total", labels: label, help: "Malformed lines in a followed file since tail started."),
                          behind: registry.makeGauge(name: "logwatch_file_bytes_behind", labels: label, help: "Bytes of a followed file not read yet."))
    }

    private func unregister(_ s: FileSeries) {
        registry.unregisterCounter(s.linesCounter)
        registry.unregisterCounter(s.eventsCounter)
        registry.unregisterCounter(s.malformedCounter)
        registry.unregisterGauge(s.behind)
    }

    /// The engine's counts since tail started, the event-time lag, and open incidents by detector.
    public func record(engineEvents events: Int64, late: Int64, lagSeconds: Double?, openIncidents open: [String: Int]) {
        lock.withLock {
            engineEvents.increment(by: max(0, events - engine.events))
            engineLate.increment(by: max(0, late - engine.late))
            engine = (max(engine.events, events), max(engine.late, late))
            if let lagSeconds { lag.set(lagSeconds) }
            for (detector, n) in open {
                let gauge = openIncidents[detector] ?? registry.makeGauge(name: "logwatch_open_incidents", labels: [("detector", detector)], help: "Incidents open now, by detector.")
                openIncidents[detector] = gauge
                gauge.set(Double(n))
            }
        }
    }

    /// Each network sink's deliveries since tail started (alerts delivered and dead-lettered,
    /// attempts retried), and the outbox's depth.
    public func record(deliveries bySink: [String: (delivered: Int, retried: Int, dead: Int)], outboxDepth: Int) {
        lock.withLock {
            for (sink, now) in bySink {
                let before = deliveries[sink] ?? (0, 0, 0, ["delivered", "retried", "dead_letter"].map {
                    registry.makeCounter(name: "logwatch_deliveries_total", labels: [("sink", sink), ("result", $0)],
                                         help: "Alerts delivered to a network sink or dead-lettered, and attempts retried.")
                })
                before.counters[0].increment(by: Int64(max(0, now.delivered - before.delivered)))
                before.counters[1].increment(by: Int64(max(0, now.retried - before.retried)))
                before.counters[2].increment(by: Int64(max(0, now.dead - before.dead)))
                deliveries[sink] = (max(now.delivered, before.delivered), max(now.retried, before.retried), max(now.dead, before.dead), before.counters)
            }
            outbox.set(Double(outboxDepth))
        }
    }

    /// Late events by file since tail started.
    public func record(lateByFile: [String: Int64]) {
        lock.withLock {
            for (file, count) in lateByFile {
                let before = late[file] ?? (0, registry.makeCounter(name: "logwatch_file_late_events_total", labels: [("file", file)],
                                                                     help: "Events of a followed file later than max_lateness, counted in no window."))
                before.counter.increment(by: max(0, count - before.count))
                late[file] = (max(count, before.count), before.counter)
            }
        }
    }

    public func recordCheckpoint(seconds: Double, engineBytes: Int) {
        lock.withLock {
            checkpoints.increment()
            checkpointBytes.increment(by: Int64(engineBytes))
            checkpointSeconds.set(seconds)
            unsavedSince = nil
        }
    }

    /// A turn of the follow loop; `unsaved`: whether what it read is not checkpointed yet.
    public func beat(unsaved: Bool) {
        let now = ProcessInfo.processInfo.systemUptime
        lock.withLock {
            loopBeat = now
            if !unsaved { unsavedSince = nil } else if unsavedSince == nil { unsavedSince = now }
        }
    }

    /// Why tail is not healthy now (empty when it is).
    public func healthProblems() -> [String] {
        let now = ProcessInfo.processInfo.systemUptime
        return lock.withLock {
            var problems: [String] = []
            if now - loopBeat > stallAfter {
                problems.append("follow loop: no turn for \(Int(now - loopBeat)) s")
            }
            if let since = unsavedSince, now - since > stallAfter {
                problems.append("checkpoint: what was read \(Int(now - since)) s ago is not saved")
            }
            return problems
        }
    }

    public func exposition() -> [UInt8] {
        registry.emitToBuffer()
    }
}
