import LogwatchCore
import Testing
@testable import LogIngest

@Suite struct CombinedFormatTests {
    func one(_ line: String, format: LogFormat = .auto) throws -> TransactionEvent {
        var options = IngestOptions()
        options.format = format
        let r = Fixtures.read(line + "\n", options: options)
        #expect(r.malformed.isEmpty, "\(r.malformed)")
        return try #require(r.events.first)
    }

    @Test func utcOffsetIsApplied() throws {
        let e = try one(#"203.0.113.9 - svc_hr [10/Oct/2023:11:06:56 +0200] "GET /api/now/table/incident HTTP/1.1" 200 53 "-" "curl/8.0""#)
        #expect(EventTime.rfc3339(e.time) == "2023-10-10T09:06:56.000Z")
        #expect(e.principal == "svc_hr")
        #expect(e.sourceIP?.description == "203.0.113.9")
        #expect(e.method == "GET")
        #expect(e.path == "/api/now/table/incident")
        #expect(e.apiProtocol == .rest)
        #expect(e.bytes == 53)
        #expect(e.outcome == .success)
    }

    /// Lines that start with the server's name: Apache's `vhost_combined`, defined in Debian's
    /// apache2.conf as `LogFormat "%v:%p %h %l %u %t \"%r\" %>s %O \"%{Referer}i\" \"%{User-Agent}i\""`
    /// (directives from "mod_log_config", Apache HTTP Server documentation), and an nginx
    /// `log_format` starting with `$host` ("ngx_http_log_module", nginx documentation).
    @Test(arguments: [
        (#"www.example.com:443 192.0.2.10 - alice [10/Oct/2023:13:55:36 -0700] "GET /api/now/table/incident HTTP/1.1" 401 2326 "-" "curl/8.0""#, "192.0.2.10", "alice"),
        (#"api.example.com 2001:db8::7 - - [10/Oct/2023:13:55:36 -0700] "GET /api/now/table/incident HTTP/1.1" 401 2326 "-" "curl/8.0""#, "2001:db8::7", nil as String?),
    ])
    func linesThatStartWithTheServersName(line: String, client: String, user: String?) throws {
        let e = try one(line)
        #expect(e.sourceIP?.description == client)
        #expect(e.principal == user)
        #expect(EventTime.rfc3339(e.time) == "2023-10-10T20:55:36.000Z")
        #expect(e.path == "/api/now/table/incident")
        #expect(e.status == 401)
        #expect(e.failureReason == (user == nil ? .missingCredentials : .badCredentials))
    }

    @Test func negativeOffsetAndDayRollover() throws {
        let e = try one(#"10.0.0.1 - - [31/Dec/2023:23:30:00 -0130] "GET / HTTP/1.1" 200 - "-" "-""#)
        #expect(EventTime.rfc3339(e.time) == "2024-01-01T01:00:00.000Z")
        #expect(e.bytes == nil)
        #expect(e.principal == nil)
    }

    @Test func commonFormatWithoutRefererOrAgent() throws {
        let e = try one(#"192.0.2.4 - bob [28/Nov/2025:00:00:01 +0000] "POST /oauth_token.do HTTP/1.1" 401 12"#)
        #expect(e.principal == "bob")
        #expect(e.outcome == .authFailure)
        #expect(e.failureReason == .badCredentials)
    }

    @Test func escapedQuotesInRequestAndAgent() throws {
        let e = try one(#"192.0.2.4 - - [28/Nov/2025:00:00:01 +0000] "GET /a\"b HTTP/1.1" 200 1 "-" "Mozilla \"quoted\" agent" extra"#)
        #expect(e.path == #"/a\"b"#)
        #expect(e.status == 200)
    }

    @Test func ipv6ClientsAreCanonical() throws {
        let e = try one(#"2001:DB8:0:0:0:0:0:1 - - [28/Nov/2025:00:00:01 +0000] "GET / HTTP/1.1" 200 1 "-" "-""#)
        #expect(e.sourceIP?.description == "2001:db8::1")
        let mapped = try one(#"::ffff:198.51.100.2 - - [28/Nov/2025:00:00:01 +0000] "GET / HTTP/1.1" 200 1 "-" "-""#)
        #expect(mapped.sourceIP?.description == "198.51.100.2")
    }

    @Test func nginxAndTraefikExtrasGiveDurations() throws {
        let nginx = try one(#"10.0.0.1 - - [28/Nov/2025:00:00:01 +0000] "GET / HTTP/1.1" 200 1 "-" "ua" rt=0.250 uct="0.001""#)
        #expect(nginx.durationMs == 250)
        let traefik = try one(#"10.0.0.1 - - [28/Nov/2025:00:00:01 +0000] "GET / HTTP/1.1" 200 1 "-" "ua" 42 "router@docker" "http://10.0.0.9:8080" 17ms"#)
        #expect(traefik.durationMs == 17)
        let bare = try one(#"10.0.0.1 - - [28/Nov/2025:00:00:01 +0000] "GET / HTTP/1.1" 200 1 "-" "ua" 0.005"#)
        #expect(bare.durationMs == 5)
    }

    @Test func tlsGarbageRequestLineStillCountsAsAnEvent() throws {
        let e = try one(#"10.0.0.1 - - [28/Nov/2025:00:00:01 +0000] "\x16\x03\x01\x00" 400 0 "-" "-""#)
        #expect(e.method == nil)
        #expect(e.path == nil)
        #expect(e.outcome == .error)
    }

    @Test func mutualTLSFailures() throws {
        #expect(try one(#"10.0.0.1 - - [28/Nov/2025:00:00:01 +0000] "GET /api/x HTTP/1.1" 495 0 "-" "-""#).failureReason == .clientCertificateInvalid)
        #expect(try one(#"10.0.0.1 - - [28/Nov/2025:00:00:01 +0000] "GET /api/x HTTP/1.1" 496 0 "-" "-""#).failureReason == .clientCertificateMissing)
    }

    @Test(arguments: [
        ("not a log line at all", "format not recognised"),
        (#"10.0.0.1 - - 28/Nov/2025:00:00:01 "GET / HTTP/1.1" 200 1"#, "timestamp"),
        (#"10.0.0.1 - - [28/Nov/2025:00:00:01 +0000] GET / 200 1"#, "request line"),
        (#"10.0.0.1 - - [28/Nov/2025:00:00:01 +0000] "GET / HTTP/1.1" OK 1"#, "status"),
        (#"10.0.0.1 - - [99/Nov/2025:00:00:01 +0000] "GET / HTTP/1.1" 200 1"#, "timestamp not understood"),
    ])
    func malformedLinesAreCountedWithAReason(line: String, reason: String) {
        var options = IngestOptions()
        options.format = reason == "format not recognised" ? .auto : .combined
        let r = Fixtures.read(line + "\n", options: options)
        #expect(r.events.isEmpty)
        #expect(r.stats.malformed == 1)
        #expect(r.malformed.first?.line == 1)
        #expect(r.malformed.first?.reason.contains(reason) == true, "\(r.malformed)")
    }

    @Test func aMalformedLineDoesNotStopTheRest() {
        let text = Fixtures.combinedLines(3).split(separator: "\n").joined(separator: "\nbroken\n") + "\n"
        let r = Fixtures.read(text)
        #expect(r.events.count == 3)
        #expect(r.stats.malformed == 2)
        #expect(r.malformed.map(\.line) == [2, 4])
        #expect(r.events.map(\.origin.line) == [1, 3, 5])
    }
}
