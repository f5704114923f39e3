import LogwatchCore
import Foundation
import Histogram

/// What the report says about the run itself.
public struct ReportFacts: Sendable {
    public struct Input: Sendable {
        public var name: String
        public var format: String?
        public var lines: Int64
        public var events: Int64
        public var malformed: Int64
        public var oversized: Int64
        public var bytesRead: Int64
        public var decodedBytes: Int64

        public init(name: String, format: String?, lines: Int64, events: Int64, malformed: Int64, oversized: Int64, bytesRead: Int64, decodedBytes: Int64) {
            self.name = name; self.format = format; self.lines = lines; self.events = events
            self.malformed = malformed; self.oversized = oversized; self.bytesRead = bytesRead; self.decodedBytes = decodedBytes
        }
    }

    public var inputs: [Input] = []
    /// Input names by the index events carry in their origin, for the evidence of alerts.
    public var inputNames: [Int32: String] = [:]
    public var unreadableInputs = 0
    /// Wall-clock time the report was made, milliseconds since the epoch.
    public var generatedAt: Int64 = 0
    /// The configuration file's path, or nil for the built-in defaults.
    public var configPath: String?
    /// The settings in force, as name and value.
    public var settings: [(String, String)] = []
    public var late: Int64 = 0
    public var future: Int64 = 0
    public var evictions: Int64 = 0
    /// The first malformed lines, as "input:line: reason".
    public var malformedSamples: [String] = []
    public var version = ""

    public init() {}
}

/// The report as one self-contained HTML page: inline CSS and SVG, no script, and a content
/// security policy that forbids scripts, so nothing in the logs can run in a reader's browser.
public enum HTMLReport {
    public static func render(_ c: TrafficCollector, _ facts: ReportFacts) -> String {
        var page = Page()
        page.head(title: title(c))
        page.raw("<header><h1>Integration traffic and incidents</h1>")
        page.raw("<p class=\"sub\">\(c.events > 0 ? "\(ReportFormat.second(c.firstEvent)) to \(ReportFormat.second(c.lastEvent)) UTC · " : "")\(NumberFormat.grouped(c.events)) events from \(facts.inputs.count) input\(facts.inputs.count == 1 ? "" : "s") · made by logwatch \(TextSafety.html(facts.version)) on \(ReportFormat.minute(facts.generatedAt)) UTC</p></header>")
        summaryCards(c, &page)
        charts(c, &page)
        incidentTable(c, facts, &page)
        principalTable(c, &page)
        addressTable(c, &page)
        breakdowns(c, &page)
        runFacts(c, facts, &page)
        page.raw("</main></body></html>\n")
        return page.text
    }

    private static func title(_ c: TrafficCollector) -> String {
        guard c.events > 0 else { return "logwatch report: no events" }
        return "logwatch report: \(ReportFormat.minute(c.firstEvent)) to \(ReportFormat.minute(c.lastEvent)) UTC"
    }

    // MARK: Sections

    private static func summaryCards(_ c: TrafficCollector, _ page: inout Page) {
        let failures = c.protocols.reduce(0) { $0 + $1.authFailures }
        let errors = c.protocols.reduce(0) { $0 + $1.errors }
        var cards: [(String, String, String)] = [
            ("Requests", NumberFormat.grouped(c.events), c.events > 0 ? "over \(ReportFormat.span(c.lastEvent - c.firstEvent + 1))" : ""),
            ("Auth failures", NumberFormat.grouped(failures), ReportFormat.percent(failures, of: c.events) + " of requests"),
            ("Other errors", NumberFormat.grouped(errors), ReportFormat.percent(errors, of: c.events) + " of requests"),
            ("Incidents", NumberFormat.grouped(Int64(c.incidents.count + c.incidentsNotListed)), c.alertsByKind.isEmpty ? "none" : "\(c.incidents.filter { $0.opened.severity == .critical || $0.resolved?.severity == .critical }.count) critical"),
        ]
        if let d = c.overallDurations {
            cards.append(("Response time p95", ReportFormat.duration(TrafficCollector.milliseconds(d, percentile: 95)), "p50 \(ReportFormat.duration(TrafficCollector.milliseconds(d, percentile: 50))), p99 \(ReportFormat.duration(TrafficCollector.milliseconds(d, percentile: 99)))"))
        }
        page.raw("<main><section class=\"cards\">")
        for (name, value, note) in cards {
            page.raw("<div class=\"card\"><div class=\"name\">\(name)</div><div class=\"value\">\(value)</div><div class=\"note\">\(TextSafety.html(note))</div></div>")
        }
        page.raw("</section>")
    }

