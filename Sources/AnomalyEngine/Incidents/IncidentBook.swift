import LogwatchCore

/// The open incidents of one detector and scope: one alert when a condition starts, a
/// reminder at most every `realert`, and a resolution once it has been false for a while.
struct IncidentBook<Key: Hashable> {
    struct Incident {
        let id: String
        let key: AlertKey
        let start: Int64
        var lastTrueMinute: Int64
        var lastAlertTime: Int64
        var total: Double
        var peakObserved: Double
        var firstEvent: Int64
        var lastEvent: Int64
        var samples: [Origin]
        var threshold: Double
        var baseline: Double?
        var severity: Severity
    }

    let detector: DetectorKind
    let scope: AlertScope
    private(set) var open: [Key: Incident] = [:]

    init(detector: DetectorKind, scope: AlertScope) {
        self.detector = detector
        self.scope = scope
    }

    func isOpen(_ key: Key) -> Bool { open[key] != nil }

    typealias Finding = IncidentFinding

    /// Records that the condition holds; returns the alert to send, if any. `countedLater`
    /// events of the finding are left out of a new incident's total (they are added when
    /// their minute closes).
    mutating func holds(_ key: Key, _ f: Finding, realertMs: Int64, countedLater: Int = 0) -> Alert? {
        let now = (f.minute + 1) * 60_000
        if var incident = open[key] {
            incident.lastTrueMinute = f.minute
            incident.peakObserved = max(incident.peakObserved, f.observed)
            incident.lastEvent = max(incident.lastEvent, f.lastEvent)
            if f.severity > incident.severity { incident.severity = f.severity }
            defer { open[key] = incident }
            guard now - incident.lastAlertTime >= realertMs else { return nil }
            incident.lastAlertTime = now
            return alert(for: incident, f, status: .firing, reminder: true, message: f.message + " (still going since \(EventTime.rfc3339(incident.start)))")
        }
        let start = f.minute * 60_000
        let incident = Incident(
            id: AlertID.make(detector, scope, f.key, start: start), key: f.key, start: start,
            lastTrueMinute: f.minute, lastAlertTime: now, total: f.observed - Double(countedLater), peakObserved: f.observed,
            firstEvent: f.firstEvent, lastEvent: f.lastEvent, samples: f.samples,
            threshold: f.threshold, baseline: f.baseline, severity: f.severity)
        open[key] = incident
        return alert(for: incident, f, status: .firing, reminder: false, message: f.message)
    }

    /// Whether `holds` for a finding at `minute` would make an alert (so needs its message):
    /// a new incident, or a reminder that is due.
    func wouldAlert(_ key: Key, minute: Int64, realertMs: Int64) -> Bool {
        guard let incident = open[key] else { return true }
        return (minute + 1) * 60_000 - incident.lastAlertTime >= realertMs
    }

    /// Adds a closed minute's events to an open incident's totals. Counting by closed minute,
    /// not by arriving event, keeps totals independent of the order events arrived in.
    mutating func add(_ key: Key, count: Int, lastEvent: Int64, sample: Origin? = nil) {
        guard var incident = open[key] else { return }
        incident.total += Double(count)
        incident.lastEvent = max(incident.lastEvent, lastEvent)
        if let sample, incident.samples.count < 5, !incident.samples.contains(sample) { incident.samples.append(sample) }
        open[key] = incident
    }

    /// Marks an open incident's condition as still holding at `minute`, without any alert.
    mutating func stillHolds(_ key: Key, minute: Int64) {
        guard var incident = open[key], minute > incident.lastTrueMinute else { return }
        incident.lastTrueMinute = minute
        open[key] = incident
    }

