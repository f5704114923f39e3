import LogwatchCore
import Testing
@testable import AnomalyEngine

@Suite struct FailedAuthSpikeTests {
    typealias S = Streams

    /// Internet noise: a few failures per address per hour from many addresses, each guessing
    /// from a list of common names, plus normal traffic.
    func background(days: Int64 = 3) -> Streams {
        var s = Streams()
        let names = ["admin", "root", "test", "guest", "user", "oracle", "api", "support", "info", "sa",
                     "postgres", "ubuntu", "ftp", "www", "backup", "operator", "demo", "dev", "svc", "mysql"]
        for i in 0..<40 {
            let ip = "203.0.113.\(i + 1)"
            var before = s.events.count
            s.steady(from: S.t0, to: S.t0 + days * S.day, perHour: 3, ip: { ip }, principal: nil, fail: true)
            while before < s.events.count {
                s.events[before].principal = names[Int.random(in: 0..<names.count, using: &s.rng)]
                before += 1
            }
        }
        s.steady(from: S.t0, to: S.t0 + days * S.day, perHour: 600, ip: { "10.0.0.5" }, principal: "svc_hr")
        return s
    }

    @Test func backgroundNoiseRaisesNothing() {
        let alerts = background().run()
        #expect(alerts.isEmpty, "\(alerts.summary)")
    }

    @Test func burstFromOneAddressIsOneIncidentWithItsFacts() throws {
        var s = background()
        let start = S.t0 + 2 * S.day + 14 * S.hour + 10 * S.minute
        for i in 0..<300 {
            s.add(start + Int64(i) * 600, ip: "192.0.2.66", principal: ["svc_a", "svc_b", "svc_c"][i % 3], fail: true)
        }
        let alerts = s.run()
        #expect(alerts.count == 2, "\(alerts.summary)")
        let fire = try #require(alerts.first)
        #expect(fire.detector == .failedAuthSpike && fire.scope == .sourceIP && fire.status == .firing)
        #expect(fire.key == AlertKey(sourceIP: IPAddress("192.0.2.66")))
        #expect(fire.message.hasPrefix("192.0.2.66: "))
        #expect(fire.message.contains("failed logins in 5 min against 3 principals"))
        #expect(fire.observed >= 20 && fire.threshold == 20)
        #expect(fire.evidence.firstEvent == start)
        #expect(fire.evidence.samples.count == 5)
        #expect(fire.windowEnd - fire.windowStart == 5 * S.minute)
        let resolved = alerts[1]
        #expect(resolved.status == .resolved && resolved.id == fire.id)
        #expect(resolved.observed == 300)
        #expect(resolved.evidence.lastEvent == start + 299 * 600)
    }

    /// The engine counts the incidents open now (for tail's metrics): one while the burst
    /// goes on, none once it is resolved.
    @Test func openIncidentsAreCounted() {
        var s = background()
        let start = S.t0 + 2 * S.day + 14 * S.hour + 10 * S.minute
        for i in 0..<300 { s.add(start + Int64(i) * 600, ip: "192.0.2.66", principal: "svc_a", fail: true) }
        let engine = Engine()
        var alerts: [Alert] = []
        let events = s.events.sorted { $0.time < $1.time }
        let burstEnd = start + 300 * 600
        for e in events where e.time <= burstEnd { engine.process(e, into: &alerts) }
        #expect(engine.stats.openIncidents[.failedAuthSpike] == 1)
        for e in events where e.time > burstEnd { engine.process(e, into: &alerts) }
        engine.finish(into: &alerts)
        #expect(engine.stats.openIncidents[.failedAuthSpike] == 0)
    }

    @Test func slowBruteForceIsFoundByTheLongWindow() throws {
        var s = background()
        let start = S.t0 + 2 * S.day + 2 * S.hour
        for i in 0..<180 { s.add(start + Int64(i) * 30_000, ip: "192.0.2.77", principal: "svc_hr", fail: true) }
        let alerts = s.run()
        let fire = try #require(alerts.firing.first, "\(alerts.summary)")
        #expect(alerts.firing.count == 1, "\(alerts.summary)")
        #expect(fire.key.sourceIP == IPAddress("192.0.2.77"))
        #expect(fire.message.contains("in 60 min"))
        // Never more than ten inside five minutes, so only the long window can see it.
        #expect(fire.windowEnd - fire.windowStart == 60 * S.minute)
        #expect(fire.incidentStart == start + 29 * S.minute)
    }

    @Test func credentialStuffingAgainstOnePrincipalFromManyAddresses() throws {
        var s = background()
        let start = S.t0 + 2 * S.day + 9 * S.hour
        for i in 0..<80 {
            for k in 0..<2 { s.add(start + Int64(i) * 6_000 + Int64(k) * 1000, ip: "100.64.\(i / 200).\(i % 200 + 1)", principal: "partner-acme", fail: true) }
        }
        let alerts = s.run()
        #expect(alerts.firing.count == 1, "\(alerts.summary)")
        let fire = try #require(alerts.firing.first)
        #expect(fire.scope == .principal)
        #expect(fire.key == AlertKey(principal: "partner-acme"))
        #expect(fire.message.contains("from "))
        #expect(fire.message.contains("addresses"))
    }

