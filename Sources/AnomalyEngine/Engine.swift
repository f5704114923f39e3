/// Counts kept by the engine, for the summary.
public struct EngineStats: Sendable, Equatable {
    public var events: Int64 = 0
    /// Events more than `maxLateness` behind the newest event seen: not counted in any window.
    public var late: Int64 = 0
    public var evictions: [DetectorKind: Int] = [:]
    public var trackedKeys: [DetectorKind: Int] = [:]
}

/// The anomaly engine: a synchronous state machine over events, in event time.
///
/// Feed events with `process(_:into:)` in roughly time order (up to `maxLatenessSeconds` out
/// of order); minutes close as the watermark (newest event time minus the allowed lateness)
/// passes them, and each closed minute is judged once. `finish(into:)` closes what is left
/// at the end of the input. No clocks, no I/O: the same events give the same alerts.
public final class Engine {
    public let configuration: EngineConfiguration
    private let failedAuth: FailedAuthSpikeDetector?
    private let unexpectedIP: UnexpectedSourceIPDetector?
    private let volume: VolumeSurgeDetector?
    private var newest: Int64 = Int64.min
    /// Every minute before this one is closed.
    private var closedBefore: Int64 = Int64.min
    private var counters = EngineStats()

    public init(configuration: EngineConfiguration = EngineConfiguration()) {
        self.configuration = configuration
        let c = configuration
        failedAuth = c.failedAuth.enabled ? FailedAuthSpikeDetector(settings: c.failedAuth, realertSeconds: c.realertSeconds, maxKeys: c.maxKeys) : nil
        unexpectedIP = c.unexpectedSourceIP.enabled ? UnexpectedSourceIPDetector(settings: c.unexpectedSourceIP, policies: c.principals, realertSeconds: c.realertSeconds, maxKeys: c.maxKeys) : nil
        volume = c.volumeSurge.enabled ? VolumeSurgeDetector(settings: c.volumeSurge, realertSeconds: c.realertSeconds, maxKeys: c.maxKeys) : nil
    }

    public var stats: EngineStats {
        var s = counters
        if let d = failedAuth { s.evictions[.failedAuthSpike] = d.evictions; s.trackedKeys[.failedAuthSpike] = d.trackedKeys }
        if let d = unexpectedIP { s.evictions[.unexpectedSourceIP] = d.evictions; s.trackedKeys[.unexpectedSourceIP] = d.trackedKeys }
        if let d = volume { s.evictions[.volumeSurge] = d.evictions; s.trackedKeys[.volumeSurge] = d.trackedKeys }
        return s
    }

    private var latenessMs: Int64 { configuration.maxLatenessSeconds * 1000 }

    /// Feeds one event; alerts it completes are appended to `alerts`.
    public func process(_ e: TransactionEvent, into alerts: inout [Alert]) {
        if newest != Int64.min && e.time < newest - latenessMs {
            counters.late += 1
            return
        }
        counters.events += 1
        if e.time > newest {
            newest = e.time
            advance(closingBefore: minuteOf(newest - latenessMs), into: &alerts)
        }
        let minute = minuteOf(e.time)
        failedAuth?.observe(e, minute: minute)
        volume?.observe(e, minute: minute)
        var immediate: [Alert] = []
        unexpectedIP?.observe(e, minute: minute, into: &immediate)
        for i in immediate.indices { immediate[i].decidedAt = e.time }
        alerts.append(contentsOf: immediate)
    }

    /// Moves event time on without an event (live mode, when the logs go quiet): closes every
    /// minute before `time - maxLateness`.
    public func advance(to time: Int64, into alerts: inout [Alert]) {
        guard newest != Int64.min else { return }
        advance(closingBefore: minuteOf(time - latenessMs), into: &alerts)
    }

    /// Closes every minute up to the newest event's: the input has ended, nothing late can come.
    public func finish(into alerts: inout [Alert]) {
        guard newest != Int64.min else { return }
        advance(closingBefore: minuteOf(newest) + 1, into: &alerts)
    }

    private func advance(closingBefore limit: Int64, into alerts: inout [Alert]) {
        if closedBefore == Int64.min { closedBefore = limit; return }
        // A jump of more than a week closes the last week minute by minute; earlier minutes
        // hold nothing that any window still needs.
        if limit - closedBefore > 7 * 1440 { closedBefore = limit - 7 * 1440 }
        while closedBefore < limit {
            var batch: [Alert] = []
            failedAuth?.close(minute: closedBefore, into: &batch)
            unexpectedIP?.close(minute: closedBefore, into: &batch)
            volume?.close(minute: closedBefore, into: &batch)
            for i in batch.indices { batch[i].decidedAt = (closedBefore + 1) * 60_000 }
            // Deterministic order within a minute, whatever the order events arrived in.
            batch.sort { ($0.detector, $0.scope, $0.key, $0.status.rawValue) < ($1.detector, $1.scope, $1.key, $1.status.rawValue) }
            alerts.append(contentsOf: batch)
            closedBefore += 1
        }
    }
}
