import Foundation
import Testing
import TestSupport

/// `tail --servicenow` against a stand-in Table API on loopback (`fake_servicenow.py`): paging,
/// a token that expires while tail runs, 429 with Retry-After, rows committed late, and a
/// kill -9 in the middle. It must raise the alerts `scan` raises over the same rows exported
/// as files, and count every row once.
@Suite(.serialized) struct ServiceNowPullTests {
    /// When the burst that arrives while tail runs starts, in seconds after `now`: within one
    /// minute of the clock, so that the minute whose window completes it (the alert's start,
    /// part of its id) does not depend on the order its late rows arrive in.
    static func liveBurst(now: Date) -> Double {
        let second = now.timeIntervalSince1970.truncatingRemainder(dividingBy: 60)
        return second + 4 + 16 < 59 ? 4 : 60 - second + 1
    }

    /// Rows of the four tables around now: an hour and a half of history, then rows that
    /// appear while tail runs, some of them committed late.
    static func rows(now: Date) -> [String: [[String: Any]]] {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss"
        var id = 0
        func row(_ offset: Double, _ fields: [String: Any], late: Bool = false) -> [String: Any] {
            id += 1
            var r = fields
            r["sys_id"] = String(format: "%032x", id)
            r["sys_created_on"] = f.string(from: now.addingTimeInterval(offset))
            if late { r["_late"] = true }
            return r
        }
        var transactions: [[String: Any]] = [], events: [[String: Any]] = [], syslog: [[String: Any]] = [], outbound: [[String: Any]] = []
        for s in stride(from: -5400.0, to: 30, by: 20) {
            transactions.append(row(s, ["sys_created_by": "svc_hr_sync", "type": "rest", "url": "/api/now/table/sys_user", "remote_ip": "10.20.0.48", "response_time": "40"]))
            transactions.append(row(s + 5, ["sys_created_by": "guest", "type": "form", "url": "/login.do", "remote_ip": "198.18.0.\(Int(-s) % 250)"]))
            events.append(row(s + 7, ["name": "incident.updated", "parm1": "INC0010001", "parm2": "", "sys_created_by": "abel.tuter"]))
        }
        // An allowlisted integration used from outside its network, in the history.
        transactions.append(row(-3000, ["sys_created_by": "svc_payroll", "type": "rest", "url": "/api/now/table/x_payroll", "remote_ip": "192.0.2.200"]))
        // A burst of failed logins in the history, and another while tail runs (some late).
        for i in 0..<30 { events.append(row(-2400 + Double(i) * 3, ["name": "login.failed", "parm1": "svc_hr_sync", "parm2": "203.0.113.50", "sys_created_by": "guest"])) }
        let burst = liveBurst(now: now)
        for i in 0..<30 { events.append(row(burst + Double(i) * 0.5, ["name": "login.failed", "parm1": "admin", "parm2": "198.51.100.9", "sys_created_by": "guest"], late: i % 5 == 0)) }
        for s in stride(from: -5000.0, to: 20, by: 600) {
            syslog.append(row(s, ["level": "2", "source": "OAuth", "message": "OAuth access token is expired", "sys_created_by": "svc_hr_sync"]))
            outbound.append(row(s + 1, ["hostname": "api.workday.example", "path": "/ccx/service", "response_status": "200", "sys_created_by": "integration.hr"]))
        }
        // In creation order, as the Table API and an export ordered by sys_created_on give them.
        let byTime = { (rows: [[String: Any]]) in rows.sorted { ($0["sys_created_on"] as! String) < ($1["sys_created_on"] as! String) } }
        return ["syslog_transaction": byTime(transactions), "sysevent": byTime(events), "syslog": byTime(syslog), "sys_outbound_http_log": byTime(outbound)]
    }

    final class FakeInstance {
        let process = Process()
        let port: Int
        let log: URL

        init(rows: URL, in dir: URL) throws {
            log = dir.appendingPathComponent("requests.log")
            let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("fake_servicenow.py")
            process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            process.arguments = ["python3", script.path, "--rows", rows.path, "--client-id", "logwatch", "--client-secret", "s3cret",
                                 "--log", log.path, "--token-lifetime", "4", "--late-seconds", "6", "--throttle-every", "9"]
            let out = Pipe()
            process.standardOutput = out
            process.standardError = FileHandle.nullDevice
            try process.run()
            let line = String(decoding: out.fileHandleForReading.availableData, as: UTF8.self)
            guard let port = Int(line.trimmingCharacters(in: .whitespacesAndNewlines)) else { throw SinkTestError("the fake instance did not start: \(line)") }
            self.port = port
        }

