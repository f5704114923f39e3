import LogwatchCore
import Testing
@testable import AnomalyEngine

@Suite struct UnexpectedSourceIPTests {
    typealias S = Streams

    @Test func allowlistViolationAlertsAtOnceWithoutLearning() throws {
        var c = EngineConfiguration()
        c.principals["svc_payroll"] = PrincipalPolicy(allow: [IPNetwork("10.50.0.0/16")!, IPNetwork("2001:db8::/32")!])
        var s = Streams()
        s.add(S.t0, ip: "10.50.3.4", principal: "svc_payroll")
        s.add(S.t0 + 1000, ip: "2001:db8::5", principal: "svc_payroll")
        s.add(S.t0 + 2000, ip: "192.0.2.200", principal: "svc_payroll", fail: true)
        s.add(S.t0 + 3000, ip: "192.0.2.200", principal: "svc_payroll")
        s.add(S.t0 + 4000, ip: "192.0.2.201", principal: "svc_payroll")
        // Time moves on: the network goes unused for over an hour, so the incident resolves.
        s.add(S.t0 + 2 * S.hour, ip: "10.50.3.4", principal: "svc_payroll")
        let alerts = s.run(c)
        let fire = try #require(alerts.firing.first)
        #expect(alerts.firing.count == 1, "\(alerts.summary)")
        #expect(fire.detector == .unexpectedSourceIP && fire.scope == .principal)
        #expect(fire.key == AlertKey(principal: "svc_payroll", sourceIP: IPAddress("192.0.2.200")))
        #expect(fire.severity == .critical)
        #expect(fire.evidence.firstEvent == S.t0 + 3000)
        #expect(fire.message.contains("outside its allowlist 10.50.0.0/16, 2001:db8::/32"))
        let resolved = try #require(alerts.last)
        #expect(resolved.status == .resolved && resolved.observed == 2)
    }

    @Test func learnedNetworksStayQuietAndANewOneAlertsOnce() throws {
        var s = Streams()
        var rng = SeededGenerator(seed: 9)
        // Two days from one /24 and one IPv6 /64 with privacy addresses.
        s.steady(from: S.t0, to: S.t0 + 2 * S.day, perHour: 30, ip: { "10.20.0.\(Int.random(in: 1...254, using: &rng))" }, principal: "svc_hr")
        s.steady(from: S.t0, to: S.t0 + 2 * S.day, perHour: 5, ip: { "2001:db8:1:2:\(String(Int.random(in: 1...65535, using: &rng), radix: 16))::1" }, principal: "svc_hr")
        // A new network during the learning day is learned, not alerted.
        s.add(S.t0 + 3 * S.hour, ip: "172.16.5.5", principal: "svc_hr")
        // After learning: the same /24 and /64, and the network learned on day one.
        s.add(S.t0 + 2 * S.day + S.hour, ip: "10.20.0.77", principal: "svc_hr")
        s.add(S.t0 + 2 * S.day + S.hour + 1, ip: "2001:db8:1:2:ffff::9", principal: "svc_hr")
        s.add(S.t0 + 2 * S.day + S.hour + 2, ip: "172.16.5.99", principal: "svc_hr")
        // Then somewhere new, several times, and a failure from a third place (not this detector's job).
        for i in 0..<5 { s.add(S.t0 + 2 * S.day + 2 * S.hour + Int64(i) * S.minute, ip: "185.220.101.\(4 + i)", principal: "svc_hr") }
        s.add(S.t0 + 2 * S.day + 3 * S.hour, ip: "45.1.2.3", principal: "svc_hr", fail: true)
        // Events without a principal are ignored.
        s.add(S.t0 + 2 * S.day + 4 * S.hour, ip: "45.9.9.9", principal: nil)
        let alerts = s.run()
        #expect(alerts.firing.count == 1, "\(alerts.summary)")
        let fire = try #require(alerts.firing.first)
        #expect(fire.key == AlertKey(principal: "svc_hr", sourceIP: IPAddress("185.220.101.4")))
        #expect(fire.severity == .warning)
        #expect(fire.message.contains("185.220.101.0/24"))
        #expect(fire.message.contains("10.20.0.0/24"))
        let resolved = try #require(alerts.first { $0.status == .resolved })
        #expect(resolved.observed == 5)
    }

    /// The usual networks in a message are the most recently used first, with and without a
    /// restart just after the principal went back to an older network (whose new time the
    /// detector holds aside until another network is looked up, and a snapshot must carry).
    @Test func usualNetworksAreListedMostRecentlyUsedFirstAcrossARestart() throws {
        var learning = Streams()
        for (i, ip) in ["10.1.0.5", "10.2.0.5", "10.3.0.5", "10.1.0.6"].enumerated() {
            learning.add(S.t0 + Int64(i + 1) * S.hour, ip: ip, principal: "svc_hr")
        }
        let later = TransactionEvent(time: S.t0 + 3 * S.day, sourceIP: IPAddress("203.0.113.9"), principal: "svc_hr", outcome: .success)
        let usual = "usual: 10.1.0.0/24, 10.3.0.0/24, 10.2.0.0/24"

        let whole = Engine()
        var alerts = learning.run(engine: whole)
        whole.process(later, into: &alerts)
        #expect(alerts.firing.count == 1 && alerts.firing.first?.message.contains(usual) == true, "\(alerts.summary)")

        let first = Engine()
        _ = learning.run(engine: first)
        let second = Engine()
        try second.restore(first.snapshot())
        var restarted: [Alert] = []
        second.process(later, into: &restarted)
        #expect(restarted.firing.count == 1 && restarted.firing.first?.message.contains(usual) == true,
                "\(restarted.first?.message ?? "no alert")")
    }

    @Test func prefixLengthsAreConfigurable() {
        var s = Streams()
        s.add(S.t0, ip: "10.20.0.1", principal: "p")
        s.add(S.t0 + 2 * S.day, ip: "10.20.0.200", principal: "p")
        #expect(s.run().isEmpty)
        var c = EngineConfiguration()
        c.unexpectedSourceIP.ipv4Prefix = 32
        #expect(s.run(c).firing.count == 1)
    }
}
