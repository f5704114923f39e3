import LogwatchCore

/// Failed-authentication spikes: per source address and per principal against fixed thresholds
/// over a short window (bursts) and a long one (slow brute force), and across all traffic
/// against the learned usual rate (password spraying).
final class FailedAuthSpikeDetector {
    private let settings: FailedAuthSettings
    private let realertMs: Int64
    private var byAddress: BurstScope<IPAddress>?
    private var byPrincipal: BurstScope<String>?
    /// Set once (a `let`: calls through a `var` retained and released it on every event).
    private let global: GlobalRate?

    init(settings: FailedAuthSettings, realertSeconds: Int64, maxKeys: Int) {
        self.settings = settings
        realertMs = realertSeconds * 1000
        if let t = settings.sourceIP {
            byAddress = BurstScope(scope: .sourceIP, thresholds: t, maxKeys: maxKeys, resolveAfter: settings.resolveAfterMinutes,
                                   alertKey: { AlertKey(sourceIP: $0) }, name: { $0.description }, hashKey: stableHash,
                                   counterpartNoun: ("against", "principal"))
        }
        if let t = settings.principal {
            byPrincipal = BurstScope(scope: .principal, thresholds: t, maxKeys: maxKeys, resolveAfter: settings.resolveAfterMinutes,
                                     alertKey: { AlertKey(principal: $0) }, name: { $0 }, hashKey: stableHash,
                                     counterpartNoun: ("from", "address"))
        }
        global = settings.global.map {
            GlobalRate(detector: .failedAuthSpike, thresholds: $0, resolveAfter: settings.resolveAfterMinutes, noun: "failed logins")
        }
    }

    var evictions: Int { (byAddress?.store.evictions ?? 0) + (byPrincipal?.store.evictions ?? 0) }
    var trackedKeys: Int { (byAddress?.store.count ?? 0) + (byPrincipal?.store.count ?? 0) }

    /// Counts a failure. A burst is reported on the event that crosses its threshold (like
    /// fail2ban's maxretry), not when its minute closes: the count so far can only grow, so the
    /// judgement at the close would hold too, and it then finds the incident already open.
    /// `firstOpenMinute` is the oldest minute not closed yet.
    /// Inlined into the engine for the test every event takes (most are not failures).
    @inline(__always)
    func observe(_ e: Observed, minute: Int64, firstOpenMinute: Int64, principalHash: UInt64, into alerts: inout [Alert]) {
        guard e.outcome == .authFailure else { return }
        observeFailure(e, minute: minute, firstOpenMinute: firstOpenMinute, principalHash: principalHash, into: &alerts)
    }

    private func observeFailure(_ e: Observed, minute: Int64, firstOpenMinute: Int64, principalHash: UInt64, into alerts: inout [Alert]) {
        if let ip = e.sourceIP, let byAddress {
            let slot = byAddress.observe(ip, hash: ip.storeHash, e, minute: minute, counterpart: e.principal.map(stableHash))
            byAddress.judgeEarly(ip, slot: slot, minute: minute, firstOpenMinute: firstOpenMinute, realertMs: realertMs, into: &alerts)
        }
        if let p = e.principal, let byPrincipal {
            let slot = byPrincipal.observe(p, hash: principalHash, e, minute: minute, counterpart: e.sourceIP.map(stableHash))
            byPrincipal.judgeEarly(p, slot: slot, minute: minute, firstOpenMinute: firstOpenMinute, realertMs: realertMs,
                                   explainedCounterparts: byAddress?.openIncidentHashes ?? [], into: &alerts)
        }
        global?.observe(e, minute: minute)
    }

    func close(minute m: Int64, into alerts: inout [Alert]) {
        byAddress?.close(minute: m, realertMs: realertMs, into: &alerts)
        // A principal's failures from an address already in an incident are that incident's.
        byPrincipal?.close(minute: m, realertMs: realertMs, explainedCounterparts: byAddress?.openIncidentHashes ?? [], into: &alerts)
        guard let global, let t = settings.global else { return }
        // Failures from addresses or principals already in an incident are explained: the
        // global scope is for spraying that no single key accounts for.
        let from = m - Int64(t.windowMinutes) + 1
        let explained = max(byAddress?.countInOpenIncidents(from: from, through: m) ?? 0,
                            byPrincipal?.countInOpenIncidents(from: from, through: m) ?? 0)
        global.close(minute: m, realertMs: realertMs, explained: explained, into: &alerts)
    }
}