        var requests: [String] { LiveTail.read(log).split(separator: "\n").map(String.init) }

        deinit {
            kill(process.processIdentifier, SIGKILL)
            process.waitUntilExit()
        }
    }

    static func firingIDs(_ text: String) -> Set<String> {
        Set(text.split(separator: "\n").compactMap {
            guard let a = try? JSONSerialization.jsonObject(with: Data($0.utf8)) as? [String: Any], a["status"] as? String == "firing" else { return nil }
            return a["id"] as? String
        })
    }

    @Test func tailPullsWhatScanReadsFromExports() throws {
        let dir = CLI.temporaryDirectory()
        let now = Date()
        let data = Self.rows(now: now)
        let rowsURL = dir.appendingPathComponent("rows.json")
        try JSONSerialization.data(withJSONObject: data).write(to: rowsURL)
        let fake = try FakeInstance(rows: rowsURL, in: dir)
        let secret = dir.appendingPathComponent("secret")
        try "s3cret\n".write(to: secret, atomically: true, encoding: .utf8)
        chmod(secret.path, 0o600)
        let config = dir.appendingPathComponent("logwatch.yml")
        try """
            principals:
              svc_payroll:
                allow: [10.50.0.0/16]
            """.write(to: config, atomically: true, encoding: .utf8)
        let state = dir.appendingPathComponent("state").path
        let arguments = ["--servicenow", "http://127.0.0.1:\(fake.port)", "--client-id", "logwatch", "--client-secret", "file:\(secret.path)",
                         "--from-beginning", "--state-dir", state, "--config", config.path, "--pull-interval", "1", "--page-size", "50",
                         "--max-requests-per-minute", "3000"]

        // Killed while it backfills, then started again: it resumes where its last checkpoint was.
        let first = try LiveTail(arguments, in: dir, run: 0)
        #expect(first.wait(timeout: 30) { fake.requests.filter { $0.hasPrefix("GET") }.count >= 40 }, "\(first.stderr)")
        first.kill9()
        let second = try LiveTail(arguments, in: dir, run: 1)
        // Every row is visible 6 s after the last one's time; then a pull or two more.
        let lastRow = now.addingTimeInterval(max(30, Self.liveBurst(now: now) + 15) + 6 + 4)
        while Date() < lastRow { usleep(200_000) }
        #expect(second.wait(timeout: 30) { second.stdout.contains("198.51.100.9") }, "\(second.stderr)")
        usleep(2_500_000)
        #expect(second.terminate() == 0)

        // The same rows exported as files, one per table, and scanned.
        var files: [String] = []
        for (table, rows) in data {
            let file = dir.appendingPathComponent("\(table).json")
            let lines = try rows.map { r -> String in
                String(decoding: try JSONSerialization.data(withJSONObject: r.filter { !$0.key.hasPrefix("_") }), as: UTF8.self)
            }
            try (lines.joined(separator: "\n") + "\n").write(to: file, atomically: true, encoding: .utf8)
            files.append(file.path)
        }
        let scan = try CLI.run(["scan", "--config", config.path] + files)
        #expect(scan.status == 0, "\(scan.stderr)")
        let expected = Self.firingIDs(scan.stdout)
        #expect(expected.count == 3, "\(scan.stdout)")
        #expect(Self.firingIDs(first.stdout + second.stdout) == expected, "tail: \(first.stdout + second.stdout)\nscan: \(scan.stdout)")

        // Every row counted once: what scan judged is what tail judged over its two runs
        // (the second run's total includes what the first one checkpointed).
        let scanned = scan.stderr.split(separator: "\n").first { $0.contains("events judged") }
            .flatMap { $0.split(separator: ":").last?.split(separator: " ").first }.map { $0.replacingOccurrences(of: ",", with: "") }.flatMap { Int($0) }
        #expect(scanned != nil && second.judged?.all == scanned, "scan: \(scan.stderr)\ntail: \(second.stderr)")

        // What the stand-in did to it.
        let log = fake.requests
        #expect(log.filter { $0 == "token ok" }.count >= 2, "the token expired and was renewed")
        #expect(log.contains { $0.hasSuffix(" 429") })
        #expect(log.contains { $0.hasSuffix(" 401") } || log.filter { $0 == "token ok" }.count >= 3)
        #expect(second.stderr.contains("429"))
    }
}
