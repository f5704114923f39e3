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
        // Standard input is not read from disk.
        #expect(r.stderr.contains("bytes read: ") && !r.stderr.contains("from disk"), "\(r.stderr)")
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

    /// Input that is not an access log says so: an AWS WAF log (fields as "Log fields for your
    /// protection pack (web ACL) traffic", AWS WAF Developer Guide), random bytes, and an AWS
    /// Application Load Balancer access log ("Access logs for your Application Load Balancer",
    /// example entry; a layout logwatch does not read yet). Each ends with exit status 2 and
    /// a message naming the file, the formats tried and the first rejected line.
    @Test(arguments: ["scan", "events"])
    func aFileOfWhichNothingCouldBeReadIsAnError(command: String) throws {
        let dir = CLI.temporaryDirectory()
        let waf = dir.appendingPathComponent("waf.json")
        try (#"{"timestamp":1576280412771,"formatVersion":1,"webaclId":"arn:aws:wafv2:ap-southeast-2:111122223333:regional/webacl/STMTest/1EXAMPLE-2ARN-3ARN-4ARN-123456EXAMPLE","terminatingRuleId":"STMTest_SQLi_XSS","terminatingRuleType":"REGULAR","action":"BLOCK","terminatingRuleMatchDetails":[{"conditionType":"SQL_INJECTION","location":"UNKNOWN","matchedData":["10","AND","1"]}],"httpSourceName":"-","httpSourceId":"-","ruleGroupList":[],"rateBasedRuleList":[],"nonTerminatingMatchingRules":[],"httpRequest":{"clientIp":"1.1.1.1","country":"AU","headers":[{"name":"Host","value":"localhost:1989"}],"uri":"/myUri","args":"","httpVersion":"HTTP/1.1","httpMethod":"GET","requestId":"rid"},"labels":[{"name":"value"}]}"# + "\n")
            .write(to: waf, atomically: true, encoding: .utf8)
        let binary = dir.appendingPathComponent("random.bin")
        var rng = SystemRandomNumberGenerator()
        try Data((0..<4096).map { _ in UInt8.random(in: 0...255, using: &rng) }).write(to: binary)
        let alb = dir.appendingPathComponent("alb.log")
        try (#"http 2018-07-02T22:23:00.186641Z app/my-loadbalancer/50dc6c495c0c9188 192.168.131.39:2817 10.0.0.1:80 0.000 0.001 0.000 200 200 34 366 "GET http://www.example.com:80/ HTTP/1.1" "curl/7.46.0" - - arn:aws:elasticloadbalancing:us-east-2:123456789012:targetgroup/my-targets/73e2d6bc24d8a067 "Root=1-58337262-36d228ad5d99923122bbe354" "-" "-" 0 2018-07-02T22:22:48.364000Z "forward" "-" "-" "10.0.0.1:80" "200" "-" "-" TID_123456"# + "\n")
            .write(to: alb, atomically: true, encoding: .utf8)
        for file in [waf, binary, alb] {
            let r = try CLI.run([command, file.path])
            #expect(r.status == 2, "\(file.lastPathComponent): \(r.stderr)")
            #expect(r.stderr.contains("\(file.path): nothing in it could be read (formats tried:"), "\(r.stderr)")
            #expect(r.stderr.contains("line 1:"), "\(r.stderr)")
        }
        let r = try CLI.run([command, waf.path])
        #expect(r.stderr.contains("1 record with no status, method, path or client address: not an access log"), "\(r.stderr)")
    }

    @Test func badOptionsAreRefusedWithAMessage() throws {
        let r = try CLI.run(["events", "--field", "nosuch=x", "a.log"])
        #expect(r.status != 0)
        #expect(r.stderr.contains("unknown name 'nosuch'"))
        let tz = try CLI.run(["events", "--timezone", "Mars/Olympus", "a.log"])
        #expect(tz.stderr.contains("--timezone"))
    }
}
