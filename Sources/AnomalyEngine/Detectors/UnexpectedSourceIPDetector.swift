import LogwatchCore

/// Successful requests from where a principal should not be: outside its configured allowlist
/// (at once), or, once its networks have been learned, from a network never seen for it.
final class UnexpectedSourceIPDetector {
    private struct Learned {
        let firstSeen: Int64
        /// Known networks and when each was last used, but for the last network looked up,
        /// whose time may be newer in `lastLookup` (see `times`).
        var networks: [IPAddress: Int64] = [:]
        /// The last network looked up, where it is in `networks` and when it was last used:
        /// a principal's requests mostly come from the network of its last one, and they
        /// touch neither the dictionary's table nor its values, whose lookups miss the cache
        /// on a busy log. Valid
        /// while only values change in `networks`, so whatever else changes it calls
        /// `flush()` first and drops this.
        var lastLookup: (network: IPAddress, index: Dictionary<IPAddress, Int64>.Index, used: Int64)?

        /// Marks `network` used at `time`; false when it is not known.
        @inline(__always)
        mutating func use(_ network: IPAddress, at time: Int64) -> Bool {
            if let last = lastLookup, last.network == network {
                if time > last.used { lastLookup!.used = time }
                return true
            }
            flush()
            guard let found = networks.index(forKey: network) else {
                lastLookup = nil
                return false
            }
            lastLookup = (network, found, max(networks.values[found], time))
            return true
        }

        /// Writes the last network's time into `networks`.
        mutating func flush() {
            if let last = lastLookup, last.used > networks.values[last.index] { networks.values[last.index] = last.used }
        }

        /// Every known network and when it was last used.
        var times: [IPAddress: Int64] {
            var all = networks
            if let last = lastLookup, last.used > all[last.network, default: Int64.min] { all[last.network] = last.used }
            return all
        }

        /// The networks for a message: most recently used first, then by address (deterministic).
        var byRecency: [IPAddress] {
            times.sorted { $0.value != $1.value ? $0.value > $1.value : $0.key < $1.key }.map(\.key)
        }
    }

    private struct IncidentKey: Hashable {
        let principal: String
        let network: IPAddress
    }

    private let settings: UnexpectedSourceIPSettings
    private let policies: [String: PrincipalPolicy]
    private let realertMs: Int64
    private var learned: KeyedStore<String, Learned>
    private var book = IncidentBook<IncidentKey>(detector: .unexpectedSourceIP, scope: .principal)
    var openIncidents: Int { book.open.count }
    private var incidentNetworks: [IncidentKey: (samples: [Origin], lastEvent: Int64, allowlist: Bool)] = [:]

    init(settings: UnexpectedSourceIPSettings, policies: [String: PrincipalPolicy], realertSeconds: Int64, maxKeys: Int) {
        self.settings = settings
        self.policies = policies
        realertMs = realertSeconds * 1000
        learned = KeyedStore(maxKeys: maxKeys)
    }

    var evictions: Int { learned.evictions }
    var trackedKeys: Int { learned.count }

    private func network(of ip: IPAddress) -> IPNetwork {
        IPNetwork(containing: ip, prefixLength128: ip.isIPv4 ? 96 + settings.ipv4Prefix : settings.ipv6Prefix)
    }

    /// `principalHash` is the principal's `storeHash`. Inlined into the engine, the work too:
    /// it has one caller, and runs for every event.
    @inline(__always)
    func observe(_ e: Observed, minute: Int64, principalHash: UInt64, into alerts: inout [Alert]) {
        guard e.outcome == .success, let principal = e.principal, let ip = e.sourceIP else { return }
        let net = network(of: ip)
        let incidentKey = IncidentKey(principal: principal, network: net.address)
        if !book.open.isEmpty && book.isOpen(incidentKey) {
            // The same unexpected network in use again: part of the incident already raised.
            book.add(incidentKey, count: 1, lastEvent: e.time, sample: e.origin)
            if var info = incidentNetworks[incidentKey] {
                info.lastEvent = max(info.lastEvent, e.time)
                if info.samples.count < 5 { info.samples.append(e.origin) }
                incidentNetworks[incidentKey] = info
            }
            if let a = holds(incidentKey, principal: principal, ip: ip, net: net, e: e, minute: minute, allowlist: incidentNetworks[incidentKey]?.allowlist ?? false) {
                alerts.append(a)
            }
            if incidentNetworks[incidentKey]?.allowlist == false { remember(principal, net.address, e.time) }
            return
        }
        if settings.allowlists, !policies.isEmpty, let policy = policies[principal], !policy.allow.isEmpty {
            guard !policy.allow.contains(where: { $0.contains(ip) }) else { return }
            incidentNetworks[incidentKey] = ([e.origin], e.time, true)
            if let a = holds(incidentKey, principal: principal, ip: ip, net: net, e: e, minute: minute, allowlist: true) { alerts.append(a) }
            return
        }
        guard settings.learning else { return }
        let slot = learned.slot(for: principal, hash: principalHash, now: e.time, make: { Learned(firstSeen: e.time) }, protect: { _ in false })
        let known = learned.modify(slot) { $0.use(net.address, at: e.time) }
        if known { return }
        let state = learned.states[slot]!
        if e.time >= state.firstSeen + settings.learningSeconds * 1000 {
            incidentNetworks[incidentKey] = ([e.origin], e.time, false)
            if let a = holds(incidentKey, principal: principal, ip: ip, net: net, e: e, minute: minute, allowlist: false, known: state.byRecency) {
                alerts.append(a)
            }
        }
        remember(principal, net.address, e.time)
    }

