import Foundation
import Testing

@Suite struct ScanCommandTests {
    static var repo: URL {
        URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
    }

    static var samples: [String] {
        let dir = repo.appendingPathComponent("samples")
        return (try! FileManager.default.contentsOfDirectory(atPath: dir.path))
            .filter { $0.hasSuffix(".zst") || $0.hasSuffix(".gz") }.sorted().map { dir.appendingPathComponent($0).path }
    }

    func alerts(_ r: CLI.Result) throws -> [[String: Any]] {
        try r.lines.map { try #require(JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any]) }
    }

    @Test func samplesRaiseExactlyThePlantedIncidents() throws {
        let config = Self.repo.appendingPathComponent("samples/logwatch.yml").path
        let r = try CLI.run(["scan", "--config", config] + Self.samples)
        #expect(r.status == 0, "\(r.stderr)")
        let firing = try alerts(r).filter { $0["status"] as? String == "firing" }
        let found = Set(firing.map { a -> String in
            let key = a["key"] as! [String: String]
            return "\(a["detector"]!)/\(a["scope"]!)/\(key["principal"] ?? "")/\(key["source_ip"] ?? "")"
        })
        #expect(found == [
            "failed_auth_spike/source_ip//192.0.2.66",
            "failed_auth_spike/source_ip//203.0.113.77",
            "unexpected_source_ip/principal/svc_hr_sync/185.220.101.4",
            "volume_surge/principal/svc_cmdb_import/",
            "failed_auth_spike/principal/partner-acme/",
            "unexpected_source_ip/principal/svc_payroll/192.0.2.200",
            "failed_auth_spike/global//",
            "volume_surge/global//",
        ])
        #expect(firing.count == 8)
        // Every alert has exactly the documented keys.
        for a in try alerts(r) {
            #expect(Set(a.keys) == ["id", "detector", "scope", "key", "severity", "status", "window", "observed", "baseline", "threshold", "score", "message", "evidence"])
            let evidence = try #require(a["evidence"] as? [String: Any])
            #expect((evidence["samples"] as? [[String: Any]])?.isEmpty == false)
        }
        #expect(r.stderr.contains("0 malformed"))
        #expect(r.stderr.contains("alerts: 8 incidents"))
    }

    @Test func theSameInputGivesTheSameIdsInAnyArgumentOrder() throws {
        let a = try CLI.run(["scan"] + Self.samples)
        let b = try CLI.run(["scan"] + Self.samples.reversed())
        #expect(!a.lines.isEmpty)
        #expect(a.stdout == b.stdout.replacingOccurrences(of: "\u{0}", with: ""))
    }

    @Test func readingOnItsOwnThreadGivesTheSameAlertsAsOneThread() throws {
        let one = try CLI.run(["scan", "--jobs", "1"] + Self.samples)
        let two = try CLI.run(["scan", "--jobs", "2"] + Self.samples)
        #expect(one.status == 0 && two.status == 0)
        #expect(!one.lines.isEmpty)
        #expect(one.stdout == two.stdout)
        #expect(one.stderr == two.stderr)
    }

    @Test func overlappingInputsReadInParallelGiveTheSameAlertsAsOneThread() throws {
        // Three nodes' logs over the same hour, one of them damaged part way: read ahead on
        // threads of their own (two with --jobs 2, all three with --jobs 3), merged in time.
        let dir = CLI.temporaryDirectory()
        var nodes = ["", "", ""]
        for i in 0..<9_000 {
            let t = i / 3
            let stamp = "20/Nov/2025:10:\(String(format: "%02d", t / 60 % 60)):\(String(format: "%02d", t % 60)) +0000"
            let failing = (1_200..<1_500).contains(t)
            let ip = failing ? "198.51.100.7" : "10.0.\(i % 3).\(i % 50 + 1)"
            let status = failing ? 401 : 200
            nodes[i % 3] += "\(ip) - svc_\(i % 7) [\(stamp)] \"POST /api/now/table/incident HTTP/1.1\" \(status) 12 \"-\" \"n\(i % 3)\"\n"
        }
        var paths: [String] = []
        for (k, text) in nodes.enumerated() {
            let file = dir.appendingPathComponent("node\(k).log")
            try text.write(to: file, atomically: true, encoding: .utf8)
            paths.append(try CLI.compress("zstd", file).path)
        }
        // node1's archive loses its last third: what was read before the damage is kept.
        let damaged = try Data(contentsOf: URL(fileURLWithPath: paths[1]))
        try damaged.prefix(damaged.count * 2 / 3).write(to: URL(fileURLWithPath: paths[1]))

        let one = try CLI.run(["scan", "--jobs", "1"] + paths)
        #expect(one.status == 2, "\(one.stderr)")
        #expect(one.stderr.contains("node1.log.zst: "), "\(one.stderr)")
        #expect(one.stderr.contains("events before it were kept"))
        #expect(one.lines.contains { $0.contains("198.51.100.7") }, "\(one.stdout)")
        let judged = try #require(one.stderr.split(separator: "\n").first { $0.contains("events judged") })
        for jobs in ["2", "3"] {
            let parallel = try CLI.run(["scan", "--jobs", jobs] + paths)
            #expect(parallel.status == 2)
            #expect(parallel.stdout == one.stdout)
            #expect(parallel.stderr == one.stderr)
            #expect(parallel.stderr.contains(judged))
        }
    }

    @Test func rotatedArchivesAreTakenInTimeOrderNotNameOrder() throws {
        // app.log.10.gz holds the oldest lines and sorts before app.log.2.gz by name.
        let dir = CLI.temporaryDirectory()
        func lines(_ day: Int, _ count: Int) -> String {
            (0..<count).map { i in "10.0.0.1 - svc [\(day)/Nov/2025:10:\(String(format: "%02d", i / 60)):\(String(format: "%02d", i % 60)) +0000] \"GET /api/x HTTP/1.1\" 200 1 \"-\" \"a\"" }.joined(separator: "\n") + "\n"
        }
        let old = dir.appendingPathComponent("app.log.10")
        let recent = dir.appendingPathComponent("app.log.2")
        try lines(20, 100).write(to: old, atomically: true, encoding: .utf8)
        try lines(21, 100).write(to: recent, atomically: true, encoding: .utf8)
        let r = try CLI.run(["scan", try CLI.compress("gzip", recent).path, try CLI.compress("gzip", old).path])
        #expect(r.status == 0)
        #expect(r.stderr.contains("200 events judged, 0 late"), "\(r.stderr)")
    }

    @Test func sinceAndUntilLimitTheEventTime() throws {
        let r = try CLI.run(["scan", "--since", "2025-11-26", "--until", "2025-11-26T06:00:00Z"] + Self.samples)
        let kinds = try alerts(r).filter { $0["status"] as? String == "firing" }.map { "\($0["detector"]!)/\($0["scope"]!)" }
        // The slow brute force (02:00) and the spraying (04:00) fall inside; nothing else does,
        // and without a day of learning in range, the global baseline cannot alert.
        #expect(kinds == ["failed_auth_spike/source_ip"], "\(r.stdout)")
        #expect(r.stderr.contains("outside --since/--until"))
    }

    @Test func failOnAlertExitsOne() throws {
        #expect(try CLI.run(["scan", "--fail-on-alert"] + Self.samples).status == 1)
        let quiet = CLI.temporaryDirectory().appendingPathComponent("quiet.log")
        try "10.0.0.1 - - [20/Nov/2025:10:00:00 +0000] \"GET / HTTP/1.1\" 200 1\n".write(to: quiet, atomically: true, encoding: .utf8)
        #expect(try CLI.run(["scan", "--fail-on-alert", quiet.path]).status == 0)
    }

    @Test func inputAndConfigErrorsExitTwo() throws {
        let missing = try CLI.run(["scan", "/nonexistent.log"] + Self.samples.prefix(1))
        #expect(missing.status == 2)
        #expect(missing.stderr.contains("/nonexistent.log: cannot open"))
        let bad = CLI.temporaryDirectory().appendingPathComponent("bad.yml")
        try "detectors:\n  failed_auth_spike:\n    sorce_ip: false\n".write(to: bad, atomically: true, encoding: .utf8)
        let r = try CLI.run(["scan", "--config", bad.path] + Self.samples.prefix(1))
        #expect(r.status == 2)
        #expect(r.stderr.contains("bad.yml:3: unknown key 'detectors.failed_auth_spike.sorce_ip'"))
    }

    @Test func textOutputEscapesControlCharactersFromLogs() throws {
        let dir = CLI.temporaryDirectory()
        let log = dir.appendingPathComponent("evil.jsonl")
        var lines: [String] = []
        for i in 0..<30 {
            lines.append(#"{"time":"2025-11-20T10:00:\#(String(format: "%02d", i))Z","client_ip":"192.0.2.9","user":"evil\u001b[2J\u001b]0;pwned\u0007","status":401}"#)
        }
        try (lines.joined(separator: "\n") + "\n").write(to: log, atomically: true, encoding: .utf8)
        let r = try CLI.run(["scan", "--output", "text", log.path])
        #expect(r.lines.count >= 1)
        #expect(!r.stdout.contains("\u{1B}"))
        #expect(!r.stdout.contains("\u{07}"))
        let json = try CLI.run(["scan", log.path])
        #expect(!json.stdout.contains("\u{1B}"))
    }

    /// SIGINT in the middle of `scan --state-dir`: the scan stops after the batch in hand,
    /// prints its summary and exits 130, and every alert the history recorded was printed
    /// (they used to be recorded before the buffered output was flushed, so a rerun, finding
    /// them known, printed them nowhere).
    @Test func aSignalEndsAScanCleanlyAndEveryRecordedAlertWasPrinted() throws {
        let dir = CLI.temporaryDirectory()
        let plain = dir.appendingPathComponent("big.log")
        let burst = (0..<24).map { AccessLog.line(Double($0), ip: "192.0.2.77", user: "svc_b", status: 401) }.joined()
        let quiet = AccessLog.line(100, ip: "10.0.0.1", user: "svc_q", status: 200)
        try (burst + String(repeating: quiet, count: 800_000)).write(to: plain, atomically: false, encoding: .utf8)
        let log = try CLI.compress("zstd", plain)
        try FileManager.default.removeItem(at: plain)
        let scan = try LiveTail(["--state-dir", "state", "--jobs", "1", log.path], in: dir, command: "scan")
        // With the fix the alert is on standard output once recorded; before it, it sat in
        // the buffer, and the wait runs out with the scan still reading.
        scan.wait(timeout: 15) { !scan.alertLines.isEmpty || !scan.process.isRunning }
        let wasRunning = scan.process.isRunning
        kill(scan.process.processIdentifier, SIGINT)
        #expect(scan.wait(timeout: 20) { !scan.process.isRunning })
        let history = try CLI.run(["alerts", "--state-dir", "state", "--output", "json"], cwd: dir)
        let recorded = history.lines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(!recorded.isEmpty, "\(history.stderr)")
        let printed = scan.alertLines.compactMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any] }
        #expect(recorded.map { "\($0["id"]!) \($0["status"]!)" } == printed.map { "\($0["id"]!) \($0["status"]!)" }, "\(scan.stderr)")
        if wasRunning {
            #expect(scan.process.terminationStatus == 130, "\(scan.stderr)")
            #expect(scan.stderr.contains("interrupted by SIGINT"), "\(scan.stderr)")
            #expect(scan.stderr.contains("engine: "), "\(scan.stderr)")
        }
    }
}
