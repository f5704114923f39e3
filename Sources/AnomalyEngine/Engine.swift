import LogwatchCore

/// Counts kept by the engine, for the summary.
public struct EngineStats: Sendable, Equatable {
    public var events: Int64 = 0
    /// Events more than `maxLateness` behind the newest event seen: not counted in any window.
    public var late: Int64 = 0
    /// Events later than `Engine.futureLimit` (ahead of the clock of the machine): not judged.
    public var future: Int64 = 0
    public var evictions: [DetectorKind: Int] = [:]
    public var trackedKeys: [DetectorKind: Int] = [:]
    /// Late events by the input they came from (`Origin.input`).
    public var lateByInput: [Int32: Int64] = [:]
    /// Incidents open now, by detector (every scope).
    public var openIncidents: [DetectorKind: Int] = [:]
    /// Records seen before (the same ServiceNow `sys_id` in two overlapping exports): counted once.
    public var duplicates: Int64 = 0
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
    private var recordIDs = RecentRecordIDs()
    private let countDenied: Bool
    /// The minute of the last event judged, and when it starts (ms).
    private var lastMinute: Int64 = 0
    private var lastMinuteStart: Int64 = Int64.max

    /// Events after this time (milliseconds since the epoch) are counted as `future` and not
    /// judged. Without it one timestamp in the far future would move event time there, and
    /// every real event after it would be late: one forged line would blind every detector.
    /// The engine has no clock: the driver sets this from its own (now + `maxFutureSeconds`).
    public var futureLimit = Int64.max

    public init(configuration: EngineConfiguration = EngineConfiguration()) {
        self.configuration = configuration
        let c = configuration
        countDenied = c.failedAuth.countDenied
        failedAuth = c.failedAuth.enabled ? FailedAuthSpikeDetector(settings: c.failedAuth, realertSeconds: c.realertSeconds, maxKeys: c.maxKeys) : nil
        unexpectedIP = c.unexpectedSourceIP.enabled ? UnexpectedSourceIPDetector(settings: c.unexpectedSourceIP, policies: c.principals, realertSeconds: c.realertSeconds, maxKeys: c.maxKeys) : nil
        volume = c.volumeSurge.enabled ? VolumeSurgeDetector(settings: c.volumeSurge, realertSeconds: c.realertSeconds, maxKeys: c.maxKeys) : nil
    }

    public var stats: EngineStats {
        var s = counters
        if let d = failedAuth {
            s.evictions[.failedAuthSpike] = d.evictions; s.trackedKeys[.failedAuthSpike] = d.trackedKeys; s.openIncidents[.failedAuthSpike] = d.openIncidents
        }
        if let d = unexpectedIP {
            s.evictions[.unexpectedSourceIP] = d.evictions; s.trackedKeys[.unexpectedSourceIP] = d.trackedKeys; s.openIncidents[.unexpectedSourceIP] = d.openIncidents
        }
        if let d = volume {
            s.evictions[.volumeSurge] = d.evictions; s.trackedKeys[.volumeSurge] = d.trackedKeys; s.openIncidents[.volumeSurge] = d.openIncidents
        }
        return s
    }

    private var latenessMs: Int64 { configuration.maxLatenessSeconds * 1000 }

    /// Feeds one event; alerts it completes are appended to `alerts`.
    public func process(_ e: borrowing TransactionEvent, into alerts: inout [Alert]) {
        judge(e, into: &alerts)
    }

    /// The same, for an event in the caller's buffer. `inout` only so that it is read where it
    /// lies: an argument borrowed from memory the engine cannot see (an unsafe buffer) is
    /// copied first, three reference counts and all. The event is not changed.
    public func process(inPlace e: inout TransactionEvent, into alerts: inout [Alert]) {
        judge(e, into: &alerts)
    }

    @inline(__always)
    private func judge(_ e: borrowing TransactionEvent, into alerts: inout [Alert]) {
        if e.time > futureLimit {
            counters.future += 1
            return
        }
        if newest != Int64.min && e.time < newest - latenessMs {
            counters.late += 1
            counters.lateByInput[e.origin.input, default: 0] += 1
            return
        }
        if e.recordID != 0 && !recordIDs.insert(e.recordID, time: e.time, horizon: newest == Int64.min ? Int64.min : newest - latenessMs - 60_000) {
            counters.duplicates += 1
            return
        }
        counters.events += 1
        if e.time > newest {
            newest = e.time
            advance(closingBefore: minuteOf(newest - latenessMs), into: &alerts)
        }
        // The minute of the event: most events fall in the minute of the one before, found
        // without a 64-bit division.
        let minute: Int64
        if e.time >= lastMinuteStart && e.time - lastMinuteStart < 60_000 {
            minute = lastMinute
        } else {
            minute = minuteOf(e.time)
            lastMinute = minute
            lastMinuteStart = minute * 60_000
        }
        // The principal's hash for every detector's store, computed where the event was made.
        let principalHash = UInt64(e.principalHash)
        // What the detectors read, copied out of the event once: handing them the event
        // itself copied all of it (its 144 bytes and three reference counts) for each call.
        let o = Observed(time: e.time, sourceIP: e.sourceIP, principal: e.principal, outcome: judgedOutcome(e), origin: e.origin)
        volume?.observe(o, minute: minute, principalHash: principalHash)
        // Alerts decided by this event go straight into `alerts` (a local array for them cost
        // a release of its empty buffer on every event).
        let before = alerts.count
        failedAuth?.observe(o, minute: minute, firstOpenMinute: closedBefore == Int64.min ? minute : closedBefore,
                            principalHash: principalHash, into: &alerts)
        unexpectedIP?.observe(o, minute: minute, principalHash: principalHash, into: &alerts)
        guard alerts.count > before else { return }
        for i in before..<alerts.count { alerts[i].decidedAt = e.time }
    }

