import Foundation
import Testing

@Suite struct EventsCommandTests {
    let log = """
    203.0.113.9 - svc_hr [10/Oct/2023:11:06:56 +0200] "GET /api/now/table/incident?token=x HTTP/1.1" 401 53 "-" "curl"
    198.51.100.2 - - [10/Oct/2023:09:06:57 +0000] "POST /incident.do?SOAP HTTP/1.1" 200 10 "-" "cxf"
    nonsense

    """

    @Test func printsOneJSONObjectPerEventWithExactlyTheDocumentedKeys() throws {
        let dir = CLI.temporaryDirectory()
        let file = dir.appendingPathComponent("access.log")
        try log.write(to: file, atomically: true, encoding: .utf8)
        let r = try CLI.run(["events", file.path])
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.lines.count == 2)
        let first = try #require(JSONSerialization.jsonObject(with: Data(r.lines[0].utf8)) as? [String: Any])
        #expect(Set(first.keys) == ["time", "source_ip", "principal", "protocol", "direction", "method", "path", "status", "outcome", "failure_reason", "duration_ms", "bytes", "file", "line"])
        #expect(first["time"] as? String == "2023-10-10T09:06:56.000Z")
        #expect(first["outcome"] as? String == "auth_failure")
        #expect(first["failure_reason"] as? String == "bad_credentials")
        #expect(first["path"] as? String == "/api/now/table/incident")
        #expect(first["line"] as? Int == 1)
        #expect(first["duration_ms"] is NSNull)
        #expect(r.stderr.contains("3 lines, 2 events, 1 malformed"))
        #expect(r.stderr.contains("access.log:3: no [timestamp] after the user field"))
    }

    @Test func readsCompressedStandardInput() throws {
        let dir = CLI.temporaryDirectory()
        let file = dir.appendingPathComponent("access.log")
        try log.write(to: file, atomically: true, encoding: .utf8)
        let zst = try CLI.compress("zstd", file)
        let r = try CLI.run(["events", "-"], stdin: try Data(contentsOf: zst))
        #expect(r.status == 0)
        #expect(r.lines.count == 2)
        #expect(r.lines[0].contains(#""file":"-""#))
    }

    @Test func countPrintsOnlyTheSummary() throws {
        let dir = CLI.temporaryDirectory()
        let file = dir.appendingPathComponent("access.log")
        try log.write(to: file, atomically: true, encoding: .utf8)
        let gz = try CLI.compress("gzip", file)
        let r = try CLI.run(["events", "--count", gz.path])
        #expect(r.status == 0)
        #expect(r.stdout.isEmpty)
        #expect(r.stderr.contains("2 events"))
        #expect(r.stderr.contains("combined 2"))
    }

    @Test func unreadableAndDamagedInputsExitTwoAfterReadingTheRest() throws {
        let dir = CLI.temporaryDirectory()
        let file = dir.appendingPathComponent("access.log")
        try log.write(to: file, atomically: true, encoding: .utf8)
        var damaged = try Data(contentsOf: try CLI.compress("gzip", file))
        damaged = damaged.prefix(damaged.count - 12)
        let damagedURL = dir.appendingPathComponent("damaged.gz")
        try damaged.write(to: damagedURL)
        let r = try CLI.run(["events", dir.appendingPathComponent("missing.log").path, damagedURL.path, file.path])
        #expect(r.status == 2)
        #expect(r.stderr.contains("missing.log: cannot open: No such file or directory"))
        #expect(r.stderr.contains("damaged.gz: gzip stream truncated"))
        // The intact file after the broken ones is still read in full.
        #expect(r.lines.filter { $0.contains("access.log") }.count == 2)
    }

    @Test func badOptionsAreRefusedWithAMessage() throws {
        let r = try CLI.run(["events", "--field", "nosuch=x", "a.log"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("unknown name 'nosuch'"))
        let tz = try CLI.run(["events", "--timezone", "Mars/Olympus", "a.log"])
        #expect(tz.stderr.contains("--timezone"))
    }
}
