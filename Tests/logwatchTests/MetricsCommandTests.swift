import Foundation
import Testing

/// `tail --metrics-listen` scraped by a real Prometheus (Debian's `prometheus`, which
/// `.ci/run` installs; `LOGWATCH_PROMETHEUS` names another binary), started by the test on a
/// loopback port with a one-second scrape interval. The scraped counters must match what tail
/// read.
@Suite struct MetricsCommandTests {
    typealias L = AccessLog

    static var prometheus: String {
        ProcessInfo.processInfo.environment["LOGWATCH_PROMETHEUS"] ?? "/usr/bin/prometheus"
    }

    /// A port free now on 127.0.0.1 (bound and released).
    static func freePort() throws -> Int {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(fd) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0 }
        }
        try #require(bound)
        return Int(UInt16(bigEndian: address.sin_port))
    }

    /// An HTTP GET, by Python's urllib: FoundationNetworking's URLSession (libcurl) leaks
    /// allocations that the AddressSanitizer run would report.
    static func get(_ url: String) -> (status: Int, body: String)? {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = ["python3", "-c", """
            import sys, urllib.request, urllib.error
            try:
                r = urllib.request.urlopen(sys.argv[1], timeout=10)
                status, body = r.status, r.read()
            except urllib.error.HTTPError as e:
                status, body = e.code, e.read()
            except OSError:
                sys.exit(1)
            sys.stdout.write("%d\\n" % status); sys.stdout.write(body.decode())
            """, url]
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        guard (try? p.run()) != nil else { return nil }
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        p.waitUntilExit()
        guard p.terminationStatus == 0, let newline = text.firstIndex(of: "\n"), let status = Int(text[..<newline]) else { return nil }
        return (status, String(text[text.index(after: newline)...]))
    }

    /// The value of an instant query, if Prometheus has a sample for it.
    static func query(_ port: Int, _ promQL: String) -> Double? {
        let q = promQL.addingPercentEncoding(withAllowedCharacters: .alphanumerics)!
        guard let (status, body) = get("http://127.0.0.1:\(port)/api/v1/query?query=\(q)"), status == 200,
              let json = try? JSONSerialization.jsonObject(with: Data(body.utf8)) as? [String: Any],
              let data = json["data"] as? [String: Any], let result = data["result"] as? [[String: Any]],
              let value = result.first?["value"] as? [Any], let text = value.last as? String else { return nil }
        return Double(text)
    }

    @Test func aRealPrometheusScrapesCountersThatMatchTheRun() throws {
        try #require(FileManager.default.isExecutableFile(atPath: Self.prometheus),
                     "\(Self.prometheus) is missing: apt-get install prometheus (as .ci/run does), or set LOGWATCH_PROMETHEUS")
        let dir = CLI.temporaryDirectory()
        let receiver = try TestReceiver(in: dir)
        defer { receiver.stop() }
        let config = dir.appendingPathComponent("logwatch.yml")
        try """
            sinks:
              - name: hook
                kind: webhook
                url: \(receiver.url)/hook
            """.write(to: config, atomically: true, encoding: .utf8)
        chmod(config.path, 0o600)
        let log = dir.appendingPathComponent("app.log")
        var text = ""
        for i in 0..<120 { text += L.line(Double(i), ip: "10.0.0.\(i % 5 + 1)", user: "svc_\(i % 3)", status: 200) }
        L.append(text + "not a log line\nnor this\n", to: log)
        let tail = try LiveTail(["--config", "logwatch.yml", "--state-dir", "state", "--from-beginning", "--poll-interval", "0.1",
                                 "--metrics-listen", "127.0.0.1:0", "app.log"], in: dir)
        #expect(tail.waitStarted())
        let listening = try #require(tail.stderr.split(separator: "\n").first { $0.contains("metrics on http://") })
        let target = try #require(listening.split(separator: "/").dropFirst().first.map(String.init))
        #expect(Self.get("http://\(target)/healthz")?.status == 200)
        #expect(Self.get("http://\(target)/nothing")?.status == 404)

        let port = try Self.freePort()
        try """
            global:
              scrape_interval: 1s
            scrape_configs:
              - job_name: logwatch
                static_configs:
                  - targets: ['\(target)']
            """.write(to: dir.appendingPathComponent("prometheus.yml"), atomically: true, encoding: .utf8)
        let prometheus = Process()
        prometheus.executableURL = URL(fileURLWithPath: Self.prometheus)
        prometheus.arguments = ["--config.file=prometheus.yml", "--storage.tsdb.path=tsdb", "--web.listen-address=127.0.0.1:\(port)"]
        prometheus.currentDirectoryURL = dir
        prometheus.standardOutput = FileHandle.nullDevice
        prometheus.standardError = try FileHandle(forWritingTo: {
            let url = dir.appendingPathComponent("prometheus.err")
            _ = FileManager.default.createFile(atPath: url.path, contents: nil)
            return url
        }())
        try prometheus.run()
        defer { prometheus.terminate(); prometheus.waitUntilExit() }

        // 120 events, 122 lines, 2 malformed: as scraped, once Prometheus has them.
        #expect(tail.wait(timeout: 60) { Self.query(port, "logwatch_engine_events_total") == 120 },
                "\(String(decoding: (try? Data(contentsOf: dir.appendingPathComponent("prometheus.err"))) ?? Data(), as: UTF8.self).suffix(2000))")
        #expect(Self.query(port, #"logwatch_file_lines_total{file="app.log"}"#) == 122)
        #expect(Self.query(port, #"logwatch_file_malformed_lines_total{file="app.log"}"#) == 2)
        #expect(Self.query(port, #"logwatch_file_bytes_behind{file="app.log"}"#) == 0)
        #expect(Self.query(port, #"up{job="logwatch"}"#) == 1)
        #expect((Self.query(port, "logwatch_checkpoints_total") ?? 0) >= 1)
        // More lines: a burst of 25 failed logins (one incident, delivered to the webhook),
        // then a line four minutes older than the newest (late: max_lateness is 60 s); the
        // incident stays open (resolve_after is 15 min); the next scrapes follow.
        L.append((120..<145).map { L.line(Double($0), ip: "192.0.2.7", user: "admin", status: 401) }.joined(), to: log)
        L.append(L.line(400, ip: "10.0.0.9", user: "svc_0", status: 200) + L.line(160, ip: "10.0.0.9", user: "svc_0", status: 200), to: log)
        #expect(tail.wait(timeout: 30) { Self.query(port, "logwatch_engine_events_total") == 146 })
        #expect(tail.wait(timeout: 30) { Self.query(port, #"logwatch_deliveries_total{sink="hook",result="delivered"}"#) == 1 })
        #expect(Self.query(port, #"logwatch_open_incidents{detector="failed_auth_spike"}"#) == 1)
        #expect(Self.query(port, #"logwatch_file_late_events_total{file="app.log"}"#) == 1)
        #expect(Self.query(port, "logwatch_engine_late_events_total") == 1)
        #expect(Self.query(port, "logwatch_outbox_depth") == 0)
        #expect(receiver.requests(to: "/hook").count == 1)
        #expect(tail.terminate() == 0)
        #expect(tail.judged?.run == 146, "\(tail.stderr)")
    }
}
