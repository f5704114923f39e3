import LogwatchCore

/// Counts of alerts by detector and scope, for the summary.
public struct AlertTally {
    public var byKind: [String: Int] = [:]
    public var firing = 0
    public var resolved = 0
    public var reminders = 0

    public init() {}

    public mutating func add(_ a: Alert) {
        switch a.phase {
        case .resolved: resolved += 1
        case .reminder: reminders += 1
        case .firing:
            firing += 1
            byKind["\(a.detector.rawValue)/\(a.scope.rawValue)", default: 0] += 1
        }
    }

    public var line: String {
        let kinds = byKind.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value)" }.joined(separator: ", ")
        return "alerts: \(firing) incident\(firing == 1 ? "" : "s")\(kinds.isEmpty ? "" : " (\(kinds))"), \(reminders) reminder\(reminders == 1 ? "" : "s"), \(resolved) resolved"
    }
}
