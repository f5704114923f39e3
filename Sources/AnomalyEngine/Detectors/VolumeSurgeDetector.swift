/// Request-volume surges: a principal, or all traffic, far above its own usual rate.
/// Failed authentications are left out (they are the failed-auth detector's).
final class VolumeSurgeDetector {
    private struct State {
        var baseline: RateBaseline
        var recent = RecentOrigins()
        var lastEvent: Int64
        /// The minute this key was last marked pending (to mark each minute once).
        var pendingMinute = Int64.min
    }

    private let settings: VolumeSurgeSettings
    private let realertMs: Int64
    private var principals: KeyedStore<String, State>
    private var book = IncidentBook<String>(detector: .volumeSurge, scope: .principal)
    private var pending = PendingMinutes()
    private var global: GlobalRate?
    private let decay: (mean: Double, peak: Double)

    init(settings: VolumeSurgeSettings, realertSeconds: Int64, maxKeys: Int) {
        self.settings = settings
        realertMs = realertSeconds * 1000
        principals = KeyedStore(maxKeys: maxKeys)
        decay = settings.principal.map(RateBaseline.decay) ?? (1, 1)
        if let t = settings.global {
            global = GlobalRate(detector: .volumeSurge, thresholds: t, resolveAfter: settings.resolveAfterMinutes, noun: "requests")
        }
    }

    var evictions: Int { principals.evictions }
    var trackedKeys: Int { principals.count }

    /// Counts every request except failed authentications, which are the failed-auth
    /// detector's: a brute force is one alert, not also a volume surge.
    func observe(_ e: TransactionEvent, minute: Int64) {
        guard e.outcome != .authFailure else { return }
        global?.observe(e, minute: minute)
        guard let t = settings.principal, let p = e.principal else { return }
        let slot = principals.slot(for: p, now: e.time, make: {
            State(baseline: RateBaseline(windowMinutes: t.windowMinutes, firstSeen: e.time), lastEvent: e.time)
        }, protect: { self.book.isOpen($0) })
        let decay = self.decay
        let newMinute = principals.modify(slot) { s -> Bool in
            s.baseline.add(minute: minute, time: e.time, window: t.windowMinutes, decay: decay)
            s.recent.add(e.time, e.origin)
            s.lastEvent = max(s.lastEvent, e.time)
            guard s.pendingMinute != minute else { return false }
            s.pendingMinute = minute
            return true
        }
        if newMinute { pending.mark(slot, minute: minute) }
    }

    func close(minute m: Int64, into alerts: inout [Alert]) {
        if let t = settings.principal {
            var slots = pending.take(m)
            for key in book.open.keys { if let i = principals.find(key) { slots.insert(i) } }
            for slot in slots.sorted() {
                guard let key = principals.keys[slot], var s = principals.states[slot] else { continue }
                principals.states[slot] = nil // so `s` is the only reference and mutating it copies nothing
                book.add(key, count: s.baseline.count(minute: m), lastEvent: s.lastEvent)
                if let finding = RateJudgement.evaluate(&s.baseline, thresholds: t, decay: decay, minute: m,
                                                        key: AlertKey(principal: key), name: key, noun: "requests",
                                                        lastEvent: s.lastEvent, samples: s.recent.origins),
                   let alert = book.holds(key, finding, realertMs: realertMs) {
                    alerts.append(alert)
                }
                s.baseline.frozen = book.isOpen(key)
                principals.states[slot] = s
            }
            for (key, alert) in book.resolveQuiet(at: m, afterMinutes: settings.resolveAfterMinutes, noun: "requests", describe: { $0.principal ?? "?" }) {
                if let i = principals.find(key) { principals.states[i]?.baseline.frozen = false }
                alerts.append(alert)
            }
        }
        global?.close(minute: m, realertMs: realertMs, into: &alerts)
    }
}
