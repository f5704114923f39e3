/// Where an alert stands in its incident's life: it starts (firing), reminds while the
/// incident goes on, or ends it. The one mapping from an alert to its phase, its stored name
/// and its label for people.
public enum AlertPhase: String, Sendable, CaseIterable {
    case firing
    case reminder
    case resolved

    /// `FIRING`, `ONGOING`, `RESOLVED`: for text output and messages.
    public var label: String {
        switch self {
        case .firing: "FIRING"
        case .reminder: "ONGOING"
        case .resolved: "RESOLVED"
        }
    }
}

extension Alert {
    public var phase: AlertPhase {
        status == .resolved ? .resolved : isReminder ? .reminder : .firing
    }
}