    private static func charts(_ c: TrafficCollector, _ page: inout Page) {
        page.raw("<section><h2>Over time</h2>")
        guard !c.buckets.isEmpty else {
            page.raw("<p class=\"empty\">No events, nothing to chart.</p></section>")
            return
        }
        let (start, count) = c.buckets.span
        let width = c.buckets.width
        let buckets = (0..<count).map { c.buckets[$0] }
        let marks: [ChartMark] = c.incidents.map { i in
            let a = i.opened
            let severity = max(a.severity, i.resolved?.severity ?? a.severity)
            let end = i.end ?? c.lastEvent
            return ChartMark(start: a.incidentStart, end: end, cssClass: severity.rawValue,
                             title: "\(ReportFormat.minute(a.incidentStart)) \(a.detector.rawValue)/\(a.scope.rawValue): \(a.message)")
        }
        page.raw("<p class=\"hint\">Buckets of \(ReportFormat.span(width)), times in UTC. Shaded spans are incidents, from their start to their last evidence (red: critical, amber: warning); hover one for its alert.</p>")
        let requests = SVGChart(kind: .stackedBars, label: "Requests per \(ReportFormat.span(width)) by protocol", series: [
            ChartSeries(name: "REST", cssClass: "rest", values: buckets.map { Double($0.byProtocol[0]) }),
            ChartSeries(name: "SOAP", cssClass: "soap", values: buckets.map { Double($0.byProtocol[1]) }),
            ChartSeries(name: "other", cssClass: "other", values: buckets.map { Double($0.byProtocol[2]) }),
            ChartSeries(name: "UI", cssClass: "ui", values: buckets.map { Double($0.byProtocol[3]) }),
        ], start: start, bucketWidth: width, count: count, marks: marks, unit: ReportFormat.short)
        figure(&page, "Requests per \(ReportFormat.span(width))", requests)

        let failures = SVGChart(kind: .stackedBars, label: "Authentication failures per \(ReportFormat.span(width))", series: [
            ChartSeries(name: "auth failures", cssClass: "fail", values: buckets.map { Double($0.authFailures) }),
        ], start: start, bucketWidth: width, count: count, marks: marks, unit: ReportFormat.short)
        figure(&page, "Authentication failures per \(ReportFormat.span(width))", failures)

        func rate(_ part: (BucketCounts) -> Int64) -> [Double?] {
            buckets.map { $0.requests > 0 ? Double(part($0)) * 100 / Double($0.requests) : nil }
        }
        let errorRate = SVGChart(kind: .lines, label: "Error rate, percent of requests", series: [
            ChartSeries(name: "auth failures", cssClass: "fail", values: rate { $0.authFailures }),
            ChartSeries(name: "other errors", cssClass: "err", values: rate { $0.errors }),
        ], start: start, bucketWidth: width, count: count, marks: marks, unit: { ReportFormat.short($0) + "%" })
        figure(&page, "Error rate (percent of requests)", errorRate)

        if c.overallDurations != nil {
            func percentile(_ p: Double) -> [Double?] {
                buckets.map { b in b.durations.map { TrafficCollector.milliseconds($0, percentile: p) } }
            }
            let latency = SVGChart(kind: .lines, label: "Response time percentiles in milliseconds", series: [
                ChartSeries(name: "p50", cssClass: "p50", values: percentile(50)),
                ChartSeries(name: "p95", cssClass: "p95", values: percentile(95)),
                ChartSeries(name: "p99", cssClass: "p99", values: percentile(99)),
            ], start: start, bucketWidth: width, count: count, marks: marks, unit: { ReportFormat.short($0) + " ms" })
            figure(&page, "Response time (HdrHistogram per bucket, 2 significant digits)", latency)
        } else {
            page.raw("<p class=\"empty\">The logs carry no response times, so there is no response-time chart.</p>")
        }
        if c.unplotted > 0 {
            page.raw("<p class=\"warn\">\(NumberFormat.grouped(c.unplotted)) events lie too far in time from the others to chart; they are counted everywhere else.</p>")
        }
        page.raw("</section>")
    }

    private static func figure(_ page: inout Page, _ caption: String, _ chart: SVGChart) {
        page.raw("<figure><figcaption>\(TextSafety.html(caption))")
        page.raw("<span class=\"legend\">")
        for s in chart.series { page.raw("<span class=\"key \(s.cssClass)\"></span>\(TextSafety.html(s.name)) ") }
        page.raw("</span></figcaption>")
        page.raw(chart.render())
        page.raw("</figure>")
    }

