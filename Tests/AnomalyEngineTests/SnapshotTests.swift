import LogwatchCore
import Testing
@testable import AnomalyEngine

private typealias S = Streams

/// The engine's state saved and taken over by a new engine (a restart) must change nothing.
@Suite struct SnapshotTests {
    /// Two days of every kind of traffic: learned networks, a volume surge, bursts by address
    /// and by principal, a new network and an allowlist breach.
    static func mixed() -> (Streams, EngineConfiguration) {
        var s = Streams()
        var c = EngineConfiguration()
        c.principals["svc_payroll"] = PrincipalPolicy(allow: [IPNetwork("10.20.0.0/16")!])
        s.steady(from: S.t0, to: S.t0 + 2 * S.day, perHour: 90, ip: { "10.0.0.5" }, principal: "svc_hr")
        s.steady(from: S.t0, to: S.t0 + 2 * S.day, perHour: 30, ip: { "10.20.1.7" }, principal: "svc_payroll")
        s.steady(from: S.t0, to: S.t0 + 2 * S.day, perHour: 20, ip: { "10.1.0.5" }, principal: "svc_crm", fail: true)
        for i in 0..<200 { s.add(S.t0 + S.day + Int64(i) * 700, ip: "192.0.2.1", principal: "svc_hr", fail: true) }
        for i in 0..<60 { s.add(S.t0 + S.day + 3 * S.hour + Int64(i) * 3000, ip: "198.51.100.\(i % 30 + 1)", principal: "svc_crm", fail: true) }
        s.steady(from: S.t0 + S.day + 6 * S.hour, to: S.t0 + S.day + 7 * S.hour, perHour: 3000, ip: { "10.0.0.5" }, principal: "svc_hr")
        for i in 0..<5 { s.add(S.t0 + S.day + 9 * S.hour + Int64(i) * S.minute, ip: "203.0.113.9", principal: "svc_hr") }
        s.add(S.t0 + S.day + 10 * S.hour, ip: "192.0.2.200", principal: "svc_payroll")
        s.events.sort { $0.time != $1.time ? $0.time < $1.time : $0.origin.line < $1.origin.line }
        return (s, c)
    }

    @Test func aRestartAnywhereGivesTheSameAlertsAsNoRestart() throws {
        let (s, c) = Self.mixed()
        let whole = s.run(c)
        #expect(Set(whole.firing.map(\.detector)).count == 3, "the stream exercises every detector:\n\(whole.summary)")
        var rng = SeededGenerator(seed: 11)
        var cuts = (0..<12).map { _ in Int.random(in: 1..<s.events.count, using: &rng) }
        cuts += [1, s.events.count / 2, s.events.count - 1]
        for cut in cuts {
            let first = Engine(configuration: c)
            var alerts: [Alert] = []
            for e in s.events[..<cut] { first.process(e, into: &alerts) }
            let saved = first.snapshot()
            let second = Engine(configuration: c)
            let notes = try second.restore(saved)
            #expect(notes.isEmpty)
            #expect(second.snapshot() == saved, "the state reads back to the same bytes (cut at \(cut))")
            for e in s.events[cut...] { second.process(e, into: &alerts) }
            second.finish(into: &alerts)
            #expect(alerts == whole, "cut at event \(cut)")
            #expect(second.stats.events == Int64(s.events.count))
        }
    }

    @Test func learnedNetworksSurviveARestart() throws {
        var s = Streams()
        s.steady(from: S.t0, to: S.t0 + 2 * S.day, perHour: 60, ip: { "10.0.0.5" }, principal: "svc_hr")
        let first = Engine()
        _ = s.run(engine: first)
        let second = Engine()
        try second.restore(first.snapshot())
        var alerts: [Alert] = []
        let later = S.t0 + 2 * S.day + S.hour
        // The usual network stays usual; a new one is reported at once (learning is long over).
        second.process(TransactionEvent(time: later, sourceIP: IPAddress("10.0.0.77"), principal: "svc_hr", outcome: .success), into: &alerts)
        #expect(alerts.isEmpty)
        second.process(TransactionEvent(time: later + 1000, sourceIP: IPAddress("203.0.113.5"), principal: "svc_hr", outcome: .success), into: &alerts)
        #expect(alerts.map(\.detector) == [.unexpectedSourceIP])
    }