    /// Resolves incidents whose condition has been false for `afterMinutes` as of minute `m`.
    mutating func resolveQuiet(at m: Int64, afterMinutes: Int, noun: String, describe: (AlertKey) -> String) -> [(Key, Alert)] {
        var resolved: [(Key, Alert)] = []
        for (key, incident) in open where m - incident.lastTrueMinute >= Int64(afterMinutes) {
            let minutes = max(1, (incident.lastEvent - incident.firstEvent) / 60_000)
            let peak = detector == .unexpectedSourceIP ? "" : ", peak \(NumberFormat.message(incident.peakObserved)) in one window"
            let message = "\(describe(incident.key)): resolved; \(NumberFormat.message(incident.total)) \(noun) over \(minutes) min\(peak)"
            let a = Alert(
                id: incident.id, detector: detector, scope: scope, key: incident.key, severity: incident.severity,
                status: .resolved, windowStart: incident.firstEvent, windowEnd: incident.lastEvent,
                observed: incident.total, baseline: incident.baseline, threshold: incident.threshold,
                score: incident.peakObserved / max(incident.threshold, 1e-9), message: message,
                evidence: Evidence(firstEvent: incident.firstEvent, lastEvent: incident.lastEvent, samples: incident.samples),
                incidentStart: incident.start, isReminder: false)
            resolved.append((key, a))
        }
        for (key, _) in resolved { open[key] = nil }
        return resolved
    }

    private func alert(for incident: Incident, _ f: Finding, status: AlertStatus, reminder: Bool, message: String) -> Alert {
        Alert(
            id: incident.id, detector: detector, scope: scope, key: f.key, severity: f.severity, status: status,
            windowStart: f.windowStart, windowEnd: f.windowEnd, observed: f.observed, baseline: f.baseline,
            threshold: f.threshold, score: f.observed / max(f.threshold, 1e-9), message: message,
            evidence: Evidence(firstEvent: f.firstEvent, lastEvent: f.lastEvent, samples: f.samples),
            incidentStart: incident.start, isReminder: reminder)
    }
}

/// The facts of one evaluation in which the condition held.
struct IncidentFinding {
    var key: AlertKey
    var minute: Int64
    var windowStart: Int64
    var windowEnd: Int64
    var observed: Double
    var baseline: Double?
    var threshold: Double
    var severity: Severity
    var message: String
    var firstEvent: Int64
    var lastEvent: Int64
    var samples: [Origin]
}


extension IncidentBook.Incident: SnapshotCodable {
    func write(to w: inout SnapshotWriter) {
        w.string(id); w.write(key); w.int(start); w.int(lastTrueMinute); w.int(lastAlertTime)
        w.double(total); w.double(peakObserved); w.int(firstEvent); w.int(lastEvent)
        w.write(samples); w.double(threshold); w.optional(baseline) { $0.double($1) }
        w.string(severity.rawValue)
    }

    init(from r: inout SnapshotReader) throws(SnapshotError) {
        id = try r.string(); key = try r.read(); start = try r.time(); lastTrueMinute = try r.time()
        lastAlertTime = try r.time(); total = try r.double(); peakObserved = try r.double()
        firstEvent = try r.time(); lastEvent = try r.time(); samples = try r.read()
        threshold = try r.double(); baseline = try r.optional { r throws(SnapshotError) in try r.double() }
        severity = try r.rawEnum(Severity.self)
    }
}

extension IncidentBook {
    func write(to w: inout SnapshotWriter, key: (inout SnapshotWriter, Key) -> Void) {
        // Sorted by incident id, so equal states give equal bytes.
        w.array(open.sorted { $0.value.id < $1.value.id }) { w, entry in
            key(&w, entry.key)
            w.write(entry.value)
        }
    }

    init(from r: inout SnapshotReader, detector: DetectorKind, scope: AlertScope,
         key: (inout SnapshotReader) throws(SnapshotError) -> Key) throws(SnapshotError) {
        self.init(detector: detector, scope: scope)
        for _ in 0..<(try r.count()) {
            let k = try key(&r)
            open[k] = try r.read(Incident.self)
        }
    }
}
