/// Successful requests from where a principal should not be: outside its configured allowlist
/// (at once), or, once its networks have been learned, from a network never seen for it.
final class UnexpectedSourceIPDetector {
    private struct Learned {
        let firstSeen: Int64
        var networks: [IPAddress] = []
        var lastUsed: [Int64] = []
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

    func observe(_ e: TransactionEvent, minute: Int64, into alerts: inout [Alert]) {
        guard e.outcome == .success, let principal = e.principal, let ip = e.sourceIP else { return }
        let net = network(of: ip)
        let incidentKey = IncidentKey(principal: principal, network: net.address)
        if book.isOpen(incidentKey) {
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
        if settings.allowlists, let policy = policies[principal], !policy.allow.isEmpty {
            guard !policy.allow.contains(where: { $0.contains(ip) }) else { return }
            incidentNetworks[incidentKey] = ([e.origin], e.time, true)
            if let a = holds(incidentKey, principal: principal, ip: ip, net: net, e: e, minute: minute, allowlist: true) { alerts.append(a) }
            return
        }
        guard settings.learning else { return }
        let slot = learned.slot(for: principal, now: e.time, make: { Learned(firstSeen: e.time) }, protect: { _ in false })
        let known = learned.modify(slot) { state -> Bool in
            guard let i = state.networks.firstIndex(of: net.address) else { return false }
            state.lastUsed[i] = max(state.lastUsed[i], e.time)
            return true
        }
        if known { return }
        let state = learned.states[slot]!
        if e.time >= state.firstSeen + settings.learningSeconds * 1000 {
            incidentNetworks[incidentKey] = ([e.origin], e.time, false)
            if let a = holds(incidentKey, principal: principal, ip: ip, net: net, e: e, minute: minute, allowlist: false, known: state.networks) {
                alerts.append(a)
            }
        }
        remember(principal, net.address, e.time)
    }

    /// Adds a network to what is usual for a principal, forgetting the least recently used past the cap.
    private func remember(_ principal: String, _ network: IPAddress, _ time: Int64) {
        guard let slot = learned.find(principal) else { return }
        let cap = settings.maxNetworksPerPrincipal
        learned.modify(slot) { state in
            if let i = state.networks.firstIndex(of: network) {
                state.lastUsed[i] = max(state.lastUsed[i], time)
                return
            }
            if state.networks.count >= cap, let oldest = state.lastUsed.indices.min(by: { state.lastUsed[$0] < state.lastUsed[$1] }) {
                state.networks.remove(at: oldest)
                state.lastUsed.remove(at: oldest)
            }
            state.networks.append(network)
            state.lastUsed.append(time)
        }
    }

    private func holds(_ key: IncidentKey, principal: String, ip: IPAddress, net: IPNetwork, e: TransactionEvent,
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
