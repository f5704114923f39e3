import Testing
import LogwatchCore

@Suite struct AlertPhaseTests {
    static func alert(status: AlertStatus, reminder: Bool) -> Alert {
        Alert(id: "0123456789abcdef", detector: .volumeSurge, scope: .global, key: AlertKey(), severity: .warning, status: status,
              windowStart: 0, windowEnd: 60_000, observed: 1, baseline: nil, threshold: 1, score: 1, message: "m",
              evidence: Evidence(firstEvent: 0, lastEvent: 0, samples: []), incidentStart: 0, isReminder: reminder)
    }

    @Test func eachAlertHasOnePhaseWithItsStoredNameAndLabel() {
        #expect(Self.alert(status: .firing, reminder: false).phase == .firing)
        #expect(Self.alert(status: .firing, reminder: true).phase == .reminder)
        #expect(Self.alert(status: .resolved, reminder: false).phase == .resolved)
        #expect(AlertPhase.allCases.map(\.rawValue) == ["firing", "reminder", "resolved"])
        #expect(AlertPhase.allCases.map(\.label) == ["FIRING", "ONGOING", "RESOLVED"])
    }
}