/// Failures per key against fixed short- and long-window thresholds.
final class BurstScope<Key: StoreKey> {
    struct State {
        var ring: MinuteRing
        var activityStart: Int64
        var lastEvent: Int64
        var samples: [Origin] = []
        var counterpartList = CounterpartList()
        /// The minute this key was last marked pending (to mark each minute once).
        var pendingMinute = Int64.min

        /// Distinct counterparts seen in minutes `from...` , except those in `excluded`.
        func distinct(from: Int64, excluding excluded: Set<UInt64>) -> Int {
            counterparts.reduce(0) { $0 + ($1.lastMinute >= from && !excluded.contains($1.hash) ? 1 : 0) }
        }

        /// Failures since `from` with counterparts in `hashes` (counted from each pairing's
        /// first minute, so this errs toward explaining more).
        func explained(from: Int64, by hashes: Set<UInt64>) -> Int {
            guard !hashes.isEmpty else { return 0 }
            return counterparts.reduce(0) { $0 + ($1.lastMinute >= from && hashes.contains($1.hash) ? $1.count : 0) }
        }

        /// The counterparts seen, in the order they came (a full list replaces the least
        /// recently seen in place).
        var counterparts: [Counterpart] { counterpartList.items }

        mutating func note(_ hash: UInt64, minute: Int64, horizon: Int64) {
            counterpartList.note(hash, minute: minute, horizon: horizon)
        }

        /// Forgets every counterpart (a new streak of activity).
        mutating func clearCounterparts() {
            counterpartList.removeAll()
        }
    }

    let scope: AlertScope
    let thresholds: BurstThresholds
    let resolveAfter: Int
    let alertKey: (Key) -> AlertKey
    let name: (Key) -> String
    let counterpartNoun: (String, String)
    var store: KeyedStore<Key, State>
    var book: IncidentBook<Key>
    var pending = PendingMinutes()
    private var closedSinceSweep = 0

    init(scope: AlertScope, thresholds: BurstThresholds, maxKeys: Int, resolveAfter: Int,
         alertKey: @escaping (Key) -> AlertKey, name: @escaping (Key) -> String, hashKey: @escaping (Key) -> UInt64,
         counterpartNoun: (String, String)) {
        self.hashKey = hashKey
        self.scope = scope
        self.thresholds = thresholds
        self.resolveAfter = resolveAfter
        self.alertKey = alertKey
        self.name = name
        self.counterpartNoun = counterpartNoun
        store = KeyedStore(maxKeys: maxKeys)
        book = IncidentBook(detector: .failedAuthSpike, scope: scope)
    }

    private var horizon: Int { max(thresholds.longWindowMinutes, thresholds.shortWindowMinutes) }

    /// Counts a failure for `key` (whose `storeHash` is `hash`); returns the key's slot.
    @discardableResult
    func observe(_ key: Key, hash: UInt64, _ e: Observed, minute: Int64, counterpart: UInt64?) -> Int {
        let capacity = 2 * horizon + 4
        let slot = store.slot(for: key, hash: hash, now: e.time, make: {
            var fresh = State(ring: MinuteRing(capacity: capacity), activityStart: e.time, lastEvent: e.time)
            fresh.samples.reserveCapacity(5) // one allocation, not three, for the five samples kept
            return fresh
        }, protect: { [unowned(unsafe) self] in self.book.isOpen($0) }) // pending slots need no protection: each is looked up again at close
        let horizon = Int64(self.horizon)
        let newMinute = store.modify(slot) { s -> Bool in
            // After a quiet spell longer than every window, a new streak of activity begins.
            if e.time - s.lastEvent > horizon * 60_000 {
                s.activityStart = e.time
                s.samples.removeAll(keepingCapacity: true)
                s.clearCounterparts()
            }
            s.ring.add(minute)
            s.activityStart = min(s.activityStart, e.time)
            s.lastEvent = max(s.lastEvent, e.time)
            if s.samples.count < 5 { s.samples.append(e.origin) }
            if let c = counterpart { s.note(c, minute: minute, horizon: horizon) }
            guard s.pendingMinute != minute else { return false }
            s.pendingMinute = minute
            return true
        }
        if newMinute { pending.mark(slot, minute: minute) }
        return slot
    }

