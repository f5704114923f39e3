import LogwatchCore
import Testing
@testable import AnomalyEngine

@Suite struct EngineTests {
    typealias S = Streams

    func attack() -> Streams {
        var s = Streams()
        s.steady(from: S.t0, to: S.t0 + 2 * S.day, perHour: 120, ip: { "10.0.0.5" }, principal: "svc_hr")
        for i in 0..<200 { s.add(S.t0 + S.day + Int64(i) * 1000, ip: "192.0.2.1", principal: "svc_hr", fail: true) }
        return s
    }

    /// What the detectors read of an event lies in its first 64 bytes (see `TransactionEvent`).
    @Test func theFieldsDetectionReadsShareTheFirstCacheLine() throws {
        typealias E = TransactionEvent
        let ends = [
            try #require(MemoryLayout<E>.offset(of: \.time)) + MemoryLayout<Int64>.size,
            try #require(MemoryLayout<E>.offset(of: \.sourceIP)) + MemoryLayout<IPAddress?>.size,
            try #require(MemoryLayout<E>.offset(of: \.outcome)) + MemoryLayout<Outcome>.size,
            try #require(MemoryLayout<E>.offset(of: \.direction)) + MemoryLayout<Direction>.size,
            try #require(MemoryLayout<E>.offset(of: \.principalText)) + MemoryLayout<String?>.size,
            try #require(MemoryLayout<E>.offset(of: \.principalHash)) + MemoryLayout<UInt32>.size,
            try #require(MemoryLayout<E>.offset(of: \.origin)) + MemoryLayout<Origin>.size,
        ]
        #expect(ends.max()! <= 64, "\(ends)")
    }

    @Test func sameInputSameAlertsAndIds() {
        let a = attack().run()
        let b = attack().run()
        #expect(!a.isEmpty)
        #expect(a == b)
    }

    @Test func idsDependOnDetectorScopeKeyAndStartOnly() {
        let a = AlertID.make(.failedAuthSpike, .sourceIP, AlertKey(sourceIP: IPAddress("192.0.2.1")), start: 1000)
        #expect(a == AlertID.make(.failedAuthSpike, .sourceIP, AlertKey(sourceIP: IPAddress("192.0.2.1")), start: 1000))
        #expect(a != AlertID.make(.failedAuthSpike, .sourceIP, AlertKey(sourceIP: IPAddress("192.0.2.2")), start: 1000))
        #expect(a != AlertID.make(.failedAuthSpike, .principal, AlertKey(sourceIP: IPAddress("192.0.2.1")), start: 1000))
        #expect(a.count == 16)
    }

    @Test func eventsOutOfOrderWithinTheLatenessGiveTheSameAlerts() {
        let s = attack()
        let inOrder = s.run()
        // Shuffle each event by up to 50 s (the allowed lateness is 60 s).
        var rng = SeededGenerator(seed: 11)
        let jittered = s.events.sorted { $0.time < $1.time }.map { e -> (Int64, TransactionEvent) in
            (e.time + Int64.random(in: 0...50_000, using: &rng), e)
        }.sorted { $0.0 < $1.0 }.map(\.1)
        let engine = Engine()
        var alerts: [Alert] = []
        for e in jittered { engine.process(e, into: &alerts) }
        engine.finish(into: &alerts)
        #expect(engine.stats.late == 0)
        #expect(alerts.map(\.id) == inOrder.map(\.id))
        #expect(alerts.map(\.observed) == inOrder.map(\.observed))
    }

    @Test func eventsLaterThanTheLatenessAreCountedAsLate() {
        let engine = Engine()
        var alerts: [Alert] = []
        engine.process(TransactionEvent(time: S.t0 + 10 * S.minute), into: &alerts)
        engine.process(TransactionEvent(time: S.t0 + 10 * S.minute - 30_000), into: &alerts)
        engine.process(TransactionEvent(time: S.t0), into: &alerts)
        #expect(engine.stats.late == 1)
        #expect(engine.stats.events == 2)
    }

    @Test func keysAreBoundedAndEvictionsCounted() {
        var c = EngineConfiguration()
        c.maxKeys = 100
        var s = Streams()
        for i in 0..<1000 { s.add(S.t0 + Int64(i) * 100, ip: "10.\(i / 250).\(i % 250).1", principal: "p\(i)", fail: true) }
        let engine = Engine(configuration: c)
        _ = s.run(engine: engine)
        let stats = engine.stats
        #expect(stats.trackedKeys[.failedAuthSpike]! <= 200)
        #expect(stats.evictions[.failedAuthSpike]! >= 1600)
        #expect(stats.trackedKeys[.volumeSurge]! <= 100)
    }

