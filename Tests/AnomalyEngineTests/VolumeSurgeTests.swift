import LogwatchCore
import Foundation
import Testing
@testable import AnomalyEngine

@Suite struct VolumeSurgeTests {
    typealias S = Streams

    /// Day/night rhythm: `dayRate` per hour from 08:00 to 20:00, a tenth of it at night.
    func rhythmic(_ s: inout Streams, principal: String, dayRate: Double, days: Int64, growthPerDay: Double = 1) {
        for d in 0..<days {
            let g = pow(growthPerDay, Double(d))
            let dayStart = S.t0 + d * S.day
            s.steady(from: dayStart, to: dayStart + 8 * S.hour, perHour: dayRate * g / 10, ip: { "10.0.0.1" }, principal: principal)
            s.steady(from: dayStart + 8 * S.hour, to: dayStart + 20 * S.hour, perHour: dayRate * g, ip: { "10.0.0.1" }, principal: principal)
            s.steady(from: dayStart + 20 * S.hour, to: dayStart + S.day, perHour: dayRate * g / 10, ip: { "10.0.0.1" }, principal: principal)
        }
    }

    @Test func aBulkExportAtTenTimesTheUsualRateIsFound() throws {
        var s = Streams()
        // Other integrations, so that all traffic together does not surge as much.
        for p in 0..<20 { s.steady(from: S.t0, to: S.t0 + 3 * S.day, perHour: 100, ip: { "10.0.1.\(p)" }, principal: "svc_\(p)") }
        s.steady(from: S.t0, to: S.t0 + 3 * S.day, perHour: 60, ip: { "10.0.0.2" }, principal: "svc_cmdb")
        let start = S.t0 + 2 * S.day + 22 * S.hour
        s.steady(from: start, to: start + 25 * S.minute, perHour: 600, ip: { "10.0.0.2" }, principal: "svc_cmdb")
        let alerts = s.run()
        #expect(alerts.firing.count == 1, "\(alerts.summary)")
        let fire = try #require(alerts.firing.first)
        #expect(fire.detector == .volumeSurge && fire.scope == .principal)
        #expect(fire.key == AlertKey(principal: "svc_cmdb"))
        #expect(fire.incidentStart >= start && fire.incidentStart <= start + 25 * S.minute)
        #expect(fire.baseline! > 15 && fire.baseline! < 25)
        #expect(alerts.contains { $0.status == .resolved && $0.id == fire.id })
    }

    @Test func aQuietPrincipalsSurgeIsFoundToo() throws {
        var s = Streams()
        s.steady(from: S.t0, to: S.t0 + 3 * S.day, perHour: 4, ip: { "10.0.0.3" }, principal: "svc_rare")
        let start = S.t0 + 2 * S.day + 15 * S.hour
        s.steady(from: start, to: start + 30 * S.minute, perHour: 60, ip: { "10.0.0.3" }, principal: "svc_rare")
        let alerts = s.run()
        #expect(alerts.firing.count == 1, "\(alerts.summary)")
        #expect(alerts.firing.first?.key == AlertKey(principal: "svc_rare"))
    }

    @Test func allTrafficAtFiveTimesItsRateIsAGlobalSurge() throws {
        var s = Streams()
        for p in 0..<20 { s.steady(from: S.t0, to: S.t0 + 3 * S.day, perHour: 100, ip: { "10.0.1.\(p)" }, principal: "svc_\(p)") }
        let start = S.t0 + 2 * S.day + 11 * S.hour
        for p in 0..<20 { s.steady(from: start, to: start + 20 * S.minute, perHour: 400, ip: { "10.0.1.\(p)" }, principal: "svc_\(p)") }
        let alerts = s.run()
        #expect(alerts.firing.count == 1, "\(alerts.summary)")
        #expect(alerts.firing.first?.scope == .global)
        #expect(alerts.firing.first?.detector == .volumeSurge)
    }

    @Test func dailyRhythmIsNotASurge() {
        var s = Streams()
        rhythmic(&s, principal: "svc_day", dayRate: 300, days: 5)
        let alerts = s.run()
        #expect(alerts.isEmpty, "\(alerts.summary)")
    }

    @Test func steadyGrowthIsNotASurge() {
        var s = Streams()
        // Tripling over three days: a factor of 3^(1/3) a day.
        rhythmic(&s, principal: "svc_grow", dayRate: 200, days: 4, growthPerDay: pow(3, 1.0 / 3))
        let alerts = s.run()
        #expect(alerts.isEmpty, "\(alerts.summary)")
    }

    @Test func aRegularBurstyJobSeenWhileLearningIsNormal() {
        var s = Streams()
        var h: Int64 = 0
        while h < 72 {
            let top = S.t0 + h * S.hour + 5 * S.minute
            for i in 0..<150 { s.add(top + Int64(i) * 300, ip: "10.0.0.4", principal: "svc_backup") }
            h += 1
        }
        let alerts = s.run()
        #expect(alerts.isEmpty, "\(alerts.summary)")
    }

    @Test func tinyNumbersStayQuiet() {
        var s = Streams()
        s.add(S.t0, ip: "10.0.0.5", principal: "svc_tiny")
        for i in 0..<4 { s.add(S.t0 + 2 * S.day + Int64(i) * S.minute, ip: "10.0.0.5", principal: "svc_tiny") }
        #expect(s.run().isEmpty)
    }

    @Test func noAlertWhileLearning() {
        var s = Streams()
        s.steady(from: S.t0, to: S.t0 + 12 * S.hour, perHour: 10, ip: { "10.0.0.6" }, principal: "svc_new")
        s.steady(from: S.t0 + 6 * S.hour, to: S.t0 + 6 * S.hour + 30 * S.minute, perHour: 1000, ip: { "10.0.0.6" }, principal: "svc_new")
        #expect(s.run().isEmpty)
    }
}
