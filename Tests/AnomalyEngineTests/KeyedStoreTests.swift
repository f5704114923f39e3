import LogwatchCore
import Testing
@testable import AnomalyEngine
import TestSupport

/// A key whose hash is chosen by the test, so that probe runs, wrap-around and collisions are
/// exercised on purpose.
private struct CollidingKey: StoreKey {
    let id: Int
    let bucket: UInt64
    var storeHash: UInt64 { bucket }
}

@Suite struct KeyedStoreTests {
    /// Random inserts and removals against a dictionary: every key stays findable at its slot,
    /// removed keys are gone, whatever the collisions (8 distinct hashes for 300 keys).
    @Test func agreesWithADictionaryUnderCollisionsAndRemovals() {
        var store = KeyedStore<CollidingKey, Int>(maxKeys: 10_000)
        var model: [Int: Int] = [:] // key id -> slot
        var rng = SystemRandomNumberGenerator()
        for step in 0..<20_000 {
            let id = Int.random(in: 0..<300, using: &rng)
            // Hashes near the top of the range, so probe runs wrap past the table's end.
            let key = CollidingKey(id: id, bucket: UInt64.max - UInt64(id % 8))
            if Bool.random(using: &rng), let slot = model[id] {
                #expect(store.find(key) == slot)
                store.remove(slot)
                model[id] = nil
            } else {
                let slot = store.slot(for: key, now: Int64(step), make: { id }, protect: { _ in false })
                if let known = model[id] { #expect(slot == known) }
                model[id] = slot
                #expect(store.states[slot] == id)
            }
            if step % 1000 == 0 {
                for other in 0..<300 {
                    let k = CollidingKey(id: other, bucket: UInt64.max - UInt64(other % 8))
                    #expect(store.find(k) == model[other], "key \(other) after step \(step)")
                }
            }
        }
        #expect(store.count == model.count)
    }

    /// Past `maxKeys` the least recently seen tenth goes, and the rest are still found.
    @Test func evictsTheLeastRecentlySeenAndKeepsTheRestFindable() {
        var store = KeyedStore<String, Int>(maxKeys: 100)
        for i in 0..<100 { _ = store.slot(for: "k\(i)", now: Int64(i), make: { i }, protect: { _ in false }) }
        _ = store.slot(for: "new", now: 1000, make: { -1 }, protect: { $0 == "k3" })
        #expect(store.evictions == 10)
        #expect(store.count == 91)
        #expect(store.find("k3") != nil, "protected")
        // The ten oldest but the protected k3: k0-k2 and k4-k10.
        for i in [0, 1, 2, 4, 5, 6, 7, 8, 9, 10] { #expect(store.find("k\(i)") == nil, "k\(i)") }
        for i in 11..<100 { #expect(store.find("k\(i)").map { store.states[$0] } == i) }
        #expect(store.find("new").map { store.states[$0] } == -1)
    }
}

@Suite struct MinuteRingTests {
    /// Random adds (in order, late, too late, after gaps longer than the ring) against a plain
    /// per-minute model: every sum and earliest time over every range agrees.
    @Test func agreesWithAPlainModel() {
        let capacity = 13
        var ring = MinuteRing(capacity: capacity, keepFirstTimes: true)
        var counts: [Int64: Int] = [:]
        var firsts: [Int64: Int64] = [:]
        var newest = Int64.min
        var rng = SystemRandomNumberGenerator()
        var minute: Int64 = -40 // negative minutes too (times before 1970)
        for _ in 0..<5_000 {
            switch Int.random(in: 0..<10, using: &rng) {
            case 0: minute += Int64.random(in: 1...40, using: &rng) // a gap, sometimes longer than the ring
            case 1...3: minute += 1
            default: break
            }
            let m = minute - Int64.random(in: 0...15, using: &rng) // sometimes late, sometimes too late
            let time = m * 60_000 + Int64.random(in: 0..<60_000, using: &rng)
            let held = newest == Int64.min || m > newest - Int64(capacity)
            ring.add(m, time: time)
            if held {
                counts[m, default: 0] += 1
                firsts[m] = min(firsts[m] ?? Int64.max, time)
                newest = max(newest, m)
            }
            let from = newest - Int64(capacity) + 1
            // The running total is what every minute held adds up to (the early exit of judges).
            #expect(ring.total == (from...newest).reduce(0) { $0 + (counts[$1] ?? 0) })
            for low in (from - 3)...(newest + 1) {
                for high in [low, low + 2, newest] where high >= low {
                    let expected = (max(low, from)...max(high, from)).reduce(0) { $0 + ($1 <= high ? counts[$1] ?? 0 : 0) }
                    #expect(ring.sum(from: low, through: high) == expected)
                    let earliest = (max(low, from)...max(high, from)).first { $0 <= high && (counts[$0] ?? 0) > 0 }.flatMap { firsts[$0] }
                    #expect(ring.earliest(from: low, through: high) == earliest)
                }
            }
        }
    }
}

@Suite struct CounterpartTests {
    /// The counterparts a key remembers, against the plain rule (a full list replaces the least
    /// recently seen, the first of equals, found by a scan of them all): random failures from
    /// more counterparts than fit, minutes moving on, late ones, and quiet spells that clear it.
    @Test func aFullListReplacesTheLeastRecentlySeenAsAScanWould() {
        var state = BurstScope<String>.State(ring: MinuteRing(capacity: 8), activityStart: 0, lastEvent: 0)
        var model: [Counterpart] = []
        var rng = SeededGenerator(seed: 6)
        let horizon: Int64 = 60
        var minute: Int64 = 1_000
        for step in 0..<60_000 {
            if Int.random(in: 0..<4, using: &rng) == 0 { minute += 1 }
            if step % 20_000 == 19_999 {
                state.clearCounterparts()
                model.removeAll()
            }
            // Late now and then, by a minute or by hours (older than the least recent listed).
            let late = Int.random(in: 0..<20, using: &rng)
            let m = late == 0 ? minute - Int64.random(in: 100...400, using: &rng) : late < 3 ? minute - 1 : minute
            // Mostly a few busy counterparts, often one of many more than fit.
            let hash = Bool.random(using: &rng) ? UInt64.random(in: 0..<40, using: &rng) : UInt64.random(in: 40..<1_500, using: &rng)
            state.note(hash, minute: m, horizon: horizon)
            if let i = model.firstIndex(where: { $0.hash == hash }) {
                if m - model[i].lastMinute > horizon { model[i].firstMinute = m; model[i].count = 0 }
                model[i].lastMinute = max(model[i].lastMinute, m)
                model[i].count += 1
            } else if model.count < 256 {
                model.append(Counterpart(hash: hash, firstMinute: m, lastMinute: m, count: 1))
            } else {
                var oldest = 0
                for i in model.indices where model[i].lastMinute < model[oldest].lastMinute { oldest = i }
                model[oldest] = Counterpart(hash: hash, firstMinute: m, lastMinute: m, count: 1)
            }
            let same = state.counterparts.count == model.count && zip(state.counterparts, model).allSatisfy {
                $0.hash == $1.hash && $0.firstMinute == $1.firstMinute && $0.lastMinute == $1.lastMinute && $0.count == $1.count
            }
            #expect(same, "step \(step)")
            if !same { return }
        }
    }
}

@Suite struct RateBaselineTests {
    /// Adds in the same minute skip the bucket arithmetic: with and without that path, the
    /// same adds (in order, late, too late, after gaps), windows judged as minutes close and
    /// freezes give the same windows, means, peaks and earliest times.
    @Test func theSameMinutesPathLearnsExactlyAsTheFullOne() {
        let window = 5
        let decay = (mean: 0.8, peak: 0.9)
        var fast = RateBaseline(windowMinutes: window, firstSeen: 0)
        var full = RateBaseline(windowMinutes: window, firstSeen: 0)
        full.usesHotMinute = false
        var rng = SeededGenerator(seed: 9)
        var minute: Int64 = 100
        var closed: Int64 = 0
        for step in 0..<40_000 {
            switch Int.random(in: 0..<40, using: &rng) {
            case 0: minute += Int64.random(in: 2...30, using: &rng)
            case 1...3: minute += 1
            default: break
            }
            let m = Int.random(in: 0..<15, using: &rng) == 0 ? minute - Int64.random(in: 1...20, using: &rng) : minute
            let time = m * 60_000 + Int64.random(in: 0..<60_000, using: &rng)
            fast.add(minute: m, time: time, window: window, decay: decay)
            full.add(minute: m, time: time, window: window, decay: decay)
            if Int.random(in: 0..<50, using: &rng) == 0 {
                // Minutes close in order, sometimes well past this key's newest (the closes
                // follow all traffic), and the key's own minute can still come after.
                let end = max(closed + 1, minute + Int64.random(in: -2...25, using: &rng))
                closed = end
                let a = fast.window(endingAt: end, window: window, decay: decay)
                let b = full.window(endingAt: end, window: window, decay: decay)
                #expect(a == b && fast.mean == full.mean && fast.peak == full.peak, "step \(step)")
                #expect(fast.earliest(from: end - 4, through: end) == full.earliest(from: end - 4, through: end))
                if Int.random(in: 0..<4, using: &rng) == 0 { fast.frozen.toggle(); full.frozen.toggle() }
            }
            #expect(fast.count(minute: m) == full.count(minute: m))
        }
    }
}
