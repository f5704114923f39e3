import LogwatchCore

/// Fixed thresholds over a short and a long sliding window (failed logins per address or principal).
public struct BurstThresholds: Sendable, Equatable {
    /// A burst: this many failures within `shortWindowMinutes`.
    public var shortWindowMinutes = 5
    public var shortThreshold = 20
    /// A slow brute force: this many failures within `longWindowMinutes`.
    public var longWindowMinutes = 60
    public var longThreshold = 60
    /// Alert only when the failures came from (or went to) at least this many distinct
    /// counterparts: addresses for the principal scope, where one address alone is already the
    /// source-address scope's alert.
    public var minDistinct = 1

    public init() {}
}

/// A rate compared with its own learned baseline (all failures, or request volume).
public struct RateThresholds: Sendable, Equatable {
    /// The sliding window counted, and the size of the buckets the baseline learns from.
    public var windowMinutes = 20
    /// Alert when the window holds at least this many times the usual count per window...
    public var ratio = 6.0
    /// ...and at least this many times the highest window seen recently (0 turns this off),
    /// so regular bursty jobs seen before stay quiet...
    public var peakRatio = 2.0
    /// ...and at least this many events, so tiny numbers stay quiet.
    public var minCount = 10
    /// No alert until this much event time has passed since the key's first event.
    public var learningSeconds: Int64 = 86_400
    /// How fast the usual rate follows change (a day averages out day and night).
    public var baselineHalfLifeSeconds: Int64 = 86_400
    /// How fast a past peak is forgotten.
    public var peakHalfLifeSeconds: Int64 = 7 * 86_400

    public init() {}
}

public struct FailedAuthSettings: Sendable, Equatable {
    public var enabled = true
    /// nil turns a scope off.
    public var sourceIP: BurstThresholds? = BurstThresholds()
    public var principal: BurstThresholds? = {
        var b = BurstThresholds()
        b.minDistinct = 3
        return b
    }()
    public var global: RateThresholds? = {
        var r = RateThresholds()
        r.windowMinutes = 10
        r.ratio = 5
        r.peakRatio = 0 // a second attack as large as the last is still an attack
        r.minCount = 50
        return r
    }()
    /// An incident ends after its condition has been false for this long.
    public var resolveAfterMinutes = 15
    /// Count `denied` (a 403 with no authentication reason) as failed logins too.
    public var countDenied = false

    public init() {}
}

public struct UnexpectedSourceIPSettings: Sendable, Equatable {
    public var enabled = true
    /// Alert on successful requests from outside a principal's configured allowlist.
    public var allowlists = true
    /// Learn each other principal's networks, then alert on a new one.
    public var learning = true
    public var learningSeconds: Int64 = 86_400
    /// Addresses are grouped into networks of this prefix length.
    public var ipv4Prefix = 24
    public var ipv6Prefix = 64
    /// Networks remembered per principal; the least recently used is forgotten past this.
    public var maxNetworksPerPrincipal = 256
    /// An incident ends when the network has not been used for this long.
    public var resolveAfterMinutes = 60

    public init() {}
}

public struct VolumeSurgeSettings: Sendable, Equatable {
    public var enabled = true
    public var principal: RateThresholds? = RateThresholds()
    public var global: RateThresholds? = {
        var r = RateThresholds()
        r.ratio = 4
        r.peakRatio = 1.5
        r.minCount = 100
        return r
    }()
    public var resolveAfterMinutes = 15

    public init() {}
}

/// What is known about one principal in advance.
public struct PrincipalPolicy: Sendable, Equatable {
    /// Networks its successful requests may come from; empty means no allowlist.
    public var allow: [IPNetwork]

    public init(allow: [IPNetwork]) { self.allow = allow }
}

/// Everything the engine can be told. Every default works with no configuration.
public struct EngineConfiguration: Sendable, Equatable {
    /// Events this far behind the newest event seen still count in their own window.
    public var maxLatenessSeconds: Int64 = 60
    /// Events further than this ahead of the machine's clock are not judged (see `Engine.futureLimit`).
    public var maxFutureSeconds: Int64 = 3600
    /// Keys tracked per detector scope; the least recently seen are evicted past this. A flood
    /// of distinct addresses and principals fills four tables, so memory under a flood grows
    /// with four times this (docs/detectors.md gives the measured figure).
    public var maxKeys = 200_000
    /// While an incident goes on, a reminder is sent at most this often.
    public var realertSeconds: Int64 = 6 * 3600
    public var failedAuth = FailedAuthSettings()
    public var unexpectedSourceIP = UnexpectedSourceIPSettings()
    public var volumeSurge = VolumeSurgeSettings()
    public var principals: [String: PrincipalPolicy] = [:]

    public init() {}
}