    private var openHashCache: Set<UInt64> = []
    /// False once an incident opened or closed since `openHashCache` was filled.
    var openHashesValid = false

    /// Hashes of the keys with an open incident (to explain other scopes' failures).
    var openIncidentHashes: Set<UInt64> {
        if !openHashesValid {
            openHashCache = Set(book.open.keys.map(hashKey))
            openHashesValid = true
        }
        return openHashCache
    }

    /// Judges a key's windows as they stand, before its minute closes, when it has no open
    /// incident: the first alert of a burst comes with the event that completes it.
    /// `slot` is the key's, from `observe`.
    func judgeEarly(_ key: Key, slot: Int, minute m: Int64, firstOpenMinute: Int64, realertMs: Int64, explainedCounterparts: Set<UInt64> = [], into alerts: inout [Alert]) {
        guard book.open.isEmpty || !book.isOpen(key) else { return }
        // Judged in place: copying the state would retain each of its arrays.
        let judged = store.modify(slot) { s -> (IncidentFinding, Int)? in
            guard let finding = evaluate(key, s, minute: m, explained: explainedCounterparts) else { return nil }
            // The failures of minutes not closed yet are in the finding, and each minute's close
            // adds the whole minute to the incident's total: they are left out of it here.
            return (finding, s.ring.sum(from: max(firstOpenMinute, finding.windowStart / 60_000), through: m))
        }
        guard let (finding, open) = judged else { return }
        if let alert = book.holds(key, finding, realertMs: realertMs, countedLater: open) {
            alerts.append(alert)
            openHashesValid = false
        }
    }

    let hashKey: (Key) -> UInt64

    func close(minute m: Int64, realertMs: Int64, explainedCounterparts: Set<UInt64> = [], into alerts: inout [Alert]) {
        var slots = pending.take(m)
        if !book.open.isEmpty {
            for key in book.open.keys { if let i = store.find(key) { slots.append(i) } }
            pending.unique(&slots)
        }
        for slot in slots {
            guard let key = store.keys[slot] else { continue } // a slot with a key has a state
            // Read in place: copying the state would retain each of its arrays.
            // An open incident judged again mostly only extends it: its message (a few
            // thousand instructions of formatting) is made only for an alert.
            let message = book.open.isEmpty || book.wouldAlert(key, minute: m, realertMs: realertMs)
            let (count, lastEvent, finding) = store.modify(slot) { s in
                (s.ring.sum(from: m, through: m), s.lastEvent, evaluate(key, s, minute: m, explained: explainedCounterparts, message: message))
            }
            book.add(key, count: count, lastEvent: lastEvent)
            guard let finding else { continue }
            if let alert = book.holds(key, finding, realertMs: realertMs) { alerts.append(alert) }
        }
        for (_, alert) in book.resolveQuiet(at: m, afterMinutes: resolveAfter, noun: "failed logins", describe: describe) {
            alerts.append(alert)
        }
        openHashesValid = false
        closedSinceSweep += 1
        if closedSinceSweep >= 60 { sweep(m); closedSinceSweep = 0 }
    }

    /// Failures in minutes `from...through` from keys with an open incident.
    func countInOpenIncidents(from: Int64, through: Int64) -> Int {
        var total = 0
        for key in book.open.keys {
            if let i = store.find(key), let s = store.states[i] { total += s.ring.sum(from: from, through: through) }
        }
        return total
    }

    private func describe(_ k: AlertKey) -> String { k.principal ?? k.sourceIP?.description ?? "all traffic" }

