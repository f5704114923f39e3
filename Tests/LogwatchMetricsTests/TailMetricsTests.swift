import Foundation
import Testing
@testable import LogwatchMetrics

@Suite struct TailMetricsTests {
    func value(_ metrics: TailMetrics, _ series: String) -> Double? {
        String(decoding: metrics.exposition(), as: UTF8.self).split(separator: "\n")
            .first { $0.hasPrefix(series + " ") }.flatMap { Double($0.split(separator: " ").last!) }
    }

    /// Counters rise by what each reader adds; a reader that starts over (copy-truncate)
    /// adds from zero and never makes the counter go down; a file let go loses its series.
    @Test func countersRiseByWhatEachReaderAdds() {
        let m = TailMetrics(stallAfter: 30)
        let a = NSObject(), b = NSObject()
        m.record(files: [.init(reader: ObjectIdentifier(a), name: "app.log", lines: 10, events: 9, malformed: 1, bytesBehind: 500)])
        m.record(files: [.init(reader: ObjectIdentifier(a), name: "app.log", lines: 15, events: 14, malformed: 1, bytesBehind: 0)])
        #expect(value(m, #"logwatch_file_lines_total{file="app.log"}"#) == 15)
        #expect(value(m, #"logwatch_file_bytes_behind{file="app.log"}"#) == 0)
        // The file truncated: a new reader from zero.
        m.record(files: [.init(reader: ObjectIdentifier(b), name: "app.log", lines: 3, events: 3, malformed: 0, bytesBehind: 0)])
        #expect(value(m, #"logwatch_file_lines_total{file="app.log"}"#) == 18)
        #expect(value(m, #"logwatch_file_events_total{file="app.log"}"#) == 17)
        m.record(files: [])
        #expect(value(m, #"logwatch_file_lines_total{file="app.log"}"#) == nil)
        withExtendedLifetime((a, b)) {}
    }

    @Test func healthFailsWhenTheLoopStopsOrAReadIsNotSaved() throws {
        let m = TailMetrics(stallAfter: 1)
        m.beat(unsaved: false)
        #expect(m.healthProblems().isEmpty)
        m.beat(unsaved: true)
        usleep(1_300_000)
        let problems = m.healthProblems()
        #expect(problems.contains { $0.hasPrefix("follow loop: no turn for") })
        #expect(problems.contains { $0.hasPrefix("checkpoint: what was read") })
        m.recordCheckpoint(seconds: 0.01, engineBytes: 100)
        m.beat(unsaved: false)
        #expect(m.healthProblems().isEmpty)
        #expect(value(m, "logwatch_checkpoint_engine_bytes_total") == 100)
    }

    @Test func listenAddressesParse() {
        #expect(MetricsServer.parse("9464")! == ("127.0.0.1", 9464))
        #expect(MetricsServer.parse("0.0.0.0:9464")! == ("0.0.0.0", 9464))
        #expect(MetricsServer.parse("[::1]:9464")! == ("::1", 9464))
        #expect(MetricsServer.parse(":9464")! == ("127.0.0.1", 9464))
        #expect(MetricsServer.parse("host:99999") == nil)
        #expect(MetricsServer.parse("[::1]9464") == nil)
    }

    /// The server answers /metrics, /healthz (503 with the reasons when unhealthy) and 404.
    /// One server whose loop never stalls (an hour) and one whose loop stalled at once.
    @Test func theServerAnswersMetricsAndHealth() throws {
        let healthy = try MetricsServer(host: "127.0.0.1", port: 0, metrics: TailMetrics(stallAfter: 3_600))
        defer { healthy.stop() }
        let stalled = try MetricsServer(host: "127.0.0.1", port: 0, metrics: TailMetrics(stallAfter: 0.05))
        defer { stalled.stop() }
        func get(_ server: MetricsServer, _ path: String) throws -> (Int, String) {
            let p = Process()
            p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
            p.arguments = ["python3", "-c", """
                import sys, urllib.request, urllib.error
                try:
                    r = urllib.request.urlopen('http://\(server.address)\(path)')
                    print(r.status); print(r.read().decode(), end='')
                except urllib.error.HTTPError as e:
                    print(e.code); print(e.read().decode(), end='')
                """]
            let out = Pipe()
            p.standardOutput = out
            try p.run()
            let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
            p.waitUntilExit()
            let status = Int(text.split(separator: "\n").first ?? "") ?? 0
            return (status, String(text.drop { $0 != "\n" }.dropFirst()))
        }
        #expect(try get(healthy, "/healthz") == (200, "ok\n"))
        let (status, body) = try get(healthy, "/metrics")
        #expect(status == 200)
        #expect(body.contains("# TYPE logwatch_engine_events_total counter"))
        #expect(try get(healthy, "/other").0 == 404)
        usleep(100_000)
        let (unhealthy, reasons) = try get(stalled, "/healthz")
        #expect(unhealthy == 503)
        #expect(reasons.hasPrefix("follow loop: no turn for"))
    }
}