    private static func incidentTable(_ c: TrafficCollector, _ facts: ReportFacts, _ page: inout Page) {
        page.raw("<section><h2>Incidents</h2>")
        guard !c.incidents.isEmpty else {
            page.raw("<p class=\"empty\">No detector raised an alert.</p></section>")
            return
        }
        if !c.alertsByKind.isEmpty {
            let kinds = c.alertsByKind.sorted { $0.key < $1.key }.map { "\(TextSafety.html($0.key)) \($0.value)" }.joined(separator: ", ")
            page.raw("<p class=\"hint\">By detector and scope: \(kinds).</p>")
        }
        page.raw("<table class=\"incidents\"><thead><tr><th>When (UTC)</th><th>Detector</th><th>Key</th><th>Severity</th><th>Alert</th><th>Evidence</th></tr></thead><tbody>")
        for i in c.incidents {
            let a = i.opened
            let severity = max(a.severity, i.resolved?.severity ?? a.severity)
            let ended = i.resolved.map { "to " + ReportFormat.minute($0.decidedAt, after: a.incidentStart) } ?? "still open at the end"
            var lines = [a.message]
            if i.reminders > 0 { lines.append("\(i.reminders) reminder\(i.reminders == 1 ? "" : "s") while it went on") }
            if let r = i.resolved { lines.append(r.message) }
            var key: [String] = []
            if let p = a.key.principal { key.append(TextSafety.html(p)) }
            if let ip = a.key.sourceIP { key.append((a.key.principal == nil ? "" : "from ") + ip.description) }
            if key.isEmpty { key.append("all traffic") }
            let evidence = i.resolved?.evidence ?? a.evidence
            var samples = evidence.samples.prefix(2).map { "\(facts.inputNames[$0.input] ?? "input \($0.input)"):\($0.line)" }.joined(separator: ", ")
            if evidence.samples.count > 2 { samples += " and \(evidence.samples.count - 2) more" }
            page.raw("<tr class=\"\(severity.rawValue)\"><td class=\"t\">\(ReportFormat.minute(a.incidentStart))<br>\(ended)</td>")
            page.raw("<td>\(a.detector.rawValue)<br><span class=\"dim\">\(a.scope.rawValue)</span></td>")
            page.raw("<td class=\"key\">\(key.joined(separator: "<br>"))</td><td><span class=\"sev \(severity.rawValue)\">\(severity.rawValue)</span></td>")
            page.raw("<td class=\"msg\">\(lines.map(TextSafety.html).joined(separator: "<br>"))</td>")
            page.raw("<td class=\"ev\">events \(ReportFormat.second(evidence.firstEvent)) to \(ReportFormat.second(evidence.lastEvent, after: evidence.firstEvent))<br>window \(ReportFormat.minute(a.windowStart)) to \(ReportFormat.minute(a.windowEnd, after: a.windowStart))<br><span class=\"dim\">\(TextSafety.html(samples))</span></td></tr>")
        }
        page.raw("</tbody></table>")
        if c.incidentsNotListed > 0 {
            page.raw("<p class=\"warn\">\(c.incidentsNotListed) more incidents are not listed (the report keeps the first \(c.maxIncidents)); `logwatch scan` prints them all.</p>")
        }
        page.raw("</section>")
    }

    private static func approximate<K, P>(_ e: TopKeys<K, P>.Entry) -> String {
        e.error > 0 ? "<span title=\"counted since first held; up to \(NumberFormat.grouped(e.error)) earlier events may be missing\">≥ \(NumberFormat.grouped(e.count))</span>" : NumberFormat.grouped(e.count)
    }