    /// Adds a network to what is usual for a principal. Past the cap, the least recently used
    /// tenth is forgotten in one pass, so a principal seen from everywhere costs O(1) amortised.
    private func remember(_ principal: String, _ network: IPAddress, _ time: Int64) {
        guard let slot = learned.find(principal) else { return }
        let cap = settings.maxNetworksPerPrincipal
        learned.modify(slot) { state in
            state.flush()
            state.lastLookup = nil
            if let used = state.networks[network] {
                if time > used { state.networks[network] = time }
                return
            }
            if state.networks.count >= cap {
                let drop = state.networks.sorted { $0.value != $1.value ? $0.value < $1.value : $0.key < $1.key }.prefix(max(1, cap / 10))
                for (net, _) in drop { state.networks[net] = nil }
            }
            state.networks[network] = time
        }
    }

    private func holds(_ key: IncidentKey, principal: String, ip: IPAddress, net: IPNetwork, e: Observed,
                       minute: Int64, allowlist: Bool, known: [IPAddress] = []) -> Alert? {
        let info = incidentNetworks[key]
        let message: String
        if allowlist {
            let allowed = (policies[principal]?.allow ?? []).map(\.description).joined(separator: ", ")
            message = "\(principal): successful request from \(ip) (network \(net)), outside its allowlist \(allowed)"
        } else {
            let knownText = known.prefix(3).map { IPNetwork(containing: $0, prefixLength128: net.prefixLength128).description }.joined(separator: ", ")
            let more = known.count > 3 ? " and \(known.count - 3) more" : ""
            message = "\(principal): successful request from \(ip) (network \(net)), never seen for it after \(settings.learningSeconds / 3600) h of learning (usual: \(knownText)\(more))"
        }
        let finding = IncidentFinding(
            key: AlertKey(principal: principal, sourceIP: ip), minute: minute,
            windowStart: info.map { _ in e.time } ?? e.time, windowEnd: e.time,
            observed: 1, baseline: nil, threshold: 1, severity: allowlist ? .critical : .warning, message: message,
            firstEvent: e.time, lastEvent: info?.lastEvent ?? e.time, samples: info?.samples ?? [e.origin])
        return book.holds(key, finding, realertMs: realertMs)
    }

    func close(minute m: Int64, into alerts: inout [Alert]) {
        // An unexpected network is an incident while it keeps being used.
        for key in book.open.keys {
            if let last = incidentNetworks[key]?.lastEvent { book.stillHolds(key, minute: minuteOf(last)) }
        }
        for (key, alert) in book.resolveQuiet(at: m, afterMinutes: settings.resolveAfterMinutes, noun: "successful requests", describe: { k in
            "\(k.principal ?? "?") from \(k.sourceIP?.description ?? "?")"
        }) {
            incidentNetworks[key] = nil
            alerts.append(alert)
        }
    }
}

// MARK: - State that outlives a process

extension UnexpectedSourceIPDetector {
    /// Learned networks are kept only under the same prefix lengths.
    var shape: String { "unexpected_source_ip v4=/\(settings.ipv4Prefix) v6=/\(settings.ipv6Prefix)" }

    func write(to w: inout SnapshotWriter) {
        learned.write(to: &w, key: { $0.string($1) }, state: { w, s in
            w.int(s.firstSeen)
            w.array(s.times.sorted { $0.key < $1.key }) { w, n in w.write(n.key); w.int(n.value) }
        })
        book.write(to: &w) { w, k in w.string(k.principal); w.write(k.network) }
        w.array(incidentNetworks.sorted { ($0.key.principal, $0.key.network) < ($1.key.principal, $1.key.network) }) { w, entry in
            w.string(entry.key.principal); w.write(entry.key.network)
            w.write(entry.value.samples); w.int(entry.value.lastEvent); w.bool(entry.value.allowlist)
        }
    }

    func restore(from r: inout SnapshotReader) throws(SnapshotError) {
        learned = try KeyedStore(from: &r, maxKeys: learned.maxKeys, key: { r throws(SnapshotError) in try r.string() }, state: { r throws(SnapshotError) in
            var s = Learned(firstSeen: try r.time())
            for _ in 0..<(try r.count()) { s.networks[try r.read(IPAddress.self)] = try r.time() }
            return s
        })
        book = try IncidentBook(from: &r, detector: .unexpectedSourceIP, scope: .principal) { r throws(SnapshotError) in
            IncidentKey(principal: try r.string(), network: try r.read())
        }
        incidentNetworks = [:]
        for _ in 0..<(try r.count()) {
            let key = IncidentKey(principal: try r.string(), network: try r.read())
            incidentNetworks[key] = (try r.read([Origin].self), try r.time(), try r.bool())
        }
    }
}