    /// With `message` false, the finding's message is left empty (no alert will show it).
    private func evaluate(_ key: Key, _ s: State, minute m: Int64, explained: Set<UInt64>, message wanted: Bool = true) -> IncidentFinding? {
        let t = thresholds
        // No window holds more than the whole ring: most keys (an address with a few
        // failures) are done here, without summing any window.
        guard s.ring.total >= min(t.shortThreshold, t.longThreshold) else { return nil }
        let shortStart = m - Int64(t.shortWindowMinutes) + 1
        let longStart = m - Int64(t.longWindowMinutes) + 1
        let short = max(0, s.ring.sum(from: shortStart, through: m) - s.explained(from: shortStart, by: explained))
        let long = max(0, s.ring.sum(from: longStart, through: m) - s.explained(from: longStart, by: explained))
        let observed: Int, threshold: Int, windowStart: Int64, minutes: Int, baseline: Double
        if short >= t.shortThreshold {
            observed = short; threshold = t.shortThreshold; windowStart = shortStart; minutes = t.shortWindowMinutes
            // Usual: the mean per short window over the rest of the long window before it.
            let before = s.ring.sum(from: longStart - Int64(t.shortWindowMinutes), through: shortStart - 1)
            baseline = Double(before) / Double(max(1, t.longWindowMinutes / max(1, t.shortWindowMinutes)))
        } else if long >= t.longThreshold {
            observed = long; threshold = t.longThreshold; windowStart = longStart; minutes = t.longWindowMinutes
            baseline = Double(s.ring.sum(from: longStart - Int64(t.longWindowMinutes), through: longStart - 1))
        } else {
            return nil
        }
        let n = s.distinct(from: windowStart, excluding: explained)
        // A threshold of 1 asks for nothing: failures that name no counterpart (a log with no
        // user field) still count for the address.
        guard t.minDistinct <= 1 || n >= t.minDistinct else { return nil }
        var message = ""
        if wanted {
            let (preposition, noun) = counterpartNoun
            let counterparts = n == 0 ? "" : " \(preposition) \(n >= CounterpartList.capacity ? "\(n)+" : String(n)) \(noun)\(n == 1 ? "" : noun.hasSuffix("s") ? "es" : "s")"
            let excluding = explained.isEmpty || s.explained(from: windowStart, by: explained) == 0 ? "" : ", not counting addresses already alerted"
            message = "\(name(key)): \(NumberFormat.message(Double(observed))) failed logins in \(minutes) min\(counterparts) (usual: \(NumberFormat.message(baseline)); threshold \(threshold)\(excluding))"
        }
        return IncidentFinding(
            key: alertKey(key), minute: m, windowStart: windowStart * 60_000, windowEnd: (m + 1) * 60_000,
            observed: Double(observed), baseline: baseline, threshold: Double(threshold),
            severity: observed >= 5 * threshold ? .critical : .warning, message: message,
            firstEvent: max(s.activityStart, windowStart * 60_000), lastEvent: s.lastEvent, samples: s.samples)
    }

    /// Forgets keys whose every window is empty and that have no open incident, so memory
    /// follows the number of live keys, not the length of the input.
    private func sweep(_ m: Int64) {
        let cutoff = (m - Int64(2 * horizon)) * 60_000
        let marked = pending.allSlots
        for slot in 0..<store.keys.count {
            guard let key = store.keys[slot], let last = store.states[slot]?.lastEvent, last < cutoff, !book.isOpen(key) else { continue }
            if !marked.contains(slot) { store.remove(slot) }
        }
    }
}

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

/// The rule shared by rate-based scopes: learned, above the minimum, the ratio to the usual
/// count, and the ratio to the recent peak.
enum RateJudgement {
    static func evaluate(_ b: inout RateBaseline, thresholds t: RateThresholds, decay: (mean: Double, peak: Double),
                         minute m: Int64, key: AlertKey, name: String, noun: String, lastEvent: Int64,
                         samples: @autoclosure () -> [Origin], explained: Int = 0) -> IncidentFinding? {
        let window = max(0, b.window(endingAt: m, window: t.windowMinutes, decay: decay) - explained)
        let windowStart = m - Int64(t.windowMinutes) + 1
        guard windowStart * 60_000 >= b.firstSeen + t.learningSeconds * 1000 else { return nil }
        let threshold = b.threshold(t)
        guard Double(window) >= threshold else { return nil }
        let excluding = explained > 0 ? ", not counting \(NumberFormat.message(Double(explained))) from keys already alerted" : ""
        let message = "\(name): \(NumberFormat.message(Double(window))) \(noun) in \(t.windowMinutes) min (usual: \(NumberFormat.message(b.mean)); threshold \(NumberFormat.message(threshold))\(excluding))"
        return IncidentFinding(
            key: key, minute: m, windowStart: windowStart * 60_000, windowEnd: (m + 1) * 60_000,
            observed: Double(window), baseline: b.mean, threshold: threshold,
            severity: Double(window) >= 3 * threshold ? .critical : .warning, message: message,
            firstEvent: b.earliest(from: windowStart, through: m) ?? windowStart * 60_000,
            lastEvent: lastEvent, samples: samples())
    }
}