    @Test func passwordSprayingIsAJumpAcrossAllTraffic() throws {
        var s = background()
        let start = S.t0 + 2 * S.day + 3 * S.hour
        var rng = SeededGenerator(seed: 3)
        for i in 0..<400 {
            let ip = "100.70.\(Int.random(in: 0...255, using: &rng)).\(Int.random(in: 1...254, using: &rng))"
            s.add(start + Int64(i) * 1_500, ip: ip, principal: "user\(i % 200)", fail: true)
        }
        let alerts = s.run()
        #expect(alerts.firing.count == 1, "\(alerts.summary)")
        let fire = try #require(alerts.firing.first)
        #expect(fire.scope == .global)
        #expect(fire.key == AlertKey())
        #expect(fire.baseline != nil && fire.baseline! < 20)
        #expect(fire.message.hasPrefix("all traffic: "))
    }

    @Test func aMisconfiguredClientIsOneIncidentWithRemindersOnlyEverySixHours() {
        var s = Streams()
        var t = S.t0
        while t < S.t0 + 3 * S.day {
            s.add(t, ip: "10.9.9.9", principal: "svc_legacy", fail: true)
            t += 10_000
        }
        let alerts = s.run()
        let ids = Set(alerts.map(\.id))
        #expect(ids.count == 1, "\(alerts.summary)")
        #expect(alerts.firing.count == 1)
        let reminders = alerts.filter(\.isReminder)
        #expect(reminders.count <= 12)
        #expect(reminders.count >= 10)
        var last = alerts[0].windowEnd
        for r in reminders {
            #expect(r.windowEnd - last >= 6 * S.hour)
            last = r.windowEnd
        }
    }

    @Test func principalScopeNeedsSeveralAddresses() {
        var s = Streams()
        for i in 0..<100 { s.add(S.t0 + Int64(i) * 1000, ip: "10.1.1.1", principal: "svc_one", fail: true) }
        let alerts = s.run()
        #expect(alerts.firing.count == 1)
        #expect(alerts.firing.first?.scope == .sourceIP)
    }

    @Test func thresholdsAreConfigurable() {
        var s = Streams()
        for i in 0..<10 { s.add(S.t0 + Int64(i) * 1000, ip: "10.1.1.1", principal: "p", fail: true) }
        #expect(s.run().isEmpty)
        var c = EngineConfiguration()
        c.failedAuth.sourceIP?.shortThreshold = 5
        #expect(s.run(c).firing.count == 1)
        c.failedAuth.sourceIP = nil
        #expect(s.run(c).isEmpty)
    }
}

/// What the detectors count of the outcomes (see docs/events.md).
@Suite struct OutcomeCountingTests {
    typealias S = Streams

    func burst(_ outcome: Outcome, direction: Direction = .inbound, configuration: EngineConfiguration = EngineConfiguration()) -> [Alert] {
        let engine = Engine(configuration: configuration)
        var alerts: [Alert] = []
        for i in 0..<60 {
            engine.process(TransactionEvent(time: S.t0 + Int64(i) * 1000, sourceIP: IPAddress("192.0.2.66"), principal: "svc_a",
                                            status: outcome == .denied ? 403 : nil, outcome: outcome, direction: direction), into: &alerts)
        }
        engine.finish(into: &alerts)
        return alerts.filter { $0.detector == .failedAuthSpike && $0.status == .firing }
    }

    @Test func onlyRefusedCredentialsCountAsFailedLogins() {
        #expect(!burst(.authFailure).isEmpty)
        for outcome in [Outcome.denied, .challenge, .unauthenticated, .unknown, .error] {
            #expect(burst(outcome).isEmpty, "\(outcome)")
        }
        // The platform's own calls out, refused by a partner, are not logins to this platform.
        #expect(burst(.authFailure, direction: .outbound).isEmpty)
    }

    @Test func deniedCountsWhereTheConfigurationSaysSo() {
        var c = EngineConfiguration()
        c.failedAuth.countDenied = true
        #expect(!burst(.denied, configuration: c).isEmpty)
    }

    @Test func aNewNetworkIsJudgedOnlyOnANamedPrincipalsSuccess() {
        for (outcome, expected) in [(Outcome.success, 1), (.unauthenticated, 0), (.unknown, 0), (.denied, 0)] {
            let engine = Engine()
            var alerts: [Alert] = []
            for h in 0..<30 {
                engine.process(TransactionEvent(time: S.t0 + Int64(h) * S.hour, sourceIP: IPAddress("10.0.0.5"), principal: "svc_hr", outcome: .success), into: &alerts)
            }
            engine.process(TransactionEvent(time: S.t0 + 31 * S.hour, sourceIP: IPAddress("203.0.113.9"), principal: "svc_hr", outcome: outcome), into: &alerts)
            engine.finish(into: &alerts)
            #expect(alerts.filter { $0.detector == .unexpectedSourceIP && $0.status == .firing }.count == expected, "\(outcome)")
        }
    }

    /// The same ServiceNow row in two overlapping exports (the same sys_id) counts once.
    @Test func aRecordSeenTwiceCountsOnce() {
        let engine = Engine()
        var alerts: [Alert] = []
        for round in 0..<2 {
            for i in 0..<30 {
                engine.process(TransactionEvent(time: S.t0 + Int64(i) * 1000 + Int64(round) * 500, sourceIP: IPAddress("192.0.2.66"), principal: "svc_a",
                                                outcome: .authFailure, recordID: UInt64(i + 1)), into: &alerts)
            }
        }
        #expect(engine.stats.events == 30)
        #expect(engine.stats.duplicates == 30)
        // Rows without an identity are never taken for copies.
        engine.process(TransactionEvent(time: S.t0 + 40_000, sourceIP: IPAddress("192.0.2.66"), outcome: .authFailure), into: &alerts)
        engine.process(TransactionEvent(time: S.t0 + 40_000, sourceIP: IPAddress("192.0.2.66"), outcome: .authFailure), into: &alerts)
        #expect(engine.stats.events == 32)
    }
}
