import AnomalyEngine
import Foundation
import LogIngest
import LogwatchCore
import TrafficReport

/// What `report` is asked to do.
public struct ReportSettings {
    public var files: [String]
    /// Where the page goes; `-` for standard output.
    public var output: String
    public var configPath: String?
    public var ingest = IngestOptions()
    public var since: String?
    public var until: String?
    public var progress: Bool?
    public var jobs = 1

    public init(files: [String], output: String) {
        self.files = files
        self.output = output
    }
}

/// `logwatch report`: every detector over the inputs, as `scan` runs them, and one HTML page
/// of the traffic and the incidents.
public enum ReportRun {
    /// - Throws: `RunExit.failed` when the configuration or the output cannot be used, or after
    ///   an input error (the report is written with what could be read).
    public static func run(_ settings: ReportSettings) throws(RunExit) {
        let session = try RunSession(configPath: settings.configPath)
        let engineConfig = session.engineConfiguration
        let options = settings.ingest
        let window = RunSession.window(since: settings.since, until: settings.until, zone: options.naiveZone)
        let files = settings.files
        let output = settings.output

        // Open the output first: an unwritable path fails before a long read, not after.
        let out: BufferedOutput
        if output == "-" {
            out = BufferedOutput(fd: 1)
        } else {
            let fd = open(output, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
            guard fd >= 0 else {
                printError("logwatch: cannot write the report to \(TextSafety.escape(output)): \(String(cString: strerror(errno)))")
                throw .failed
            }
            out = BufferedOutput(fd: fd)
        }

        let engine = Engine(configuration: engineConfig)
        RunSession.limitFuture(engine)
        let collector = TrafficCollector()
        let merge = MergedInputs(paths: files, options: options, readAhead: settings.jobs > 1 ? settings.jobs : 0)
        let display = ProgressDisplay.start(requested: settings.progress, inputs: files)
        merge.progress = display?.counter
        let stream = EventBatches(merge, jobs: settings.jobs)
        var batch = stream.makeBatch()
        var alerts: [Alert] = []
        var outside: Int64 = 0
        while stream.next(&batch) {
            for i in 0..<batch.count {
                let event = batch[i]
                guard window.contains(event.time) else { outside += 1; continue }
                let future = engine.stats.future
                engine.process(event, into: &alerts)
                // Events too far ahead of the clock are not judged, and not charted either: one
                // garbled year would stretch the time axis over nothing.
                if engine.stats.future == future { collector.add(event) }
                for a in alerts { collector.add(a) }
                alerts.removeAll(keepingCapacity: true)
            }
        }
        engine.finish(into: &alerts)
        for a in alerts { collector.add(a) }
        display?.finish()

        var facts = ReportFacts()
        facts.version = LogwatchVersion.current
        facts.generatedAt = Int64(Date().timeIntervalSince1970 * 1000)
        facts.configPath = settings.configPath
        facts.settings = settingsTable(engineConfig)
        for (i, name) in files.enumerated() { facts.inputNames[Int32(i)] = name }
        // In the command line's order.
        let order = Dictionary(files.enumerated().map { ($1, $0) }, uniquingKeysWith: { a, _ in a })
        for (name, s) in merge.summary.perInput.sorted(by: { order[$0.name, default: 0] < order[$1.name, default: 0] }) {
            facts.inputs.append(ReportFacts.Input(name: name, format: s.format?.rawValue, lines: s.lines, events: s.events, malformed: s.malformed,
                                                  oversized: s.oversized, bytesRead: s.compressedBytes, decodedBytes: s.decodedBytes))
        }
        facts.unreadableInputs = merge.summary.unreadable
        facts.malformedSamples = merge.summary.malformedSamples.map { "\($0.input):\($0.line): \($0.reason)" }
        facts.late = engine.stats.late
        facts.future = engine.stats.future
        facts.evictions = Int64(engine.stats.evictions.values.reduce(0, +))
        out.write(HTMLReport.render(collector, facts))
        out.flush()
        if out.failed {
            printError("logwatch: writing the report to \(TextSafety.escape(output)) failed: \(String(cString: strerror(errno)))")
            throw .failed
        }

        for line in merge.summary.lines { printError(line) }
        if outside > 0 { printError("  \(NumberFormat.grouped(outside)) events outside --since/--until") }
        let incidents = collector.incidents.count + collector.incidentsNotListed
        printError("  report: \(NumberFormat.grouped(collector.events)) events, \(incidents) incident\(incidents == 1 ? "" : "s")\(output == "-" ? "" : ", written to \(TextSafety.escape(output))")")
        if merge.failed { throw .failed }
    }

    /// The settings that decide what fires, for the report's last section.
    static func settingsTable(_ c: EngineConfiguration) -> [(String, String)] {
        func burst(_ b: BurstThresholds?) -> String {
            guard let b else { return "off" }
            return "\(b.shortThreshold) in \(b.shortWindowMinutes) min or \(b.longThreshold) in \(b.longWindowMinutes) min" + (b.minDistinct > 1 ? ", from at least \(b.minDistinct) distinct keys" : "")
        }
        func rate(_ r: RateThresholds?) -> String {
            guard let r else { return "off" }
            let peak = r.peakRatio > 0 ? "\(r.peakRatio)× the usual peak and " : ""
            return "\(r.ratio)× the usual count in \(r.windowMinutes) min (and \(peak)at least \(r.minCount)), after \(r.learningSeconds / 3600) h of learning"
        }
        var rows: [(String, String)] = [
            ("failed_auth_spike", c.failedAuth.enabled ? "on, resolves after \(c.failedAuth.resolveAfterMinutes) quiet min" : "off"),
            ("failed_auth_spike per source address", burst(c.failedAuth.sourceIP)),
            ("failed_auth_spike per principal", burst(c.failedAuth.principal)),
            ("failed_auth_spike over all traffic", rate(c.failedAuth.global)),
            ("unexpected_source_ip", c.unexpectedSourceIP.enabled ? "on: allowlists \(c.unexpectedSourceIP.allowlists ? "on" : "off"), learning \(c.unexpectedSourceIP.learning ? "\(c.unexpectedSourceIP.learningSeconds / 3600) h" : "off"), networks /\(c.unexpectedSourceIP.ipv4Prefix) and /\(c.unexpectedSourceIP.ipv6Prefix)" : "off"),
            ("volume_surge", c.volumeSurge.enabled ? "on, resolves after \(c.volumeSurge.resolveAfterMinutes) quiet min" : "off"),
            ("volume_surge per principal", rate(c.volumeSurge.principal)),
            ("volume_surge over all traffic", rate(c.volumeSurge.global)),
            ("max_lateness", "\(c.maxLatenessSeconds) s"),
            ("max_keys", NumberFormat.grouped(c.maxKeys)),
            ("realert", "\(c.realertSeconds / 60) min"),
        ]
        for (name, policy) in c.principals.sorted(by: { $0.key < $1.key }) {
            rows.append(("principal \(name)", "allow " + policy.allow.map(\.description).joined(separator: ", ")))
        }
        return rows
    }
}