    private static func principalTable(_ c: TrafficCollector, _ page: inout Page) {
        page.raw("<section><h2>Top principals by requests</h2>")
        let rows = c.principals.top(20, tieBreak: <)
        guard !rows.isEmpty else {
            page.raw("<p class=\"empty\">The logs name no principals.</p></section>")
            return
        }
        page.raw("<table><thead><tr><th>Principal</th><th class=\"n\">Requests</th><th class=\"n\">Auth failures</th><th class=\"n\">Failure rate</th><th class=\"n\">Other errors</th><th class=\"n\">Source networks</th></tr></thead><tbody>")
        for (key, e) in rows {
            let t = e.payload
            page.raw("<tr><td class=\"key\">\(TextSafety.html(key))</td><td class=\"n\">\(approximate(e))</td><td class=\"n\">\(NumberFormat.grouped(t.failures))</td><td class=\"n\">\(ReportFormat.percent(t.failures, of: e.count))</td><td class=\"n\">\(NumberFormat.grouped(t.errors))</td><td class=\"n\">\(t.networks.text)</td></tr>")
        }
        page.raw("</tbody></table>")
        page.raw("<p class=\"hint\">Source networks: distinct IPv4 /24 and IPv6 /64 networks the principal came from (counted up to 100).\(c.withoutPrincipal > 0 ? " \(NumberFormat.grouped(c.withoutPrincipal)) events name no principal." : "")\(c.principals.dropped > 0 ? " More than \(NumberFormat.grouped(Int64(2 * c.principals.capacity))) distinct principals: the lightest were counted approximately (≥ marks a lower bound)." : "")</p></section>")
    }

    private static func addressTable(_ c: TrafficCollector, _ page: inout Page) {
        page.raw("<section><h2>Top source addresses by authentication failures</h2>")
        let rows = c.failingAddresses.top(20, tieBreak: <)
        guard !rows.isEmpty else {
            page.raw("<p class=\"empty\">No failed authentication came with a source address.</p></section>")
            return
        }
        page.raw("<table><thead><tr><th>Address</th><th class=\"n\">Auth failures</th><th class=\"n\">Principals tried</th><th>Last failure (UTC)</th></tr></thead><tbody>")
        for (key, e) in rows {
            page.raw("<tr><td class=\"key\">\(TextSafety.html(key.description))</td><td class=\"n\">\(approximate(e))</td><td class=\"n\">\(e.payload.principals.text)</td><td>\(ReportFormat.second(e.payload.lastFailure))</td></tr>")
        }
        page.raw("</tbody></table>")
        if c.failingAddresses.dropped > 0 {
            page.raw("<p class=\"hint\">More than \(NumberFormat.grouped(Int64(2 * c.failingAddresses.capacity))) distinct addresses failed: the lightest were counted approximately (≥ marks a lower bound).</p>")
        }
        page.raw("</section>")
    }

    private static func breakdowns(_ c: TrafficCollector, _ page: inout Page) {
        page.raw("<section class=\"split\"><div><h2>By protocol</h2><table><thead><tr><th>Protocol</th><th class=\"n\">Requests</th><th class=\"n\">Auth failures</th><th class=\"n\">Other errors</th><th class=\"n\">p50</th><th class=\"n\">p95</th><th class=\"n\">p99</th></tr></thead><tbody>")
        for p in APIProtocol.allCases {
            let t = c.protocols[Int(p.rawValue)]
            guard t.requests > 0 else { continue }
            let q = { (x: Double) in t.durations.map { ReportFormat.duration(TrafficCollector.milliseconds($0, percentile: x)) } ?? "–" }
            page.raw("<tr><td>\(p.name)</td><td class=\"n\">\(NumberFormat.grouped(t.requests))</td><td class=\"n\">\(NumberFormat.grouped(t.authFailures))</td><td class=\"n\">\(NumberFormat.grouped(t.errors))</td><td class=\"n\">\(q(50))</td><td class=\"n\">\(q(95))</td><td class=\"n\">\(q(99))</td></tr>")
        }
        page.raw("</tbody></table>")
        if !c.failureReasons.isEmpty {
            page.raw("<h2>Failure reasons</h2><table><thead><tr><th>Reason</th><th class=\"n\">Failures</th></tr></thead><tbody>")
            for (reason, n) in c.failureReasons.sorted(by: { $0.value != $1.value ? $0.value > $1.value : $0.key.name < $1.key.name }) {
                page.raw("<tr><td>\(TextSafety.html(reason.name))</td><td class=\"n\">\(NumberFormat.grouped(n))</td></tr>")
            }
            page.raw("</tbody></table>")
        }
        page.raw("</div><div><h2>By status</h2><table><thead><tr><th>Status</th><th class=\"n\">Requests</th><th class=\"n\">Share</th></tr></thead><tbody>")
        let statuses = c.statuses.sorted { $0.key < $1.key }
        for (status, n) in statuses.prefix(40) {
            page.raw("<tr><td>\(status)</td><td class=\"n\">\(NumberFormat.grouped(n))</td><td class=\"n\">\(ReportFormat.percent(n, of: c.events))</td></tr>")
        }
        let rest = statuses.dropFirst(40).reduce(0) { $0 + $1.value } + c.otherStatuses
        if rest > 0 { page.raw("<tr><td>other values</td><td class=\"n\">\(NumberFormat.grouped(rest))</td><td class=\"n\">\(ReportFormat.percent(rest, of: c.events))</td></tr>") }
        if c.noStatus > 0 { page.raw("<tr><td>none in the log</td><td class=\"n\">\(NumberFormat.grouped(c.noStatus))</td><td class=\"n\">\(ReportFormat.percent(c.noStatus, of: c.events))</td></tr>") }
        page.raw("</tbody></table></div></section>")
    }

