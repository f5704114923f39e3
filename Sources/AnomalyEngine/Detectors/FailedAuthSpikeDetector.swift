import LogwatchCore

/// Failed-authentication spikes: per source address and per principal against fixed thresholds
/// over a short window (bursts) and a long one (slow brute force), and across all traffic
/// against the learned usual rate (password spraying).
final class FailedAuthSpikeDetector {
    private let settings: FailedAuthSettings
    private let realertMs: Int64
    private var byAddress: BurstScope<IPAddress>?
    private var byPrincipal: BurstScope<String>?
    /// Set once (a `let`: calls through a `var` retained and released it on every event).
    private let global: GlobalRate?

    var openIncidents: Int { (byAddress?.openIncidents ?? 0) + (byPrincipal?.openIncidents ?? 0) + (global?.openIncidents ?? 0) }

    init(settings: FailedAuthSettings, realertSeconds: Int64, maxKeys: Int) {
        self.settings = settings
        realertMs = realertSeconds * 1000
        if let t = settings.sourceIP {
            byAddress = BurstScope(scope: .sourceIP, thresholds: t, maxKeys: maxKeys, resolveAfter: settings.resolveAfterMinutes,
                                   alertKey: { AlertKey(sourceIP: $0) }, name: { $0.description }, hashKey: stableHash,
                                   counterpartNoun: ("against", "principal"))
        }
        if let t = settings.principal {
            byPrincipal = BurstScope(scope: .principal, thresholds: t, maxKeys: maxKeys, resolveAfter: settings.resolveAfterMinutes,
                                     alertKey: { AlertKey(principal: $0) }, name: { $0 }, hashKey: stableHash,
                                     counterpartNoun: ("from", "address"))
        }
        global = settings.global.map {
            GlobalRate(detector: .failedAuthSpike, thresholds: $0, resolveAfter: settings.resolveAfterMinutes, noun: "failed logins")
        }
    }

    var evictions: Int { (byAddress?.store.evictions ?? 0) + (byPrincipal?.store.evictions ?? 0) }
    var trackedKeys: Int { (byAddress?.store.count ?? 0) + (byPrincipal?.store.count ?? 0) }

    /// Counts a failure. A burst is reported on the event that crosses its threshold (like
    /// fail2ban's maxretry), not when its minute closes: the count so far can only grow, so the
    /// judgement at the close would hold too, and it then finds the incident already open.
    /// `firstOpenMinute` is the oldest minute not closed yet.
    /// Inlined into the engine for the test every event takes (most are not failures).
    @inline(__always)
    func observe(_ e: Observed, minute: Int64, firstOpenMinute: Int64, principalHash: UInt64, into alerts: inout [Alert]) {
        guard e.outcome == .authFailure else { return }
        observeFailure(e, minute: minute, firstOpenMinute: firstOpenMinute, principalHash: principalHash, into: &alerts)
    }

    private func observeFailure(_ e: Observed, minute: Int64, firstOpenMinute: Int64, principalHash: UInt64, into alerts: inout [Alert]) {
        if let ip = e.sourceIP, let byAddress {
            let slot = byAddress.observe(ip, hash: ip.storeHash, e, minute: minute, counterpart: e.principal.map(stableHash))
            byAddress.judgeEarly(ip, slot: slot, minute: minute, firstOpenMinute: firstOpenMinute, realertMs: realertMs, into: &alerts)
        }
        if let p = e.principal, let byPrincipal {
            let slot = byPrincipal.observe(p, hash: principalHash, e, minute: minute, counterpart: e.sourceIP.map(stableHash))
            byPrincipal.judgeEarly(p, slot: slot, minute: minute, firstOpenMinute: firstOpenMinute, realertMs: realertMs,
                                   explainedCounterparts: byAddress?.openIncidentHashes ?? [], into: &alerts)
        }
        global?.observe(e, minute: minute)
    }

    func close(minute m: Int64, into alerts: inout [Alert]) {
        byAddress?.close(minute: m, realertMs: realertMs, into: &alerts)
        // A principal's failures from an address already in an incident are that incident's.
        byPrincipal?.close(minute: m, realertMs: realertMs, explainedCounterparts: byAddress?.openIncidentHashes ?? [], into: &alerts)
        guard let global, let t = settings.global else { return }
        // Failures from addresses or principals already in an incident are explained: the
        // global scope is for spraying that no single key accounts for.
        let from = m - Int64(t.windowMinutes) + 1
        let explained = max(byAddress?.countInOpenIncidents(from: from, through: m) ?? 0,
                            byPrincipal?.countInOpenIncidents(from: from, through: m) ?? 0)
        global.close(minute: m, realertMs: realertMs, explained: explained, into: &alerts)
    }
}

// MARK: - State that outlives a process

extension FailedAuthSpikeDetector {
    /// What the state's layout depends on: a snapshot taken under other windows is not reused.
    var shape: String {
        func burst(_ t: BurstThresholds?) -> String { t.map { "\($0.shortWindowMinutes)/\($0.longWindowMinutes)" } ?? "off" }
        return "failed_auth source_ip=\(burst(settings.sourceIP)) principal=\(burst(settings.principal)) global=\(settings.global.map { String($0.windowMinutes) } ?? "off")"
    }

    func write(to w: inout SnapshotWriter) {
        w.optional(byAddress) { w, s in s.write(to: &w) }
        w.optional(byPrincipal) { w, s in s.write(to: &w) }
        w.optional(global) { w, g in g.write(to: &w) }
    }

    func restore(from r: inout SnapshotReader) throws(SnapshotError) {
        if try r.bool() {
            guard let byAddress else { throw r.fail("source-address scope not expected") }
            try byAddress.restore(from: &r)
        }
        if try r.bool() {
            guard let byPrincipal else { throw r.fail("principal scope not expected") }
            try byPrincipal.restore(from: &r)
        }
        if try r.bool() {
            guard let global else { throw r.fail("global scope not expected") }
            try global.restore(from: &r)
        }
    }
}
