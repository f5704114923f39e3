import Foundation
import LogwatchCore

enum AlertFixtures {
    /// A principal's failed-auth incident, as the engine emits it.
    static func alert(principal: String = "partner-acme", status: AlertStatus = .firing, reminder: Bool = false,
                      severity: Severity = .warning, baseline: Double? = 0) -> Alert {
        Alert(id: "c58cc32a0c1bba6c", detector: .failedAuthSpike, scope: .principal, key: AlertKey(principal: principal),
              severity: severity, status: status, windowStart: 1_764_039_660_000, windowEnd: 1_764_039_960_000,
              observed: 20, baseline: baseline, threshold: 20, score: 1,
              message: "\(principal): 20 failed logins in 5 min from 10 addresses (usual: 0; threshold 20)",
              evidence: Evidence(firstEvent: 1_764_039_600_000, lastEvent: 1_764_039_673_000, samples: [Origin(input: 0, line: 7)]),
              incidentStart: 1_764_039_660_000, isReminder: reminder, decidedAt: 1_764_039_673_000)
    }

    static func object(_ text: String) throws -> [String: Any] {
        try JSONSerialization.jsonObject(with: Data(text.utf8)) as! [String: Any]
    }
}