    private static func runFacts(_ c: TrafficCollector, _ facts: ReportFacts, _ page: inout Page) {
        page.raw("<section><h2>This run</h2><table><thead><tr><th>Input</th><th>Format</th><th class=\"n\">Lines</th><th class=\"n\">Events</th><th class=\"n\">Malformed</th><th class=\"n\">Oversized</th><th class=\"n\">Read</th><th class=\"n\">Decoded</th></tr></thead><tbody>")
        for i in facts.inputs {
            page.raw("<tr><td class=\"key\">\(TextSafety.html(i.name))</td><td>\(TextSafety.html(i.format ?? "–"))</td><td class=\"n\">\(NumberFormat.grouped(i.lines))</td><td class=\"n\">\(NumberFormat.grouped(i.events))</td><td class=\"n\">\(NumberFormat.grouped(i.malformed))</td><td class=\"n\">\(NumberFormat.grouped(i.oversized))</td><td class=\"n\">\(ReportFormat.bytes(i.bytesRead))</td><td class=\"n\">\(ReportFormat.bytes(i.decodedBytes))</td></tr>")
        }
        page.raw("</tbody></table><ul class=\"facts\">")
        if facts.unreadableInputs > 0 { page.raw("<li class=\"warn\">\(facts.unreadableInputs) input\(facts.unreadableInputs == 1 ? " was" : "s were") unreadable or damaged; what could be read is in this report.</li>") }
        page.raw("<li>Time range of the events: \(c.events > 0 ? "\(ReportFormat.second(c.firstEvent)) to \(ReportFormat.second(c.lastEvent)) UTC" : "none").</li>")
        page.raw("<li>Events judged late (more than the allowed lateness behind the newest): \(NumberFormat.grouped(facts.late)); ahead of the clock and not judged: \(NumberFormat.grouped(facts.future)); key evictions: \(NumberFormat.grouped(facts.evictions)).</li>")
        page.raw("<li>Events without a principal: \(NumberFormat.grouped(c.withoutPrincipal)); without a source address: \(NumberFormat.grouped(c.withoutAddress)).</li>")
        if !facts.malformedSamples.isEmpty {
            page.raw("<li>First malformed lines:<ul>")
            for m in facts.malformedSamples { page.raw("<li class=\"key\">\(TextSafety.html(m))</li>") }
            page.raw("</ul></li>")
        }
        page.raw("</ul><h3>Configuration: \(TextSafety.html(facts.configPath ?? "built-in defaults"))</h3><table class=\"settings\"><tbody>")
        for (name, value) in facts.settings {
            page.raw("<tr><td class=\"key\">\(TextSafety.html(name))</td><td>\(TextSafety.html(value))</td></tr>")
        }
        page.raw("</tbody></table></section>")
    }
}

/// The page being built.
private struct Page {
    var text = ""

    mutating func raw(_ s: String) { text += s }

    mutating func head(title: String) {
        text += """
        <!DOCTYPE html>
        <html lang="en"><head><meta charset="utf-8">
        <meta http-equiv="Content-Security-Policy" content="default-src 'none'; style-src 'unsafe-inline'; img-src data:; base-uri 'none'; form-action 'none'">
        <meta name="viewport" content="width=device-width, initial-scale=1">
        <meta name="generator" content="logwatch report">
        <title>\(TextSafety.html(title))</title>
        <style>\(Self.css)</style></head><body>

        """
    }

