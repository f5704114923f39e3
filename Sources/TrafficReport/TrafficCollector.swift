import LogwatchCore
import Histogram

/// What a principal did, for the report's table of principals.
public struct PrincipalTally: Sendable {
    public var failures: Int64 = 0
    public var errors: Int64 = 0
    /// Source networks (IPv4 /24, IPv6 /64), up to 100.
    public var networks = CappedSet<IPAddress>(limit: 100)
}

/// What a source address did wrong, for the report's table of addresses by failures.
public struct AddressTally: Sendable {
    /// Principals it tried, up to 100.
    public var principals = CappedSet<String>(limit: 100)
    public var lastFailure: Int64 = .min
}

/// Per API style: requests, failures and response times.
public struct ProtocolTally: Sendable {
    public var requests: Int64 = 0
    public var authFailures: Int64 = 0
    public var errors: Int64 = 0
    public var durations: Histogram<UInt64>?
}

/// One incident: its first alert, its reminders and its resolution.
public struct IncidentRecord: Sendable {
    public var opened: Alert
    public var resolved: Alert?
    public var reminders = 0
    /// End of the incident on the timeline: its resolution's window end, or the last event.
    public var end: Int64? { resolved?.windowEnd }
}

/// Everything the report shows, gathered in one pass over the events and the alerts, in
/// memory bounded by its settings whatever the input's size: time buckets (`maxBuckets`),
/// heaviest principals and addresses (`topCapacity` each), statuses (at most 1,000 distinct),
/// and incidents (`maxIncidents`, the rest counted).
public final class TrafficCollector {
    public private(set) var buckets: TimeBuckets
    public private(set) var principals: TopKeys<String, PrincipalTally>
    public private(set) var failingAddresses: TopKeys<IPAddress, AddressTally>
    public private(set) var protocols = [ProtocolTally](repeating: ProtocolTally(), count: APIProtocol.allCases.count)
    public private(set) var statuses: [Int: Int64] = [:]
    /// Events whose status did not fit in the status table (more than 1,000 distinct values).
    public private(set) var otherStatuses: Int64 = 0
    public private(set) var noStatus: Int64 = 0
    public private(set) var failureReasons: [FailureReason: Int64] = [:]
    public private(set) var overallDurations: Histogram<UInt64>?
    public private(set) var events: Int64 = 0
    public private(set) var withoutPrincipal: Int64 = 0
    public private(set) var withoutAddress: Int64 = 0
    /// Events the charts could not place (thousands of years away from the others).
    public private(set) var unplotted: Int64 = 0
    public private(set) var firstEvent: Int64 = .max
    public private(set) var lastEvent: Int64 = .min

    public let maxIncidents: Int
    public private(set) var incidents: [IncidentRecord] = []
    private var incidentIndex: [String: Int] = [:]
    /// Incidents beyond `maxIncidents`, counted by detector and scope.
    public private(set) var incidentsNotListed = 0
    public private(set) var alertsByKind: [String: Int] = [:]

    public init(maxBuckets: Int = 480, topCapacity: Int = 2_000, maxIncidents: Int = 2_000) {
        buckets = TimeBuckets(maxBuckets: maxBuckets)
        principals = TopKeys(capacity: topCapacity) { PrincipalTally() }
        failingAddresses = TopKeys(capacity: topCapacity) { AddressTally() }
        self.maxIncidents = maxIncidents
    }

    public func add(_ event: TransactionEvent) {
        events += 1
        firstEvent = min(firstEvent, event.time)
        lastEvent = max(lastEvent, event.time)
        if !buckets.add(event) { unplotted += 1 }
        let p = Int(event.apiProtocol.rawValue)
        protocols[p].requests += 1
        let failed = event.outcome == .authFailure
        let errored = event.outcome == .error || event.outcome == .denied
        if failed { protocols[p].authFailures += 1 }
        if errored { protocols[p].errors += 1 }
        if let reason = event.failureReason, failed { failureReasons[reason, default: 0] += 1 }
        if let ms = event.durationMs, let units = DurationScale.units(ms) {
            if protocols[p].durations == nil { protocols[p].durations = DurationScale.histogram() }
            _ = protocols[p].durations!.record(units)
            if overallDurations == nil { overallDurations = DurationScale.histogram() }
            _ = overallDurations!.record(units)
        }
        if let status = event.status {
            if statuses[status] != nil || statuses.count < 1_000 { statuses[status, default: 0] += 1 } else { otherStatuses += 1 }
        } else {
            noStatus += 1
        }
        let network = event.sourceIP.map { $0.masked(toPrefix: $0.isIPv4 ? 120 : 64) }
        if let principal = event.principal {
            principals.add(principal) { t in
                if failed { t.failures += 1 }
                if errored { t.errors += 1 }
                if let network { t.networks.insert(network) }
            }
        } else {
            withoutPrincipal += 1
        }
        if let ip = event.sourceIP {
            if failed {
                failingAddresses.add(ip) { t in
                    if let principal = event.principal { t.principals.insert(principal) }
                    t.lastFailure = max(t.lastFailure, event.time)
                }
            }
        } else {
            withoutAddress += 1
        }
    }

    public func add(_ alert: Alert) {
        if let i = incidentIndex[alert.id] {
            switch (alert.status, alert.isReminder) {
            case (.resolved, _): incidents[i].resolved = alert
            case (.firing, true): incidents[i].reminders += 1
            case (.firing, false): break
            }
            return
        }
        guard alert.status == .firing, !alert.isReminder else { return }
        alertsByKind["\(alert.detector.rawValue)/\(alert.scope.rawValue)", default: 0] += 1
        guard incidents.count < maxIncidents else {
            incidentsNotListed += 1
            return
        }
        incidentIndex[alert.id] = incidents.count
        incidents.append(IncidentRecord(opened: alert))
    }

    /// The value at a percentile of a duration histogram, in milliseconds.
    public static func milliseconds(_ h: Histogram<UInt64>, percentile: Double) -> Double {
        DurationScale.milliseconds(h.valueAtPercentile(percentile))
    }
}
