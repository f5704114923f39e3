import Foundation
import Testing

/// `logwatch report` as a user runs it, and the page as a reader's browser shows it.
@Suite(.serialized) struct ReportCommandTests {
    typealias S = ScanCommandTests

    func report(_ extra: [String] = [], inputs: [String] = S.samples) throws -> (CLI.Result, URL, String) {
        let out = CLI.temporaryDirectory().appendingPathComponent("report.html")
        let config = S.repo.appendingPathComponent("samples/logwatch.yml").path
        let r = try CLI.run(["report", "--config", config, "-o", out.path] + extra + inputs)
        let html = (try? String(contentsOf: out, encoding: .utf8)) ?? ""
        return (r, out, html)
    }

    func count(_ needle: String, in text: String) -> Int { text.components(separatedBy: needle).count - 1 }

    @Test func theSamplesReportHasEveryChartAndEveryPlantedIncident() throws {
        let (r, _, html) = try report()
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stdout.isEmpty, "the report goes to its file, nothing to standard output")
        #expect(r.stderr.contains("report: 46,905 events, 8 incidents, written to"))
        // Requests by protocol, auth failures, error rate, response time.
        #expect(count("<svg class=\"chart\"", in: html) == 4)
        #expect(html.contains("Requests per 15 min"))
        // The eight planted incidents, in the table and as marks on each of the four charts.
        #expect(count("<tr class=\"critical\"", in: html) + count("<tr class=\"warning\"", in: html) == 8)
        #expect(count("<g class=\"mark ", in: html) == 8 * 4)
        for key in ["192.0.2.66", "203.0.113.77", "svc_hr_sync", "svc_cmdb_import", "partner-acme", "svc_payroll", "185.220.101.4", "all traffic"] {
            #expect(html.contains(key), "incident key \(key)")
        }
        // Self-contained: no script, nothing loaded from anywhere.
        #expect(!html.contains("<script"))
        #expect(!html.contains("src=") && !html.contains("href=") && !html.contains("url("))
        #expect(html.contains("Content-Security-Policy"))
        // The run's facts.
        for name in ["gateway-access.log.zst", "kong-gateway.jsonl.zst", "servicenow-syslog_transaction.csv.gz", "servicenow-sysevent.csv.gz", "servicenow-sys_outbound_http_log.csv.gz", "iis-orders-service.log.gz"] {
            #expect(html.contains(name))
        }
        #expect(html.contains("2025-11-24 00:00:17 to 2025-11-26 23:59:59 UTC"))
        #expect(html.contains("samples/logwatch.yml"))
    }

    @Test func theReportMatchesWhatScanFinds() throws {
        // The same engine: the report's incidents are scan's incidents.
        let scan = try CLI.run(["scan", "--config", S.repo.appendingPathComponent("samples/logwatch.yml").path, "--output", "text"] + S.samples)
        let (r, _, html) = try report()
        #expect(r.status == 0)
        let firing = scan.stdout.split(separator: "\n").filter { $0.contains("FIRING") }
        #expect(firing.count == 8)
        #expect(count("<tr class=\"critical\"", in: html) + count("<tr class=\"warning\"", in: html) == firing.count)
    }

    @Test func aBrowserShowsTheSamplesReportWithItsChartsAndNoErrors() throws {
        let (r, page, _) = try report()
        #expect(r.status == 0)
        guard let shot = try Browser.render(page, height: 2300) else { return }
        #expect(shot.console.isEmpty, "the page logged: \(shot.console)")
        // The charts' colours are on the screen: REST bars (blue), failures (red), SOAP bars
        // (purple), the p99 line (violet), the p50 line (cyan).
        let counts = try Browser.colourCounts(shot.screenshot, ["2563eb", "dc2626", "9333ea", "7c3aed", "0891b2"])
        for (colour, n) in counts {
            #expect(n > 200, "colour \(colour): \(n) pixels")
        }
        // Keep the latest screenshot where a person can look at it.
        let keep = URL(fileURLWithPath: NSTemporaryDirectory()).appendingPathComponent("logwatch-report-test.png")
        try? FileManager.default.removeItem(at: keep)
        try? FileManager.default.copyItem(at: shot.screenshot, to: keep)
    }

    @Test func theBrowserCheckCatchesAScriptErrorAndABlankPage() throws {
        // The check above must be able to fail: a page with a failing script, and a page
        // without charts.
        let dir = CLI.temporaryDirectory()
        let bad = dir.appendingPathComponent("bad.html")
        try "<!DOCTYPE html><html><body><p>report</p><script>throw new Error('boom')</script></body></html>".write(to: bad, atomically: true, encoding: .utf8)
        guard let shot = try Browser.render(bad, width: 800, height: 600) else { return }
        #expect(shot.console.contains { $0.contains("boom") }, "\(shot.console)")
        let counts = try Browser.colourCounts(shot.screenshot, ["2563eb", "dc2626"])
        #expect(counts.values.allSatisfy { $0 == 0 })
    }

    @Test func logContentCannotRunOrBreakOutInTheReport() throws {
        // Attacker-controlled fields: user names and paths holding markup, script, terminal
        // escapes, spreadsheet formulas and a bidirectional override.
        let hostile = [
            #"<img src=x onerror=alert(1)>"#,
            #"</td></tr></table><script>alert(document.cookie)</script>"#,
            #"\" onmouseover=\"alert(1)"#,
            #"=HYPERLINK(\"http://evil.example/\",\"x\")"#,
            #"evil\u001b[2J\u001b]0;pwned\u0007"#,
            #"admin\u202Egnp.exe"#,
        ]
        var lines: [String] = []
        for i in 0..<40 {
            let user = hostile[i % hostile.count]
            lines.append(#"{"time":"2025-11-20T10:\#(String(format: "%02d", i / 20)):\#(String(format: "%02d", i % 20 * 3))Z","client_ip":"192.0.2.9","user":"\#(user)","path":"/api/<script>x</script>","status":401}"#)
        }
        let dir = CLI.temporaryDirectory()
        let log = dir.appendingPathComponent("<b>hostile<b>.jsonl")
        try (lines.joined(separator: "\n") + "\n").write(to: log, atomically: true, encoding: .utf8)
        let out = dir.appendingPathComponent("report.html")
        let r = try CLI.run(["report", "-o", out.path, log.path])
        #expect(r.status == 0, "\(r.stderr)")
        let html = try String(contentsOf: out, encoding: .utf8)
        #expect(html.contains("192.0.2.9"), "the flood's address is reported")
        #expect(html.contains("&lt;img src=x onerror=alert(1)&gt;"))
        #expect(html.contains("&lt;/td&gt;&lt;/tr&gt;&lt;/table&gt;&lt;script&gt;"))
        #expect(html.contains("&lt;b&gt;hostile&lt;b&gt;.jsonl"))
        #expect(html.contains(#"evil\x1b[2J\x1b]0;pwned\x07"#), "terminal escapes shown, not sent")
        #expect(html.contains(#"admin\u{202e}gnp.exe"#), "a bidirectional override shown, not applied")
        #expect(!html.contains("\u{1B}") && !html.contains("\u{202E}"))
        #expect(!html.contains("<script") && !html.contains("<img") && !html.contains("<b>"))
        // In the browser: the DOM holds no element the logs named, and nothing ran or was blocked.
        guard let dom = try Browser.dom(out) else { return }
        #expect(dom.contains("192.0.2.9"))
        #expect(!dom.contains("<script") && !dom.contains("<img") && !dom.contains("<b>"))
        guard let shot = try Browser.render(out, height: 1200) else { return }
        #expect(shot.console.isEmpty, "\(shot.console)")
    }

    @Test func anUnwritableReportPathFailsBeforeReading() throws {
        let r = try CLI.run(["report", "-o", "/nonexistent-dir/report.html"] + S.samples)
        #expect(r.status == 2)
        #expect(r.stderr.contains("cannot write the report to /nonexistent-dir/report.html"))
        #expect(!r.stderr.contains("events"), "nothing was read")
    }

    @Test func progressGoesToStandardErrorOnlyAndOnlyWhenAsked() throws {
        let plain = try CLI.run(["scan", "--no-progress"] + S.samples)
        let forced = try CLI.run(["scan", "--progress"] + S.samples)
        #expect(forced.status == 0 && plain.status == 0)
        #expect(forced.stdout == plain.stdout, "progress never touches standard output")
        // Not a terminal: one plain line at the end (and every ten seconds before), no escapes.
        let progress = forced.stderr.split(separator: "\n").filter { $0.hasPrefix("logwatch: ") && $0.contains("MB/s") }
        #expect(progress.count == 1, "\(forced.stderr)")
        let total = S.samples.reduce(0) { $0 + ((try? FileManager.default.attributesOfItem(atPath: $1)[.size] as? Int) ?? 0) }
        #expect(progress.first?.contains(String(format: "%.1f MB of %.1f MB  100.0%%", Double(total) / 1e6, Double(total) / 1e6)) == true, "\(progress)")
        #expect(progress.first?.contains("events/s") == true && progress.first?.contains("done in") == true)
        #expect(!forced.stderr.contains("\u{1B}"))
        // Standard error not a terminal and no flag: no progress.
        #expect(!plain.stderr.contains("MB/s"))
        let quiet = try CLI.run(["scan"] + S.samples)
        #expect(!quiet.stderr.contains("MB/s"))
    }

    @Test func onATerminalProgressIsRedrawnOnOneLineAndCleared() throws {
        // A pseudo-terminal (python's pty) for the command's standard error, no flag, and a slow
        // standard input so that the display ticks: half the log, a pause, the rest.
        let sample = S.samples.first { $0.hasSuffix("gateway-access.log.zst") }!
        let pipeline = "(zstd -dc '\(sample)' | head -12000; sleep 1.5; zstd -dc '\(sample)' | tail -n +12001) | '\(CLI.binary.path)' scan -"
        let (_, text) = try CLI.tool("python3", "-c", "import pty, sys; pty.spawn(sys.argv[1:])", "sh", "-c", pipeline)
        let redraw = "\r\u{1B}[Klogwatch: "
        #expect(text.components(separatedBy: redraw).count - 1 >= 3, "several redraws of one line: \(text.suffix(600))")
        #expect(text.contains("MB read"), "standard input has no known size: bytes read, no percent")
        // After the last redraw the line is cleared, and the run's summary follows on a clean line.
        let afterLast = try #require(text.components(separatedBy: redraw).last)
        #expect(afterLast.contains("\r\u{1B}[K"), "cleared at the end")
        #expect(afterLast.contains("logwatch: 1 input: 24,097 lines"), "\(afterLast)")
        #expect(!afterLast.components(separatedBy: "\r\u{1B}[K").last!.contains("MB/s"))
    }
}
