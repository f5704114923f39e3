import LogwatchCore

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
    var openIncidents: Int { book.open.count }
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
            // An open incident judged again mostly only extends it: its message (costly
            // formatting) is made only for an alert.
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

// MARK: - State that outlives a process

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