    static let css = """
    :root{--rest:#2563eb;--soap:#9333ea;--other:#94a3b8;--ui:#65a30d;--fail:#dc2626;--err:#d97706;--p50:#0891b2;--p95:#2563eb;--p99:#7c3aed;--crit:#dc2626;--warnc:#d97706;--info:#64748b}
    *{box-sizing:border-box}
    body{margin:0 auto;max-width:1240px;padding:24px 28px;font:14px/1.45 system-ui,-apple-system,"Segoe UI",Roboto,"DejaVu Sans",sans-serif;color:#0f172a;background:#fff}
    h1{font-size:24px;margin:0 0 4px}h2{font-size:18px;margin:28px 0 8px}h3{font-size:15px;margin:18px 0 6px}
    .sub,.hint,.dim{color:#475569}.hint{font-size:12.5px}.dim{font-size:12px}
    .empty{color:#475569;font-style:italic}.warn{color:#92400e}
    .cards{display:grid;grid-template-columns:repeat(auto-fit,minmax(170px,1fr));gap:12px;margin:18px 0}
    .card{border:1px solid #e2e8f0;border-radius:8px;padding:10px 14px}.card .name{font-size:12px;color:#475569;text-transform:uppercase;letter-spacing:.04em}
    .card .value{font-size:24px;font-weight:600;font-variant-numeric:tabular-nums}.card .note{font-size:12px;color:#475569}
    figure{margin:0 0 18px;break-inside:avoid}figcaption{font-weight:600;margin-bottom:2px;display:flex;justify-content:space-between;flex-wrap:wrap}
    .legend{font-weight:400;font-size:12.5px;color:#334155}.legend .key{display:inline-block;width:11px;height:11px;border-radius:2px;margin:0 4px 0 10px;vertical-align:-1px}
    svg.chart{width:100%;height:auto;display:block;border:1px solid #e2e8f0;border-radius:6px}
    svg .grid{stroke:#e2e8f0;stroke-width:1}svg .axis,svg .tick{stroke:#94a3b8;stroke-width:1}
    svg text{font-size:11px;fill:#475569;font-family:inherit}svg .ylabel{text-anchor:end}svg .xlabel{text-anchor:middle}
    svg .series polyline{fill:none;stroke-width:1.6;stroke-linejoin:round}
    .rest{fill:var(--rest);stroke:var(--rest);background:var(--rest)}.soap{fill:var(--soap);stroke:var(--soap);background:var(--soap)}.other{fill:var(--other);stroke:var(--other);background:var(--other)}.ui{fill:var(--ui);stroke:var(--ui);background:var(--ui)}
    .fail{fill:var(--fail);stroke:var(--fail);background:var(--fail)}.err{fill:var(--err);stroke:var(--err);background:var(--err)}
    .p50{fill:var(--p50);stroke:var(--p50);background:var(--p50)}.p95{fill:var(--p95);stroke:var(--p95);background:var(--p95)}.p99{fill:var(--p99);stroke:var(--p99);background:var(--p99)}
    svg .mark rect{opacity:.13}svg .mark line{stroke-width:1.2;stroke-dasharray:3 2}
    svg .mark.critical rect{fill:var(--crit)}svg .mark.critical line{stroke:var(--crit)}svg .mark.warning rect{fill:var(--warnc)}svg .mark.warning line{stroke:var(--warnc)}
    svg .mark.info rect{fill:var(--info)}svg .mark.info line{stroke:var(--info)}
    table{border-collapse:collapse;width:100%;font-size:13px;margin:4px 0 8px}th,td{text-align:left;padding:5px 8px;border-bottom:1px solid #e2e8f0;vertical-align:top}
    th{font-size:12px;color:#475569;font-weight:600;background:#f8fafc}.n{text-align:right;font-variant-numeric:tabular-nums;white-space:nowrap}
    td.key{font-family:ui-monospace,"DejaVu Sans Mono",monospace;font-size:12.5px;overflow-wrap:anywhere}td.t{white-space:nowrap}table.incidents td.key{min-width:140px}td.msg{min-width:300px}td.ev{font-size:12.5px;min-width:240px}
    .sev{display:inline-block;padding:1px 7px;border-radius:10px;font-size:12px;color:#fff}.sev.critical{background:var(--crit)}.sev.warning{background:var(--warnc)}.sev.info{background:var(--info)}
    .split{display:grid;grid-template-columns:3fr 2fr;gap:24px}.split h2{margin-top:28px}
    ul.facts{padding-left:20px}table.settings td:first-child{width:40%}
    @media (max-width:900px){.split{grid-template-columns:1fr}}
    @media print{*{-webkit-print-color-adjust:exact;print-color-adjust:exact}body{max-width:none;padding:0;font-size:11px}h2{break-after:avoid}figure,tr,.card{break-inside:avoid}svg.chart{border:none}.split{grid-template-columns:1fr 1fr}a{color:inherit}}
    """
}
