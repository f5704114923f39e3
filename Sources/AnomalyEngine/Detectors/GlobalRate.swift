import LogwatchCore

/// One rate across all traffic against its learned baseline.
final class GlobalRate {
    /// Meaningful once `started` (the first event sets when it was first seen). Not optional:
    /// `baseline == nil` copied the whole baseline, arrays and all, on every event.
    private var baseline: RateBaseline
    private var started = false
    private let thresholds: RateThresholds
    private let decay: (mean: Double, peak: Double)
    private let resolveAfter: Int
    private let noun: String
    private var book: IncidentBook<Int>
    var openIncidents: Int { book.open.count }
    private var recent = RecentOrigins()
    private var lastEvent: Int64 = Int64.min

    init(detector: DetectorKind, thresholds: RateThresholds, resolveAfter: Int, noun: String) {
        self.thresholds = thresholds
        decay = RateBaseline.decay(thresholds)
        self.resolveAfter = resolveAfter
        self.noun = noun
        book = IncidentBook(detector: detector, scope: .global)
        baseline = RateBaseline(windowMinutes: thresholds.windowMinutes, firstSeen: 0)
    }

    @inline(__always)
    func observe(_ e: Observed, minute: Int64) {
        if !started {
            baseline = RateBaseline(windowMinutes: thresholds.windowMinutes, firstSeen: e.time)
            started = true
        }
        baseline.add(minute: minute, time: e.time, window: thresholds.windowMinutes, decay: decay)
        recent.add(e.time, e.origin)
        lastEvent = max(lastEvent, e.time)
    }

    /// Judges the window ending at minute `m`; `explained` events in it are left out of the count.
    func close(minute m: Int64, realertMs: Int64, explained: Int = 0, into alerts: inout [Alert]) {
        guard started else { return }
        book.add(0, count: baseline.count(minute: m), lastEvent: lastEvent)
        if let finding = RateJudgement.evaluate(&baseline, thresholds: thresholds, decay: decay, minute: m, key: AlertKey(),
                                                name: "all traffic", noun: noun, lastEvent: lastEvent,
                                                samples: recent.origins, explained: explained) {
            if let alert = book.holds(0, finding, realertMs: realertMs) { alerts.append(alert) }
        }
        for (_, alert) in book.resolveQuiet(at: m, afterMinutes: resolveAfter, noun: noun, describe: { _ in "all traffic" }) {
            alerts.append(alert)
        }
        baseline.frozen = book.isOpen(0)
    }
}

// MARK: - State that outlives a process

extension GlobalRate {
    func write(to w: inout SnapshotWriter) {
        w.optional(started ? baseline : nil) { $0.write($1) }
        book.write(to: &w) { $0.int($1) }
        w.write(recent)
        w.int(lastEvent)
    }

    func restore(from r: inout SnapshotReader) throws(SnapshotError) {
        if let saved = try r.optional({ r throws(SnapshotError) in try r.read(RateBaseline.self) }) {
            baseline = saved
            started = true
        }
        book = try IncidentBook(from: &r, detector: book.detector, scope: book.scope) { r throws(SnapshotError) in try r.intValue() }
        recent = try r.read()
        lastEvent = try r.time()
    }
}
