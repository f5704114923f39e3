import Foundation
import Testing
import TestSupport
import LogwatchCore
import LogwatchState
@testable import LogwatchRuntime

/// `scan` and `report` as run sessions, in this process: the samples' configuration with a
/// file sink added, so the alerts can be read back without standard output.
@Suite struct ScanRunTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    static var samples: [String] {
        ["gateway-access.log.zst", "iis-orders-service.log.gz", "kong-gateway.jsonl.zst", "servicenow-syslog_transaction.csv.gz", "servicenow-sysevent.csv.gz", "servicenow-sys_outbound_http_log.csv.gz"]
            .map { repo.appendingPathComponent("samples/\($0)").path }
    }

    /// The samples' configuration, writing alerts to a file in `dir`.
    static func config(in dir: URL) throws -> (config: String, alerts: URL) {
        let alerts = dir.appendingPathComponent("alerts.jsonl")
        var yaml = try String(contentsOf: repo.appendingPathComponent("samples/logwatch.yml"), encoding: .utf8)
        yaml += "\nsinks:\n  - name: archive\n    kind: file\n    path: \(alerts.path)\n"
        let config = dir.appendingPathComponent("logwatch.yml")
        try yaml.write(to: config, atomically: true, encoding: .utf8)
        return (config.path, alerts)
    }

    static func firing(_ file: URL) throws -> [[String: Any]] {
        try String(contentsOf: file, encoding: .utf8).split(separator: "\n").map {
            try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
        }.filter { $0["status"] as? String == "firing" }
    }

    @Test(arguments: [1, 3])
    func theSamplesGiveThePlantedIncidents(jobs: Int) throws {
        let dir = Scratch.directory("scan-run")
        let (config, alerts) = try Self.config(in: dir)
        var settings = ScanSettings(files: Self.samples)
        settings.session.configPath = config
        settings.progress = false
        settings.jobs = jobs
        try ScanRun.run(settings)
        let fired = try Self.firing(alerts)
        #expect(fired.count == 8)
        let kinds = fired.map { "\($0["detector"]!)/\($0["scope"]!)" }.sorted()
        #expect(kinds == ["failed_auth_spike/global", "failed_auth_spike/principal", "failed_auth_spike/source_ip", "failed_auth_spike/source_ip",
                          "unexpected_source_ip/principal", "unexpected_source_ip/principal", "volume_surge/global", "volume_surge/principal"])
    }

    @Test func sinceAndUntilKeepOnlyTheirWindow() throws {
        let dir = Scratch.directory("scan-run")
        let (config, alerts) = try Self.config(in: dir)
        var settings = ScanSettings(files: Self.samples)
        settings.session.configPath = config
        settings.progress = false
        settings.since = "2025-11-26T00:00:00Z"
        try ScanRun.run(settings)
        let fired = try Self.firing(alerts)
        #expect(!fired.isEmpty)
        #expect(fired.allSatisfy { (($0["window"] as? [String: String])?["start"] ?? "") >= "2025-11-26" })
        #expect(RunSession.window(since: "2025-11-26", until: "2025-11-25", zone: .utc).isEmpty)
    }

    @Test func withAStateDirectoryASecondRunRepeatsNothing() throws {
        let dir = Scratch.directory("scan-run")
        let (config, alerts) = try Self.config(in: dir)
        var settings = ScanSettings(files: Self.samples)
        settings.session.configPath = config
        settings.progress = false
        settings.session.stateDirectory = dir.appendingPathComponent("state").path
        try ScanRun.run(settings)
        try ScanRun.run(settings)
        // Each alert went to the file once: the second run found all of them in the history.
        #expect(try Self.firing(alerts).count == 8)
        #expect(try StateStore(readingFrom: settings.session.stateDirectory!).alerts().count == 16)
    }

    @Test func failuresMapToTheirExitStatus() throws {
        let dir = Scratch.directory("scan-run")
        let (config, _) = try Self.config(in: dir)
        var missing = ScanSettings(files: [Self.samples[0], dir.appendingPathComponent("no-such.log").path])
        missing.session.configPath = config
        missing.progress = false
        #expect(throws: RunExit.failed) { try ScanRun.run(missing) }

        var badConfig = ScanSettings(files: [Self.samples[0]])
        badConfig.session.configPath = dir.appendingPathComponent("no-such.yml").path
        #expect(throws: RunExit.failed) { try ScanRun.run(badConfig) }

        var failOnAlert = ScanSettings(files: [Self.samples[0]])
        failOnAlert.session.configPath = config
        failOnAlert.progress = false
        failOnAlert.failOnAlert = true
        #expect(throws: RunExit.alertsFired) { try ScanRun.run(failOnAlert) }
    }

    @Test func aReportIsOnePageWithChartsAndTheIncidents() throws {
        let dir = Scratch.directory("report-run")
        var settings = ReportSettings(files: Self.samples, output: dir.appendingPathComponent("report.html").path)
        settings.configPath = Self.repo.appendingPathComponent("samples/logwatch.yml").path
        settings.progress = false
        try ReportRun.run(settings)
        let html = try String(contentsOf: dir.appendingPathComponent("report.html"), encoding: .utf8)
        #expect(html.components(separatedBy: "<svg class=\"chart\"").count - 1 >= 4)
        #expect(!html.contains("<script"))

        let unwritable = ReportSettings(files: Self.samples, output: dir.appendingPathComponent("no/such/dir/r.html").path)
        #expect(throws: RunExit.failed) { try ReportRun.run(unwritable) }
    }
}
