/// Which detector raised an alert.
public enum DetectorKind: String, Sendable, CaseIterable, Comparable {
    case failedAuthSpike = "failed_auth_spike"
    case unexpectedSourceIP = "unexpected_source_ip"
    case volumeSurge = "volume_surge"

    public static func < (a: DetectorKind, b: DetectorKind) -> Bool { a.rawValue < b.rawValue }
}

/// What an alert is about: one address, one principal, or all traffic.
public enum AlertScope: String, Sendable, CaseIterable, Comparable {
    case sourceIP = "source_ip"
    case principal
    case global

    public static func < (a: AlertScope, b: AlertScope) -> Bool { a.rawValue < b.rawValue }
}

public enum Severity: String, Sendable, Comparable, CaseIterable {
    case info, warning, critical

    private var rank: Int { self == .info ? 0 : self == .warning ? 1 : 2 }
    public static func < (a: Severity, b: Severity) -> Bool { a.rank < b.rank }
}

public enum AlertStatus: String, Sendable {
    case firing, resolved
}

/// The key an alert is about.
public struct AlertKey: Hashable, Sendable, Comparable {
    public var principal: String?
    public var sourceIP: IPAddress?

    public init(principal: String? = nil, sourceIP: IPAddress? = nil) {
        self.principal = principal
        self.sourceIP = sourceIP
    }

    /// A stable text form, used in ids and for ordering.
    public var canonical: String {
        switch (principal, sourceIP) {
        case (nil, nil): "*"
        case (let p?, nil): "principal=" + p
        case (nil, let ip?): "source_ip=" + ip.description
        case (let p?, let ip?): "principal=" + p + ",source_ip=" + ip.description
        }
    }

    public static func < (a: AlertKey, b: AlertKey) -> Bool { a.canonical < b.canonical }
}

/// The events that support an alert.
public struct Evidence: Sendable, Equatable {
    /// Event time of the first and last event counted, milliseconds since the epoch.
    public var firstEvent: Int64
    public var lastEvent: Int64
    /// Up to five origins (input and line) of counted events, earliest first.
    public var samples: [Origin]

    public init(firstEvent: Int64, lastEvent: Int64, samples: [Origin]) {
        self.firstEvent = firstEvent
        self.lastEvent = lastEvent
        self.samples = samples
    }
}

/// One alert: an incident starting (or reminding), or its resolution.
public struct Alert: Sendable, Equatable {
    /// Stable across runs and between `scan` and `tail`: a hash of detector, scope, key and the
    /// event time (minute) at which the incident started.
    public var id: String
    public var detector: DetectorKind
    public var scope: AlertScope
    public var key: AlertKey
    public var severity: Severity
    public var status: AlertStatus
    /// The event-time window of the evidence, milliseconds since the epoch.
    public var windowStart: Int64
    public var windowEnd: Int64
    public var observed: Double
    public var baseline: Double?
    public var threshold: Double
    public var score: Double
    public var message: String
    public var evidence: Evidence
    /// Event time at which the incident started (the minute its condition first held).
    public var incidentStart: Int64
    /// True for the reminders sent every `realert` interval while an incident goes on.
    public var isReminder: Bool
    /// The event time at which the engine decided this alert (the end of the minute judged).
    public var decidedAt: Int64 = 0

    public init(id: String, detector: DetectorKind, scope: AlertScope, key: AlertKey, severity: Severity, status: AlertStatus,
                windowStart: Int64, windowEnd: Int64, observed: Double, baseline: Double?, threshold: Double, score: Double,
                message: String, evidence: Evidence, incidentStart: Int64, isReminder: Bool, decidedAt: Int64 = 0) {
        self.id = id
        self.detector = detector
        self.scope = scope
        self.key = key
        self.severity = severity
        self.status = status
        self.windowStart = windowStart
        self.windowEnd = windowEnd
        self.observed = observed
        self.baseline = baseline
        self.threshold = threshold
        self.score = score
        self.message = message
        self.evidence = evidence
        self.incidentStart = incidentStart
        self.isReminder = isReminder
        self.decidedAt = decidedAt
    }
}

/// Alert ids: stable across platforms and runs, so the same incident has the same id in
/// `scan` and `tail`, in any argument order, on any machine.
package enum AlertID {
    package static func make(_ detector: DetectorKind, _ scope: AlertScope, _ key: AlertKey, start: Int64) -> String {
        StableHash.hex(StableHash.add("\(detector.rawValue)|\(scope.rawValue)|\(key.canonical)|\(start)".utf8, to: StableHash.offsetBasis))
    }
}
