import Foundation
import Testing

/// Alert delivery against a real HTTP server on loopback (`receiver.py`).
@Suite(.serialized) struct DeliveryCommandTests {
    typealias L = AccessLog

    static var samples: URL { URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent().appendingPathComponent("samples") }

    static func sampleInputs() throws -> [String] {
        try FileManager.default.contentsOfDirectory(atPath: samples.path)
            .filter { $0.hasSuffix(".zst") || $0.hasSuffix(".gz") }.sorted().map { samples.appendingPathComponent($0).path }
    }

    /// A brute force from one address: one alert.
    static func burstLog(_ dir: URL, ip: String = "192.0.2.77", name: String = "app.log") -> URL {
        let url = dir.appendingPathComponent(name)
        L.append((0..<24).map { L.line(Double($0), ip: ip, user: "svc_b", status: 401) }.joined(), to: url)
        return url
    }

    func config(_ dir: URL, _ text: String) throws -> String {
        let path = dir.appendingPathComponent("sinks.yml").path
        try text.write(toFile: path, atomically: true, encoding: .utf8)
        return path
    }

    static let fastDelivery = """
        delivery:
          initial_backoff: 1s
          max_backoff: 4s
          timeout: 2s
        """

    @Test func everyAlertArrivesOnceSignedAndInEachSinksFormat() throws {
        let dir = CLI.temporaryDirectory()
        let receiver = try TestReceiver(in: dir, secret: "test-signing-secret")
        // The sample configuration of the README, with its references pointed at the receiver.
        let secretFile = dir.appendingPathComponent("secret")
        try "test-signing-secret\n".write(to: secretFile, atomically: true, encoding: .utf8)
        chmod(secretFile.path, 0o600)
        var text = try String(contentsOf: Self.samples.appendingPathComponent("sinks.yml"), encoding: .utf8)
        text = text.replacingOccurrences(of: "env:LOGWATCH_SIGNING_SECRET", with: "file:\(secretFile.path)")
            .replacingOccurrences(of: "/tmp/logwatch-alerts.jsonl", with: dir.appendingPathComponent("alerts.jsonl").path)
        let cfg = try config(dir, text + "\n" + (try String(contentsOf: Self.samples.appendingPathComponent("logwatch.yml"), encoding: .utf8))
            .replacingOccurrences(of: "\nsinks:", with: "\n#"))
        let env = [
            "LOGWATCH_WEBHOOK_URL": receiver.url + "/hook?token=do-not-print",
            "LOGWATCH_WEBHOOK_AUTH": "Bearer abc123",
            "LOGWATCH_SLACK_URL": receiver.url + "/services/T0000AAAA/B0000BBBB/XXXXXXXXXXXXXXXXXXXXXXXX",
            "LOGWATCH_ALERTMANAGER_URL": receiver.url,
        ]
        let r = try CLI.run(["scan", "--config", cfg, "--state-dir", dir.appendingPathComponent("state").path] + (try Self.sampleInputs()), cwd: dir, environment: env)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("delivery: "), "\(r.stderr)")
        #expect(!r.stderr.contains("do-not-print") && !r.stderr.contains("XXXXXXXX"))
        // The file sink has every alert: 8 incidents and their resolutions.
        let emitted = LiveTail.read(dir.appendingPathComponent("alerts.jsonl")).split(separator: "\n").map(String.init)
        #expect(emitted.count == 16)
        let emittedKeys = emitted.compactMap { line -> String? in
            guard let o = (try? JSONSerialization.jsonObject(with: Data(line.utf8))) as? [String: Any] else { return nil }
            return "\(o["id"]!)/\(o["status"]!)"
        }

