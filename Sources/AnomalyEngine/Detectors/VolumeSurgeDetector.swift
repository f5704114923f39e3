import LogwatchCore

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
    /// Set once (a `let`: calls through a `var` retained and released it on every event).
    private let global: GlobalRate?
    private let decay: (mean: Double, peak: Double)
    var openIncidents: Int { book.open.count + (global?.openIncidents ?? 0) }

    init(settings: VolumeSurgeSettings, realertSeconds: Int64, maxKeys: Int) {
        self.settings = settings
        realertMs = realertSeconds * 1000
        principals = KeyedStore(maxKeys: maxKeys)
        decay = settings.principal.map(RateBaseline.decay) ?? (1, 1)
        global = settings.global.map {
            GlobalRate(detector: .volumeSurge, thresholds: $0, resolveAfter: settings.resolveAfterMinutes, noun: "requests")
        }
    }

    var evictions: Int { principals.evictions }
    var trackedKeys: Int { principals.count }

    /// Counts every request except failed authentications, which are the failed-auth
    /// detector's: a brute force is one alert, not also a volume surge.
    /// `principalHash` is the principal's `storeHash`. Inlined into the engine (one caller).
    @inline(__always)
    func observe(_ e: Observed, minute: Int64, principalHash: UInt64) {
        guard e.outcome != .authFailure else { return }
        global?.observe(e, minute: minute)
        guard let t = settings.principal, let p = e.principal else { return }
        let slot = principals.slot(for: p, hash: principalHash, now: e.time, make: {
            State(baseline: RateBaseline(windowMinutes: t.windowMinutes, firstSeen: e.time), lastEvent: e.time)
        }, protect: { [unowned(unsafe) self] in self.book.isOpen($0) })
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
            if !book.open.isEmpty {
                for key in book.open.keys { if let i = principals.find(key) { slots.append(i) } }
                pending.unique(&slots)
            }
            let decay = self.decay
            for slot in slots {
                guard let key = principals.keys[slot] else { continue } // a slot with a key has a state
                // Judged in place: a copy of the state would retain each of its arrays and move
                // it twice. The book is looked up only while it holds an incident.
                let anyOpen = !book.open.isEmpty
                let (count, lastEvent, finding) = principals.modify(slot) { s in
                    (s.baseline.count(minute: m), s.lastEvent,
                     RateJudgement.evaluate(&s.baseline, thresholds: t, decay: decay, minute: m,
                                            key: AlertKey(principal: key), name: key, noun: "requests",
                                            lastEvent: s.lastEvent, samples: s.recent.origins))
                }
                if anyOpen { book.add(key, count: count, lastEvent: lastEvent) }
                if let finding, let alert = book.holds(key, finding, realertMs: realertMs) { alerts.append(alert) }
                let frozen = !book.open.isEmpty && book.isOpen(key)
                if frozen || anyOpen { principals.modify(slot) { $0.baseline.frozen = frozen } }
            }
            for (key, alert) in book.resolveQuiet(at: m, afterMinutes: settings.resolveAfterMinutes, noun: "requests", describe: { $0.principal ?? "?" }) {
                if let i = principals.find(key) { principals.states[i]?.baseline.frozen = false }
                alerts.append(alert)
            }
        }
        global?.close(minute: m, realertMs: realertMs, into: &alerts)
    }
}

// MARK: - State that outlives a process

extension VolumeSurgeDetector {
    var shape: String {
        "volume_surge principal=\(settings.principal.map { String($0.windowMinutes) } ?? "off") global=\(settings.global.map { String($0.windowMinutes) } ?? "off")"
    }

    func write(to w: inout SnapshotWriter) {
        principals.write(to: &w, key: { $0.string($1) }, state: { w, s in
            w.write(s.baseline); w.write(s.recent); w.int(s.lastEvent); w.int(s.pendingMinute)
        })
        book.write(to: &w) { $0.string($1) }
        w.write(pending)
        w.optional(global) { w, g in g.write(to: &w) }
    }

    func restore(from r: inout SnapshotReader) throws(SnapshotError) {
        principals = try KeyedStore(from: &r, maxKeys: principals.maxKeys, key: { r throws(SnapshotError) in try r.string() }, state: { r throws(SnapshotError) in
            State(baseline: try r.read(), recent: try r.read(), lastEvent: try r.time(), pendingMinute: try r.time())
        })
        book = try IncidentBook(from: &r, detector: .volumeSurge, scope: .principal) { r throws(SnapshotError) in try r.string() }
        pending = try r.read()
        guard pending.slotsBelow(principals.keys.count) else { throw r.fail("pending minute names a missing key") }
        if try r.bool() {
            guard let global else { throw r.fail("global scope not expected") }
            try global.restore(from: &r)
        }
    }
}