    /// The outcome as the detectors take it: a refusal of permission counts as a failed login
    /// where the configuration says so; an outbound call (the platform calling a partner) is
    /// traffic, never a login to judge.
    @inline(__always)
    private func judgedOutcome(_ e: borrowing TransactionEvent) -> Outcome {
        if e.direction == .outbound { return .unknown }
        if e.outcome == .denied && countDenied { return .authFailure }
        return e.outcome
    }

    /// The newest event time seen (or moved to by `advance(to:)`), nil before any event.
    public var newestTime: Int64? { newest == Int64.min ? nil : newest }

    /// Moves event time on without an event (live mode, when the logs go quiet), as an event
    /// at `time` would: closes every minute before `time - maxLateness`, and events older than
    /// that count as late from then on.
    public func advance(to time: Int64, into alerts: inout [Alert]) {
        guard newest != Int64.min, time > newest else { return }
        newest = time
        advance(closingBefore: minuteOf(newest - latenessMs), into: &alerts)
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

// MARK: - State that outlives a process

extension Engine {
    private static let snapshotMagic: [UInt8] = Array("LWES".utf8)
    /// Raised when the layout of the snapshot changes; older layouts are then refused.
    public static let snapshotVersion: UInt64 = 1

    /// Everything the engine has learned and holds open, in a compact binary form.
    public func snapshot() -> [UInt8] { segmentedSnapshot().bytes }

    /// `snapshot()`, with where its bytes divide into segments that change independently
    /// (see `SnapshotCut`): saving only the changed segments makes a checkpoint's writes
    /// grow with the keys touched since the last one, not with the keys held.
    public func segmentedSnapshot() -> (bytes: [UInt8], cuts: [SnapshotCut]) {
        var w = SnapshotWriter(reservingCapacity: 64 * 1024)
        for b in Self.snapshotMagic { w.uint(UInt64(b)) }
        w.uint(Self.snapshotVersion)
        w.int(newest)
        w.int(closedBefore)
        w.int(counters.events)
        w.int(counters.late)
        w.optional(failedAuth) { w, d in w.section { w in w.string(d.shape); w.section { d.write(to: &$0) } } }
        w.optional(unexpectedIP) { w, d in w.section { w in w.string(d.shape); w.section { d.write(to: &$0) } } }
        w.optional(volume) { w, d in w.section { w in w.string(d.shape); w.section { d.write(to: &$0) } } }
        return (w.bytes, w.cuts)
    }

    /// Takes over the state in `bytes` (from `snapshot()`), into an engine that has seen no
    /// event yet. A detector whose windows or prefixes changed since starts over; the
    /// returned notes say which.
    /// - Throws: `SnapshotError` for a damaged or foreign snapshot; the engine must then be
    ///   discarded.
    @discardableResult
    public func restore(_ bytes: [UInt8]) throws(SnapshotError) -> [String] {
        precondition(newest == Int64.min && counters.events == 0, "restore into a fresh engine")
        var r = SnapshotReader(bytes)
        for b in Self.snapshotMagic {
            guard try r.uint() == UInt64(b) else { throw SnapshotError(offset: 0, reason: "not a logwatch engine state") }
        }
        let version = try r.uint()
        guard version == Self.snapshotVersion else {
            throw SnapshotError(offset: 4, reason: "engine state version \(version); this logwatch reads version \(Self.snapshotVersion)")
        }
        newest = try r.time()
        closedBefore = try r.time()
        counters.events = try r.int()
        counters.late = try r.int()
        var notes: [String] = []
        func section(_ name: String, shape: String?, _ restore: (inout SnapshotReader) throws(SnapshotError) -> Void) throws(SnapshotError) {
            guard try r.bool() else { return }
            try r.section { r throws(SnapshotError) in
                let saved = try r.string()
                guard let shape else { notes.append("\(name): turned off; its saved state is dropped"); return }
                guard saved == shape else {
                    notes.append("\(name): windows changed (\(saved) → \(shape)); its learned state starts over")
                    return
                }
                try r.section(restore)
            }
        }
        try section("failed_auth_spike", shape: failedAuth?.shape) { r throws(SnapshotError) in try failedAuth!.restore(from: &r) }
        try section("unexpected_source_ip", shape: unexpectedIP?.shape) { r throws(SnapshotError) in try unexpectedIP!.restore(from: &r) }
        try section("volume_surge", shape: volume?.shape) { r throws(SnapshotError) in try volume!.restore(from: &r) }
        guard r.atEnd else { throw r.fail("unexpected bytes after the engine state") }
        return notes
    }
}