    @Test func aFloodOfDistinctAddressesIsReportedWhileKeysStayBounded() {
        // Two quiet days of an integration (3 failed logins an hour among its traffic), then
        // 200,000 failed logins in an hour, each from an address and for a user name never seen
        // before, as a spoofed credential-stuffing flood looks. No address or principal fails
        // twice, so no per-key alert can fire; the global scope must, while the per-key tables
        // stay at max_keys with every eviction counted. (Ten million addresses with the default
        // max_keys, through the CLI, are measured in the README.)
        var c = EngineConfiguration()
        c.maxKeys = 2_000
        let engine = Engine(configuration: c)
        var alerts: [Alert] = []
        var rng = SeededGenerator(seed: 3)
        var line: Int64 = 0
        func feed(_ time: Int64, _ ip: IPAddress, principal: String = "svc_sync", fail: Bool) {
            line += 1
            engine.process(TransactionEvent(time: time, sourceIP: ip, principal: principal, apiProtocol: .rest, status: fail ? 401 : 200,
                                            outcome: fail ? .authFailure : .success, failureReason: fail ? .badCredentials : nil,
                                            origin: Origin(input: 0, line: line)), into: &alerts)
        }
        for m in 0..<(48 * 60) {
            let t = S.t0 + Int64(m) * S.minute
            for k in 0..<10 { feed(t + Int64(k) * 5_000, IPAddress(ipv4: 0x0A00_0001 + UInt32(k % 3)), fail: false) }
            if m % 20 == 0 { feed(t + 51_000, IPAddress(ipv4: 0xC633_6400 + UInt32(m % 200)), fail: true) }
        }
        let floodStart = S.t0 + 48 * S.hour
        let flood = 200_000
        for i in 0..<flood {
            let address = IPAddress(ipv4: UInt32(truncatingIfNeeded: rng.next()) | 0x0100_0000)
            feed(floodStart + Int64(i) * S.hour / Int64(flood), address, principal: "user\(i)", fail: true)
        }
        engine.finish(into: &alerts)
        let stats = engine.stats
        #expect(stats.trackedKeys[.failedAuthSpike]! <= 2 * c.maxKeys)
        #expect(stats.trackedKeys[.unexpectedSourceIP]! <= c.maxKeys)
        #expect(stats.evictions[.failedAuthSpike]! >= flood - c.maxKeys)
        let global = alerts.firing.of(.failedAuthSpike, .global)
        #expect(global.count == 1, "\(alerts.firing.summary)")
        // Decided within the flood's first minutes (the window reaches back 10 minutes).
        #expect(global.first.map { $0.decidedAt > floodStart && $0.decidedAt <= floodStart + 5 * S.minute } == true,
                "\(global.map { ($0.windowStart - floodStart, $0.decidedAt - floodStart) })")
        #expect(alerts.firing.of(.failedAuthSpike, .sourceIP).isEmpty)
        #expect(alerts.firing.of(.failedAuthSpike, .principal).isEmpty)
    }

    @Test func idleKeysAreForgottenSoMemoryFollowsLiveKeys() {
        var s = Streams()
        // A different address fails once every minute for a day: 1,440 keys, never more than a few live.
        for i in 0..<1440 { s.add(S.t0 + Int64(i) * S.minute, ip: "10.\(i / 250).\(i % 250).9", principal: nil, fail: true) }
        let engine = Engine()
        _ = s.run(engine: engine)
        #expect(engine.stats.trackedKeys[.failedAuthSpike]! < 400)
    }

    @Test func aBurstIsReportedByTheEventThatCompletesIt() {
        // Live mode needs the alert when the burst happens, not when its minute closes.
        let engine = Engine()
        var alerts: [Alert] = []
        for i in 0..<19 { engine.process(TransactionEvent(time: S.t0 + Int64(i) * 1000, sourceIP: IPAddress("192.0.2.5"), outcome: .authFailure, failureReason: .badCredentials), into: &alerts) }
        #expect(alerts.isEmpty)
        engine.process(TransactionEvent(time: S.t0 + 19_000, sourceIP: IPAddress("192.0.2.5"), outcome: .authFailure, failureReason: .badCredentials), into: &alerts)
        #expect(alerts.count == 1)
        #expect(alerts.first?.key == AlertKey(sourceIP: IPAddress("192.0.2.5")))
        #expect(alerts.first?.decidedAt == S.t0 + 19_000)
        #expect(alerts.first?.observed == 20)
        for i in 20..<30 { engine.process(TransactionEvent(time: S.t0 + Int64(i) * 1000, sourceIP: IPAddress("192.0.2.5"), outcome: .authFailure, failureReason: .badCredentials), into: &alerts) }
        #expect(alerts.count == 1) // the same incident
    }

    @Test func anIncidentReportedEarlyCountsEveryFailureOnceWhenItResolves() {
        // Failures every 2 s for 3 minutes, arriving up to 40 s out of order: the alert comes
        // before the minutes close, and the resolution still counts each failure once.
        var rng = SeededGenerator(seed: 3)
        var events = (0..<90).map { i in
            TransactionEvent(time: S.t0 + Int64(i) * 2000, sourceIP: IPAddress("192.0.2.5"), outcome: .authFailure, failureReason: .badCredentials)
        }
        events = events.map { e in var e = e; e.time += Int64.random(in: 0...40_000, using: &rng); return e }
        events.sort { $0.time < $1.time }
        events.swapAt(10, 14)
        let engine = Engine()
        var alerts: [Alert] = []
        for e in events { engine.process(e, into: &alerts) }
        engine.advance(to: S.t0 + 90 * S.minute, into: &alerts) // 90 failures hold the 60-minute window for an hour
        #expect(alerts.map(\.status) == [.firing, .resolved])
        #expect(alerts.first?.observed == 20)
        #expect(alerts.last?.observed == 90)
        #expect(engine.stats.late == 0)
    }

    @Test func advancingTimeWithoutEventsClosesWindows() {
        // Live mode: the logs go quiet after a burst; moving the clock on must resolve it.
        let engine = Engine()
        var alerts: [Alert] = []
        for i in 0..<30 { engine.process(TransactionEvent(time: S.t0 + Int64(i) * 1000, sourceIP: IPAddress("192.0.2.5"), outcome: .authFailure, failureReason: .badCredentials), into: &alerts) }
        #expect(alerts.map(\.status) == [.firing])
        engine.advance(to: S.t0 + 10 * S.minute, into: &alerts)
        #expect(alerts.count == 1) // the burst held until minute 4; it resolves after 15 quiet minutes
        engine.advance(to: S.t0 + 21 * S.minute, into: &alerts)
        #expect(alerts.map(\.status) == [.firing, .resolved])
        #expect(alerts.last?.observed == 30) // the resolution counts every failure once
        // Moving the clock counts as an event: what is older than it by more than the lateness is late.
        engine.process(TransactionEvent(time: S.t0 + 5 * S.minute, sourceIP: IPAddress("192.0.2.9"), outcome: .success), into: &alerts)
        #expect(engine.stats.late == 1)
    }

    @Test func detectorsCanBeTurnedOff() {
        #expect(!attack().run().filter { $0.detector == .failedAuthSpike }.isEmpty)
        var c = EngineConfiguration()
        c.failedAuth.enabled = false
        #expect(attack().run(c).filter { $0.detector == .failedAuthSpike }.isEmpty)
        c.volumeSurge.enabled = false
        #expect(attack().run(c).isEmpty)
    }

    @Test func oneFarFutureTimestampDoesNotBlindTheDetectors() {
        // A forged line dated 2099 in the middle of a brute force: without a limit it moves
        // event time there, and every real failure after it is late.
        func run(limit: Int64) -> (alerts: [Alert], stats: EngineStats) {
            let engine = Engine()
            engine.futureLimit = limit
            var alerts: [Alert] = []
            engine.process(TransactionEvent(time: S.t0, sourceIP: IPAddress("10.0.0.1"), outcome: .success), into: &alerts)
            engine.process(TransactionEvent(time: 4_070_908_800_000, sourceIP: IPAddress("192.0.2.5"), outcome: .authFailure, failureReason: .badCredentials), into: &alerts)
            for i in 0..<25 {
                engine.process(TransactionEvent(time: S.t0 + Int64(i) * 1000, sourceIP: IPAddress("192.0.2.5"), outcome: .authFailure, failureReason: .badCredentials), into: &alerts)
            }
            engine.finish(into: &alerts)
            return (alerts, engine.stats)
        }
        let unlimited = run(limit: Int64.max)
        #expect(unlimited.alerts.isEmpty)
        #expect(unlimited.stats.late == 25)
        let limited = run(limit: S.t0 + S.day)
        #expect(limited.alerts.firing.count == 1)
        #expect(limited.stats.future == 1)
        #expect(limited.stats.late == 0)
    }

    @Test func farFutureTimestampsDoNotCreateUnboundedWork() {
        let engine = Engine()
        var alerts: [Alert] = []
        engine.process(TransactionEvent(time: S.t0), into: &alerts)
        engine.process(TransactionEvent(time: 253_402_300_799_000), into: &alerts) // 9999-12-31
        engine.finish(into: &alerts)
        #expect(engine.stats.events == 2)
    }
}