    @Test func changedWindowsStartThatDetectorOver() throws {
        let (s, c) = Self.mixed()
        let first = Engine(configuration: c)
        _ = s.run(engine: first)
        var changed = c
        changed.failedAuth.sourceIP?.shortWindowMinutes = 3
        let second = Engine(configuration: changed)
        let notes = try second.restore(first.snapshot())
        #expect(notes.count == 1)
        #expect(notes.first?.hasPrefix("failed_auth_spike: windows changed") == true)
        // The other detectors kept what they learned.
        #expect(second.stats.trackedKeys[.unexpectedSourceIP] == first.stats.trackedKeys[.unexpectedSourceIP])
        #expect(second.stats.trackedKeys[.failedAuthSpike] == 0)
        #expect(second.stats.events == first.stats.events)
        // Thresholds are not windows: changing one keeps the state.
        var threshold = c
        threshold.failedAuth.sourceIP?.shortThreshold = 7
        #expect(try Engine(configuration: threshold).restore(first.snapshot()).isEmpty)
    }

    @Test func damagedStateIsAnErrorNeverACrash() {
        let (s, c) = Self.mixed()
        let first = Engine(configuration: c)
        _ = s.run(engine: first)
        let saved = first.snapshot()
        #expect(saved.count > 1000)
        // Every truncation is refused.
        for length in stride(from: 0, to: saved.count, by: max(1, saved.count / 400)) {
            #expect(throws: SnapshotError.self) { try Engine(configuration: c).restore(Array(saved[..<length])) }
        }
        // Flipped bytes are refused or read as some valid state; either way no crash, and the
        // engine still runs afterwards when it was accepted.
        var rng = SeededGenerator(seed: 5)
        for _ in 0..<300 {
            var damaged = saved
            for _ in 0..<3 { damaged[Int.random(in: 0..<damaged.count, using: &rng)] ^= UInt8.random(in: 1...255, using: &rng) }
            let engine = Engine(configuration: c)
            if (try? engine.restore(damaged)) != nil {
                var alerts: [Alert] = []
                for e in s.events.suffix(200) { engine.process(e, into: &alerts) }
                engine.finish(into: &alerts)
            }
        }
        #expect(throws: SnapshotError.self) { try Engine().restore(Array("not a snapshot".utf8)) }
    }

    /// The segments of a snapshot (the unit a checkpoint rewrites): one event for one of 2,000
    /// principals changes a handful of them, a small part of the state, and the labels are
    /// the same from one snapshot to the next, in the order of the bytes.
    @Test func oneEventChangesFewSegmentsOfTheState() throws {
        var s = Streams()
        for i in 0..<2_000 {
            s.add(S.t0 + Int64(i) * 1_000, ip: "10.0.\(i / 250).\(i % 250 + 1)", principal: "svc_\(i)")
        }
        let engine = Engine()
        _ = s.run(engine: engine)
        func segments() -> [UInt64: ArraySlice<UInt8>] {
            let (bytes, cuts) = engine.segmentedSnapshot()
            var out: [UInt64: ArraySlice<UInt8>] = [0: bytes[..<(cuts.first?.offset ?? bytes.count)]]
            for (i, cut) in cuts.enumerated() {
                out[cut.label] = bytes[cut.offset..<(i + 1 < cuts.count ? cuts[i + 1].offset : bytes.count)]
            }
            #expect(cuts.map(\.label) == cuts.map(\.label).sorted() && Set(cuts.map(\.label)).count == cuts.count)
            return out
        }
        let before = segments()
        var alerts: [Alert] = []
        engine.process(TransactionEvent(time: S.t0 + 2_000_000, sourceIP: IPAddress("10.0.3.8"), principal: "svc_757", outcome: .success), into: &alerts)
        let after = segments()
        #expect(Set(after.keys) == Set(before.keys))
        let changed = after.filter { before[$0.key] != $0.value }
        let total = after.values.reduce(0) { $0 + $1.count }
        let changedBytes = changed.values.reduce(0) { $0 + $1.count }
        #expect(changed.count >= 1 && changed.count <= 8, "\(changed.count) of \(after.count) segments changed")
        #expect(changedBytes * 20 < total, "\(changedBytes) of \(total) bytes changed")
    }
}