// MARK: - State that outlives a process

extension FailedAuthSpikeDetector {
    /// What the state's layout depends on: a snapshot taken under other windows is not reused.
    var shape: String {
        func burst(_ t: BurstThresholds?) -> String { t.map { "\($0.shortWindowMinutes)/\($0.longWindowMinutes)" } ?? "off" }
        return "failed_auth source_ip=\(burst(settings.sourceIP)) principal=\(burst(settings.principal)) global=\(settings.global.map { String($0.windowMinutes) } ?? "off")"
    }

    func write(to w: inout SnapshotWriter) {
        w.optional(byAddress) { w, s in s.write(to: &w) }
        w.optional(byPrincipal) { w, s in s.write(to: &w) }
        w.optional(global) { w, g in g.write(to: &w) }
    }

    func restore(from r: inout SnapshotReader) throws(SnapshotError) {
        if try r.bool() {
            guard let byAddress else { throw r.fail("source-address scope not expected") }
            try byAddress.restore(from: &r)
        }
        if try r.bool() {
            guard let byPrincipal else { throw r.fail("principal scope not expected") }
            try byPrincipal.restore(from: &r)
        }
        if try r.bool() {
            guard let global else { throw r.fail("global scope not expected") }
            try global.restore(from: &r)
        }
    }
}

extension Counterpart: SnapshotCodable {
    func write(to w: inout SnapshotWriter) { w.uint(hash); w.int(firstMinute); w.int(lastMinute); w.int(count) }
    init(from r: inout SnapshotReader) throws(SnapshotError) {
        self.init(hash: try r.uint(), firstMinute: try r.time(), lastMinute: try r.time(), count: try r.intValue())
    }
}

extension BurstScope.State: SnapshotCodable {
    func write(to w: inout SnapshotWriter) {
        w.write(ring); w.int(activityStart); w.int(lastEvent); w.write(samples); w.write(counterparts); w.int(pendingMinute)
    }

    init(from r: inout SnapshotReader) throws(SnapshotError) {
        ring = try r.read(); activityStart = try r.time(); lastEvent = try r.time()
        samples = try r.read(); counterpartList = CounterpartList(try r.read()); pendingMinute = try r.time()
    }
}

extension BurstScope where Key: SnapshotCodable {
    func write(to w: inout SnapshotWriter) {
        store.write(to: &w, key: { $0.write($1) }, state: { $0.write($1) })
        book.write(to: &w) { $0.write($1) }
        w.write(pending)
        w.int(closedSinceSweep)
    }

    func restore(from r: inout SnapshotReader) throws(SnapshotError) {
        let capacity = 2 * horizon + 4
        store = try KeyedStore(from: &r, maxKeys: store.maxKeys, key: { r throws(SnapshotError) in try r.read(Key.self) }, state: { r throws(SnapshotError) in
            let s = try r.read(State.self)
            guard s.ring.capacity == capacity else { throw r.fail("minute ring of \(s.ring.capacity) minutes, expected \(capacity)") }
            return s
        })
        book = try IncidentBook(from: &r, detector: book.detector, scope: book.scope) { r throws(SnapshotError) in try r.read(Key.self) }
        pending = try r.read()
        guard pending.slotsBelow(store.keys.count) else { throw r.fail("pending minute names a missing key") }
        closedSinceSweep = try r.intValue()
        openHashesValid = false
    }
}

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
