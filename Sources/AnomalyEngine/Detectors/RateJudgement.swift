import LogwatchCore

/// The rule shared by rate-based scopes: learned, above the minimum, the ratio to the usual
/// count, and the ratio to the recent peak.
enum RateJudgement {
    static func evaluate(_ b: inout RateBaseline, thresholds t: RateThresholds, decay: (mean: Double, peak: Double),
                         minute m: Int64, key: AlertKey, name: String, noun: String, lastEvent: Int64,
                         samples: @autoclosure () -> [Origin], explained: Int = 0) -> IncidentFinding? {
        let window = max(0, b.window(endingAt: m, window: t.windowMinutes, decay: decay) - explained)
        let windowStart = m - Int64(t.windowMinutes) + 1
        guard windowStart * 60_000 >= b.firstSeen + t.learningSeconds * 1000 else { return nil }
        let threshold = b.threshold(t)
        guard Double(window) >= threshold else { return nil }
        let excluding = explained > 0 ? ", not counting \(NumberFormat.message(Double(explained))) from keys already alerted" : ""
        let message = "\(name): \(NumberFormat.message(Double(window))) \(noun) in \(t.windowMinutes) min (usual: \(NumberFormat.message(b.mean)); threshold \(NumberFormat.message(threshold))\(excluding))"
        return IncidentFinding(
            key: key, minute: m, windowStart: windowStart * 60_000, windowEnd: (m + 1) * 60_000,
            observed: Double(window), baseline: b.mean, threshold: threshold,
            severity: Double(window) >= 3 * threshold ? .critical : .warning, message: message,
            firstEvent: b.earliest(from: windowStart, through: m) ?? windowStart * 60_000,
            lastEvent: lastEvent, samples: samples())
    }
}