        // Webhook: JSON arrays of alert objects, each alert once, all signed, with the header.
        let hooks = receiver.requests(to: "/hook?token=do-not-print")
        #expect(!hooks.isEmpty)
        let delivered = hooks.flatMap { ($0.bodyJSON as? [[String: Any]]) ?? [] }
        #expect(delivered.map { "\($0["id"]!)/\($0["status"]!)" } == emittedKeys, "in the order emitted, each once")
        for h in hooks {
            #expect(h["signature_valid"] as? Bool == true)
            #expect(h.header("Authorization") == "Bearer abc123")
            #expect(h.header("Content-Type") == "application/json")
            #expect(h.header("Idempotency-Key")?.isEmpty == false)
        }
        #expect(Set(delivered.map { $0["message"] as? String ?? "" }).count == 16)
        for a in delivered {
            for key in ["id", "detector", "scope", "key", "severity", "status", "window", "observed", "baseline", "threshold", "score", "message", "evidence"] {
                #expect(a[key] != nil, "webhook alert lacks \(key)")
            }
        }

        // Slack: one message per alert of the two detectors it takes, text and blocks.
        let slack = receiver.requests(to: "/services/T0000AAAA/B0000BBBB/XXXXXXXXXXXXXXXXXXXXXXXX")
        let wanted = emitted.filter { !$0.contains(#""detector":"volume_surge""#) }.count
        #expect(slack.count == wanted)
        #expect(Set(slack.compactMap { $0.header("Idempotency-Key") }).count == wanted)
        for m in slack {
            let o = m.bodyJSON as? [String: Any]
            #expect((o?["text"] as? String)?.hasPrefix("[") == true)
            let blocks = o?["blocks"] as? [[String: Any]]
            #expect(blocks?.count == 2)
            #expect(blocks?.first?["type"] as? String == "section")
            #expect(((blocks?.last?["fields"]) as? [[String: Any]])?.count == 4)
            #expect(m["signature_valid"] is NSNull, "this sink has no secret: no signature")
        }

        // Alertmanager: valid postableAlerts, the labels asked for, firing then resolved.
        let am = receiver.requests(to: "/api/v2/alerts")
        #expect(!am.isEmpty)
        var firing = 0, resolved = 0
        for req in am {
            #expect((req["schema_errors"] as? [Any])?.isEmpty == true, "\(req["schema_errors"] ?? "")")
            for item in (req.bodyJSON as? [[String: Any]]) ?? [] {
                let labels = item["labels"] as? [String: String] ?? [:]
                #expect(["failed_auth_spike", "unexpected_source_ip", "volume_surge"].contains(labels["alertname"] ?? ""))
                #expect(labels["scope"] != nil && labels["severity"] != nil)
                #expect(labels["principal"] != nil || labels["source_ip"] != nil || labels["scope"] == "global")
                let annotations = item["annotations"] as? [String: String] ?? [:]
                #expect(annotations["summary"] != nil && annotations["description"] != nil)
                #expect((item["generatorURL"] as? String)?.hasPrefix("https://logwatch.example.internal/incidents/") == true)
                let ends = ISO8601DateFormatter.lenient.date(from: item["endsAt"] as? String ?? "")
                #expect(ends != nil)
                if let ends, ends > Date() { firing += 1 } else { resolved += 1 }
            }
        }
        #expect(firing == 8 && resolved == 8, "firing \(firing), resolved \(resolved)")

        // Nothing left undelivered.
        let undelivered = try CLI.run(["alerts", "--state-dir", dir.appendingPathComponent("state").path, "--undelivered"], cwd: dir)
        #expect(undelivered.stderr.contains("0 waiting, 0 refused"), "\(undelivered.stderr)")
    }

    @Test func aReceiverDownForAWhileLosesNothingAndKeepsTheOrder() throws {
        let dir = CLI.temporaryDirectory()
        let receiver = try TestReceiver(in: dir)
        receiver.stop() // its port is known, nothing listens there now
        let cfg = try config(dir, """
            sinks:
              - kind: file
                path: \(dir.appendingPathComponent("emitted.jsonl").path)
              - name: hook
                kind: webhook
                url: \(receiver.url)/hook
            \(Self.fastDelivery)
            """)
        let log = dir.appendingPathComponent("app.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let tail = try LiveTail(["--config", cfg, "--state-dir", "state", "app.log"], in: dir)
        #expect(tail.waitStarted())
        for (i, ip) in ["192.0.2.1", "192.0.2.2", "192.0.2.3"].enumerated() {
            L.append((0..<20).map { L.line(Double(i * 100 + $0), ip: ip, user: "svc_b", status: 401) }.joined(), to: log)
            usleep(200_000)
        }
        #expect(tail.wait { tail.stderr.contains("next attempt in") })
        usleep(2_500_000)
        try receiver.start()
        #expect(tail.wait { receiver.requests.count >= 3 })
        usleep(500_000)
        #expect(tail.terminate() == 0)
        let emitted = LiveTail.read(dir.appendingPathComponent("emitted.jsonl")).split(separator: "\n").compactMap {
            ((try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any])?["id"] as? String
        }
        let received = receiver.requests.compactMap { ($0.bodyJSON as? [String: Any])?["id"] as? String }
        #expect(emitted.count == 3)
        #expect(received == emitted, "each once, in the order emitted")
        #expect(tail.stderr.contains("hook (http://127.0.0.1:\(receiver.port)/hook): cannot connect"), "\(tail.stderr)")
        #expect(tail.stderr.contains("0 in the outbox for the next run"))
    }

    /// Scan one alert against a receiver answering `modes`; returns the receiver and the run.
    func scanAgainst(_ modes: String, extraConfig: String = "") throws -> (TestReceiver, CLI.Result, URL) {
        let dir = CLI.temporaryDirectory()
        let receiver = try TestReceiver(in: dir, modes: modes)
        let log = Self.burstLog(dir)
        let cfg = try config(dir, """
            sinks:
              - name: hook
                kind: webhook
                url: \(receiver.url)/hook
            \(Self.fastDelivery)
            \(extraConfig)
            """)
        let r = try CLI.run(["scan", "--config", cfg, "--state-dir", "state", "--delivery-timeout", "30s", log.path], cwd: dir)
        return (receiver, r, dir)
    }

    static func times(_ requests: [[String: Any]]) -> [Double] { requests.compactMap { $0["time"] as? Double } }

    @Test func serverErrorsAreRetriedWithGrowingWaits() throws {
        let (receiver, r, _) = try scanAgainst("500,500,500,accept")
        #expect(r.status == 0, "\(r.stderr)")
        let reqs = receiver.requests
        #expect(reqs.map { $0["status"] as? Int } == [500, 500, 500, 200])
        #expect(Set(reqs.compactMap { $0.header("Idempotency-Key") }).count == 1, "the same alert each time")
        let t = Self.times(reqs)
        let gaps = zip(t.dropFirst(), t).map { $0 - $1 }
        // Waits of 1, 2 and 4 s, each with jitter in its upper half.
        #expect(gaps[0] >= 0.45 && gaps[2] >= 1.9 && gaps[2] > gaps[0], "\(gaps)")
        #expect(r.stderr.contains("1 delivered"))
    }

    @Test func rateLimitsAreRetriedAfterRetryAfter() throws {
        let (receiver, r, _) = try scanAgainst("429:3,accept")
        #expect(r.status == 0, "\(r.stderr)")
        let t = Self.times(receiver.requests)
        #expect(receiver.requests.map { $0["status"] as? Int } == [429, 200])
        #expect(t.count == 2 && t[1] - t[0] >= 2.9, "\(t)")
    }

    @Test func aReceiverThatHangsIsTimedOutAndRetried() throws {
        let (receiver, r, _) = try scanAgainst("hang:6,accept")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("timed out"), "\(r.stderr)")
        // The receiver records the hung request when it finally answers, 6 s after it came.
        let deadline = Date().addingTimeInterval(10)
        while receiver.requests.count < 2 && Date() < deadline { usleep(100_000) }
        let t = Self.times(receiver.requests).sorted()
        #expect(t.count == 2)
        // The retry came after the 2 s timeout and a backoff, not after the receiver's 6 s.
        if t.count == 2 { #expect(t[1] - t[0] >= 2 && t[1] - t[0] < 6, "\(t) \(r.stderr)") }
    }

    @Test func aBadRequestIsDeadLetteredReportedAndNotRetried() throws {
        let (receiver, r, dir) = try scanAgainst("400")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(receiver.requests.count == 1)
        #expect(r.stderr.contains("refused 1 alert with HTTP 400"), "\(r.stderr)")
        let undelivered = try CLI.run(["alerts", "--state-dir", "state", "--undelivered"], cwd: dir)
        #expect(undelivered.stdout.contains("REFUSED"), "\(undelivered.stdout)")
        #expect(undelivered.stdout.contains("HTTP 400"))
        #expect(undelivered.stdout.contains("unknown field in payload"))
        #expect(undelivered.stderr.contains("0 waiting, 1 refused"))
    }

    /// A redirect is never followed: a 302 would turn the POST into a body-less GET, a 307
    /// or 308 would post the signed alert to whatever host `Location` names. The alert is a
    /// dead letter whose reason names the `Location`.
    @Test(arguments: [302, 307, 308])
    func redirectsAreNeverFollowed(status: Int) throws {
        let (receiver, r, dir) = try scanAgainst("redirect:\(status)")
        #expect(r.status == 0, "\(r.stderr)")
        let requests = receiver.requests
        #expect(requests.count == 1, "\(requests.map { "\($0["method"] ?? "") \($0["path"] ?? "")" })")
        #expect(requests.allSatisfy { $0["path"] as? String == "/hook" })
        #expect(r.stderr.contains("0 delivered"), "\(r.stderr)")
        #expect(r.stderr.contains("refused 1 alert with HTTP \(status)"), "\(r.stderr)")
        let undelivered = try CLI.run(["alerts", "--state-dir", "state", "--undelivered"], cwd: dir)
        #expect(undelivered.stdout.contains("REFUSED") && undelivered.stdout.contains("/elsewhere"), "\(undelivered.stdout)")
    }

    /// An answer is classified by its status, however long its body: a 1 MiB body with a 200
    /// is one delivery (not a network error retried into a duplicate), with a 404 one dead
    /// letter (not a retry for ever that blocks the sink's queue).
    @Test(arguments: [(200, "1 delivered", "0 waiting, 0 refused"), (404, "refused 1 alert with HTTP 404", "0 waiting, 1 refused")])
    func aLargeAnswerIsClassifiedByItsStatus(status: Int, summary: String, left: String) throws {
        let (receiver, r, dir) = try scanAgainst("big:\(status)")
        #expect(r.status == 0, "\(r.stderr)")
        #expect(receiver.requests.count == 1, "\(r.stderr)")
        #expect(r.stderr.contains(summary), "\(r.stderr)")
        let undelivered = try CLI.run(["alerts", "--state-dir", "state", "--undelivered"], cwd: dir)
        #expect(undelivered.stderr.contains(left), "\(undelivered.stderr)")
    }

    /// Without --state-dir a scan keeps no state, with network sinks too: a second run over
    /// the same file prints and delivers everything again (an earlier run's history in the
    /// default state directory held them all back), and its temporary outbox is removed.
    @Test func aScanWithoutStateDirDeliversEveryRunAndLeavesNothingBehind() throws {
        let dir = CLI.temporaryDirectory()
        let receiver = try TestReceiver(in: dir)
        let log = Self.burstLog(dir)
        let tmp = dir.appendingPathComponent("tmp")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        let env = ["TMPDIR": tmp.path, "XDG_STATE_HOME": dir.appendingPathComponent("xdg").path]
        var delivered: [Int] = []
        for _ in 0..<2 {
            let before = receiver.requests.count
            let r = try CLI.run(["scan", "--webhook", receiver.url + "/hook", "--delivery-timeout", "20s", log.path], cwd: dir, environment: env)
            #expect(r.status == 0, "\(r.stderr)")
            #expect(!r.stderr.contains("already in the state's history"), "\(r.stderr)")
            #expect(r.stderr.contains("0 refused"), "\(r.stderr)")
            delivered.append(receiver.requests.count - before)
        }
        #expect(delivered[0] > 0 && delivered[0] == delivered[1], "\(delivered)")
        #expect(try FileManager.default.contentsOfDirectory(atPath: tmp.path).isEmpty)
        #expect(!FileManager.default.fileExists(atPath: dir.appendingPathComponent("xdg/logwatch").path))
    }

    @Test func undeliveredAlertsSurviveAKillAndGoOutAfterTheRestart() throws {
        let dir = CLI.temporaryDirectory()
        let receiver = try TestReceiver(in: dir)
        receiver.stop()
        let cfg = try config(dir, """
            sinks:
              - name: hook
                kind: webhook
                url: \(receiver.url)/hook
            \(Self.fastDelivery)
            """)
        let log = dir.appendingPathComponent("app.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let one = try LiveTail(["--config", cfg, "--state-dir", "state", "app.log"], in: dir)
        #expect(one.waitStarted())
        L.append((0..<20).map { L.line(Double($0), ip: "192.0.2.9", user: "svc_b", status: 401) }.joined(), to: log)
        #expect(one.wait { one.stderr.contains("next attempt in") })
        one.kill9()
        let waiting = try CLI.run(["alerts", "--state-dir", "state", "--undelivered"], cwd: dir)
        #expect(waiting.stdout.contains("WAITING"), "\(waiting.stdout)")
        try receiver.start()
        let two = try LiveTail(["--config", cfg, "--state-dir", "state", "app.log"], in: dir, run: 1)
        #expect(two.wait { receiver.requests.count >= 1 })
        usleep(500_000)
        #expect(two.terminate() == 0)
        #expect(receiver.requests.count == 1)
        #expect((receiver.requests.first?.bodyJSON as? [String: Any])?["key"] as? [String: String] == ["source_ip": "192.0.2.9"])
        #expect(two.stderr.contains("1 delivered"), "\(two.stderr)")
    }

    @Test func alertmanagerHearsFiringAlertsAgainEveryResendAndTheirResolution() throws {
        let dir = CLI.temporaryDirectory()
        let receiver = try TestReceiver(in: dir)
        let cfg = try config(dir, """
            detectors:
              failed_auth_spike:
                resolve_after: 1m
            sinks:
              - name: am
                kind: alertmanager
                url: \(receiver.url)
                resend: 1s
            """)
        let log = dir.appendingPathComponent("app.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let tail = try LiveTail(["--config", cfg, "--state-dir", "state", "app.log"], in: dir)
        #expect(tail.waitStarted())
        L.append((0..<20).map { L.line(Double($0), ip: "192.0.2.44", user: "svc_b", status: 401) }.joined(), to: log)
        #expect(tail.wait { receiver.requests.count >= 4 })
        let items = receiver.requests.compactMap { $0.bodyJSON as? [[String: Any]] }
        #expect(items.allSatisfy { $0.count == 1 && ($0[0]["labels"] as? [String: String])?["source_ip"] == "192.0.2.44" })
        #expect(receiver.requests.allSatisfy { ($0["schema_errors"] as? [Any])?.isEmpty == true })
        let t = Self.times(receiver.requests)
        #expect(zip(t.dropFirst(), t).allSatisfy { $0 - $1 >= 0.8 }, "about one second apart: \(t)")
        // The incident ends an event-time minute later: its resolution goes out, and resends stop.
        L.append(L.line(200, ip: "10.0.0.1", user: "svc_a", status: 200) + L.line(300, ip: "10.0.0.1", user: "svc_a", status: 200), to: log)
        L.append(L.line(1200, ip: "10.0.0.1", user: "svc_a", status: 200), to: log)
        // A resolution: endsAt not after the moment it was sent (firing ones end 4 resends ahead).
        #expect(tail.wait {
            receiver.requests.contains { req in
                let ends = ((req.bodyJSON as? [[String: Any]])?.first?["endsAt"] as? String).flatMap(ISO8601DateFormatter.lenient.date(from:))
                return ends.map { $0.timeIntervalSince1970 <= (req["time"] as? Double ?? 0) } == true
            }
        })
        let afterResolution = receiver.requests.count
        usleep(2_500_000)
        #expect(receiver.requests.count == afterResolution, "no resend after the resolution")
        #expect(tail.terminate() == 0)
    }

    @Test func aFullOutboxDropsTheOldestAndScanStopsWaitingAfterItsTimeout() throws {
        let dir = CLI.temporaryDirectory()
        let receiver = try TestReceiver(in: dir)
        receiver.stop()
        let log = Self.burstLog(dir, ip: "192.0.2.1")
        L.append((0..<24).map { L.line(Double(600 + $0), ip: "192.0.2.2", user: "svc_b", status: 401) }.joined(), to: log)
        let cfg = try config(dir, """
            sinks:
              - name: hook
                kind: webhook
                url: \(receiver.url)/hook
            delivery:
              outbox_limit: 1
            """)
        let started = Date()
        let r = try CLI.run(["scan", "--config", cfg, "--state-dir", "state", "--delivery-timeout", "2s", log.path], cwd: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(Date().timeIntervalSince(started) < 10)
        #expect(r.stderr.contains("the outbox is full (1 undelivered alerts): dropped the 1 oldest"), "\(r.stderr)")
        #expect(r.stderr.contains("1 alert not delivered within --delivery-timeout 2s: kept in the outbox"), "\(r.stderr)")
        let waiting = try CLI.run(["alerts", "--state-dir", "state", "--undelivered"], cwd: dir)
        #expect(waiting.stderr.contains("1 waiting, 0 refused"))
        #expect(waiting.stdout.contains("WAITING  hook"), "\(waiting.stdout)")
        // The next run sends what was left.
        try receiver.start()
        let next = try CLI.run(["scan", "--config", cfg, "--state-dir", "state", "--delivery-timeout", "20s", "/dev/null"], cwd: dir)
        #expect(next.status == 0)
        #expect(receiver.requests.count == 1)
        #expect((receiver.requests.first?.bodyJSON as? [String: Any])?["key"] as? [String: String] == ["source_ip": "192.0.2.2"])
    }

    /// A CA, a server certificate for 127.0.0.1 and a client certificate, made with openssl.
    static func certificates(in dir: URL) throws {
        let script = """
            set -e
            openssl req -x509 -newkey rsa:2048 -nodes -keyout ca.key -out ca.pem -days 2 -subj "/CN=logwatch test CA" 2>/dev/null
            openssl req -newkey rsa:2048 -nodes -keyout server.key -out server.csr -subj "/CN=127.0.0.1" 2>/dev/null
            printf 'subjectAltName=IP:127.0.0.1\\n' > san.ext
            openssl x509 -req -in server.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out server.pem -days 2 -extfile san.ext 2>/dev/null
            openssl req -newkey rsa:2048 -nodes -keyout client.key -out client.csr -subj "/CN=logwatch client" 2>/dev/null
            openssl x509 -req -in client.csr -CA ca.pem -CAkey ca.key -CAcreateserial -out client.pem -days 2 2>/dev/null
            """
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", script]
        p.currentDirectoryURL = dir
        try p.run()
        p.waitUntilExit()
        guard p.terminationStatus == 0 else { throw SinkTestError("openssl failed") }
    }

    @Test func httpsVerifiesCertificatesTrustsAPrivateCAAndPresentsAClientCertificate() throws {
        let dir = CLI.temporaryDirectory()
        try Self.certificates(in: dir)
        let p = { (name: String) in dir.appendingPathComponent(name).path }
        let receiver = try TestReceiver(in: dir, extra: ["--tls-cert", p("server.pem"), "--tls-key", p("server.key"), "--client-ca", p("ca.pem")])
        let log = Self.burstLog(dir)
        // Not trusted: the private CA is unknown, so nothing is sent.
        var r = try CLI.run(["scan", "--state-dir", "s1", "--webhook", receiver.url + "/hook", "--delivery-timeout", "5s", log.path], cwd: dir)
        #expect(r.stderr.contains("TLS error: the receiver's certificate is not trusted"), "\(r.stderr)")
        #expect(receiver.requests.isEmpty)
        // Trusted, but the receiver wants a client certificate.
        r = try CLI.run(["scan", "--state-dir", "s2", "--webhook", receiver.url + "/hook", "--ca-file", p("ca.pem"), "--delivery-timeout", "5s", log.path], cwd: dir)
        #expect(r.stderr.contains("TLS error"), "\(r.stderr)")
        #expect(r.stderr.contains("1 alert not delivered"), "\(r.stderr)")
        #expect(receiver.requests.isEmpty)
        // Trusted, with the client certificate: delivered.
        let cfg = try config(dir, """
            sinks:
              - name: mtls
                kind: webhook
                url: \(receiver.url)/hook
                ca_file: \(p("ca.pem"))
                client_certificate: \(p("client.pem"))
                client_key: \(p("client.key"))
            """)
        r = try CLI.run(["scan", "--config", cfg, "--state-dir", "s3", "--delivery-timeout", "10s", log.path], cwd: dir)
        #expect(r.stderr.contains("1 delivered"), "\(r.stderr)")
        #expect(receiver.requests.count == 1)
    }

    @Test func secretsAndBadSinksAreClearErrorsThatNamePlacesNotValues() throws {
        let dir = CLI.temporaryDirectory()
        let log = Self.burstLog(dir)
        var cfg = try config(dir, "sinks:\n  - kind: webhook\n    url: env:LOGWATCH_TEST_UNSET_URL\n")
        var r = try CLI.run(["scan", "--config", cfg, "--state-dir", "state", log.path], cwd: dir)
        #expect(r.status == 2)
        #expect(r.stderr.contains("sink webhook-1: url env:LOGWATCH_TEST_UNSET_URL: environment variable LOGWATCH_TEST_UNSET_URL is not set"), "\(r.stderr)")
        cfg = try config(dir, "sinks:\n  - kind: slack\n")
        r = try CLI.run(["check-config", cfg], cwd: dir)
        #expect(r.status == 2)
        #expect(r.stderr.contains("sinks.yml:2: sinks[0]: a slack sink needs a url"), "\(r.stderr)")
        cfg = try config(dir, "sinks:\n  - kind: pager\n    url: http://x\n")
        r = try CLI.run(["check-config", cfg], cwd: dir)
        #expect(r.stderr.contains("sinks[0].kind: 'pager' is not one of stdout, file, webhook, slack, alertmanager"), "\(r.stderr)")
        r = try CLI.run(["scan", "--signing-secret", "hunter2", "--webhook", "http://127.0.0.1:9/x", log.path], cwd: dir)
        #expect(r.status != 0)
        #expect(r.stderr.contains("--signing-secret takes env:NAME or file:PATH"))
        #expect(!r.stderr.contains("hunter2"))
        // A secret file others can read is refused, like an ssh key.
        let secret = dir.appendingPathComponent("hmac.key")
        try "s3cret-value".write(to: secret, atomically: true, encoding: .utf8)
        chmod(secret.path, 0o644)
        r = try CLI.run(["scan", "--state-dir", "state", "--signing-secret", "file:\(secret.path)", "--webhook", "http://127.0.0.1:9/x", log.path], cwd: dir)
        #expect(r.status == 2)
        #expect(r.stderr.contains("hmac.key is readable or writable by others than its owner (mode 644); run chmod 600"), "\(r.stderr)")
        #expect(!r.stderr.contains("s3cret-value"))
        // So is a configuration anyone can change.
        cfg = try config(dir, "sinks:\n  - kind: stdout\n")
        chmod(cfg, 0o666)
        r = try CLI.run(["check-config", cfg], cwd: dir)
        #expect(r.status == 2)
        #expect(r.stderr.contains("sinks.yml: writable by others than its owner (mode 666): they could turn detectors off or send alerts elsewhere"), "\(r.stderr)")
    }
}

extension ISO8601DateFormatter {
    nonisolated(unsafe) static let lenient: ISO8601DateFormatter = {
        let f = ISO8601DateFormatter()
        f.formatOptions = [.withInternetDateTime, .withFractionalSeconds]
        return f
    }()
}
