import LogwatchCore
import Testing
@testable import LogIngest

@Suite struct JSONFormatTests {
    func one(_ line: String, options: IngestOptions = IngestOptions()) throws -> TransactionEvent {
        let r = Fixtures.read(line + "\n", options: options)
        #expect(r.malformed.isEmpty, "\(r.malformed)")
        #expect(r.stats.format == .json)
        return try #require(r.events.first)
    }

    @Test func elasticCommonSchemaNested() throws {
        let e = try one(#"{"@timestamp":"2025-11-28T00:00:01.144Z","source":{"ip":"198.51.100.7"},"user":{"name":"integration.hr"},"http":{"request":{"method":"POST"},"response":{"status_code":401,"bytes":99}},"url":{"original":"/api/now/table/x?a=1"},"event":{"duration":2500000}}"#)
        #expect(EventTime.rfc3339(e.time) == "2025-11-28T00:00:01.144Z")
        #expect(e.sourceIP?.description == "198.51.100.7")
        #expect(e.principal == "integration.hr")
        #expect(e.method == "POST")
        #expect(e.status == 401)
        #expect(e.bytes == 99)
        #expect(e.path == "/api/now/table/x")
        #expect(e.durationMs == 2.5)
        #expect(e.failureReason == .badCredentials)
        #expect(e.apiProtocol == .rest)
    }

    @Test func dottedKeysWorkLikeNestedObjects() throws {
        let e = try one(#"{"@timestamp":"2025-11-28T00:00:01Z","source.ip":"198.51.100.7","user.name":"svc","http.response.status_code":200}"#)
        #expect(e.sourceIP?.description == "198.51.100.7")
        #expect(e.principal == "svc")
        #expect(e.status == 200)
    }

    @Test func nginxJSON() throws {
        let e = try one(#"{"time_iso8601":"2025-11-28T01:00:00+01:00","remote_addr":"10.1.1.1","remote_user":"-","request":"GET /api/x?token=secret HTTP/1.1","status":"403","body_bytes_sent":"10","request_time":"0.120"}"#)
        #expect(EventTime.rfc3339(e.time) == "2025-11-28T00:00:00.000Z")
        #expect(e.principal == nil)
        #expect(e.method == "GET")
        #expect(e.path == "/api/x")
        #expect(e.status == 403)
        #expect(e.outcome == .denied)
        #expect(e.failureReason == nil)
        #expect(e.durationMs == 120)
    }

    @Test func caddy() throws {
        let e = try one(#"{"level":"info","ts":1764288001.5,"logger":"http.log.access","msg":"handled request","request":{"remote_ip":"203.0.113.5","remote_port":"5555","client_ip":"203.0.113.5","proto":"HTTP/2.0","method":"GET","host":"api.example.com","uri":"/api/v1/items","headers":{"User-Agent":["curl"]}},"user_id":"apikey-17","duration":0.0021,"size":512,"status":200}"#)
        #expect(EventTime.rfc3339(e.time) == "2025-11-28T00:00:01.500Z")
        #expect(e.sourceIP?.description == "203.0.113.5")
        #expect(e.principal == "apikey-17")
        #expect(e.durationMs == 2.1)
        #expect(e.bytes == 512)
    }

    @Test func traefik() throws {
        let e = try one(#"{"ClientAddr":"192.0.2.10:53211","ClientHost":"192.0.2.10","ClientUsername":"svc_ci","DownstreamContentSize":42,"DownstreamStatus":401,"Duration":15000000,"RequestMethod":"POST","RequestPath":"/api/deploy","StartUTC":"2025-11-28T00:00:01.123456789Z","time":"2025-11-28T00:00:01Z"}"#)
        #expect(e.sourceIP?.description == "192.0.2.10")
        #expect(e.principal == "svc_ci")
        #expect(e.status == 401)
        #expect(e.durationMs == 15)
        #expect(EventTime.rfc3339(e.time) == "2025-11-28T00:00:01.123Z")
    }

    @Test func kong() throws {
        let e = try one(#"{"client_ip":"198.51.100.20","started_at":1764288001000,"request":{"method":"GET","uri":"/api/orders","url":"https://api.example.com:8443/api/orders?x=1","size":100},"response":{"status":429,"size":12},"latencies":{"request":34,"kong":2,"proxy":30},"consumer":{"username":"partner-acme","id":"c1"},"authenticated_entity":{"id":"k-1"}}"#)
        #expect(e.sourceIP?.description == "198.51.100.20")
        #expect(e.principal == "partner-acme")
        #expect(e.path == "/api/orders")
        #expect(e.status == 429)
        #expect(e.bytes == 12)
        #expect(e.durationMs == 34)
        #expect(e.outcome == .error)
        #expect(EventTime.rfc3339(e.time) == "2025-11-28T00:00:01.000Z")
    }

    @Test func envoy() throws {
        let e = try one(#"{"start_time":"2025-11-28T00:00:01.250Z","method":"POST","path":"/api/ingest","response_code":200,"bytes_sent":77,"duration":12,"downstream_remote_address":"[2001:db8::7]:40000"}"#)
        #expect(e.sourceIP?.description == "2001:db8::7")
        #expect(e.durationMs == 12)
        #expect(e.bytes == 77)
    }

    @Test func awsAPIGateway() throws {
        let e = try one(#"{"requestId":"abc","ip":"203.0.113.77","requestTime":"28/Nov/2025:00:00:01 +0000","httpMethod":"GET","resourcePath":"/items/{id}","path":"/prod/items/7","status":"401","protocol":"HTTP/1.1","responseLength":"20","principalId":"client-9","responseLatency":"15"}"#)
        #expect(e.sourceIP?.description == "203.0.113.77")
        #expect(e.principal == "client-9")
        #expect(e.path == "/prod/items/7")
        #expect(e.failureReason == .badCredentials)
        #expect(e.durationMs == 15)
        #expect(e.apiProtocol == .other)
    }

    @Test func serviceNowExport() throws {
        var options = IngestOptions()
        options.naiveZone = NaiveTimeZone("+02:00")!
        let e = try one(#"{"sys_created_on":"2025-11-28 02:00:01","remote_ip":"10.20.30.40","sys_created_by":"soap.hr","type":"SOAP","url":"/incident.do?SOAP","http_status":"500","response_time":"230","output_length":"900","error":"<faultcode>wsse:InvalidSecurityToken</faultcode>"}"#, options: options)
        #expect(EventTime.rfc3339(e.time) == "2025-11-28T00:00:01.000Z")
        #expect(e.apiProtocol == .soap)
        #expect(e.failureReason == .wsseInvalidSecurityToken)
        #expect(e.outcome == .authFailure)
        #expect(e.durationMs == 230)
        #expect(e.bytes == 900)
    }

    @Test(arguments: [
        ("1764288001", "2025-11-28T00:00:01.000Z"),
        ("1764288001123", "2025-11-28T00:00:01.123Z"),
        ("1764288001123456789", "2025-11-28T00:00:01.123Z"),
        ("\"1764288001\"", "2025-11-28T00:00:01.000Z"),
        ("\"2025-11-28T00:00:01.123456Z\"", "2025-11-28T00:00:01.123Z"),
        ("\"2025-11-28T05:30:01+05:30\"", "2025-11-28T00:00:01.000Z"),
        ("\"2025-11-28 00:00:01\"", "2025-11-28T00:00:01.000Z"),
    ])
    func timestampNotations(value: String, expected: String) throws {
        let e = try one(#"{"timestamp":\#(value),"status":200}"#)
        #expect(EventTime.rfc3339(e.time) == expected)
    }

    @Test func oauthErrorCodesRefineTheReason() throws {
        #expect(try one(#"{"time":"2025-11-28T00:00:01Z","status":400,"error":"invalid_grant","path":"/oauth_token.do"}"#).failureReason == .oauthInvalidGrant)
        #expect(try one(#"{"time":"2025-11-28T00:00:01Z","status":401,"error":{"code":"invalid_client","message":"Client authentication failed"}}"#).failureReason == .oauthInvalidClient)
        #expect(try one(#"{"time":"2025-11-28T00:00:01Z","status":401,"error_description":"The access token expired","error":"invalid_token"}"#).failureReason == .oauthInvalidToken)
        // An OAuth word in an error field of a 500 is not an auth failure.
        #expect(try one(#"{"time":"2025-11-28T00:00:01Z","status":500,"error":"invalid_grant"}"#).outcome == .error)
    }

    @Test func fieldOverrideReplacesTheDefaults() throws {
        var options = IngestOptions()
        options.fieldOverrides = [.principal: "actor.client_id"]
        let e = try one(#"{"time":"2025-11-28T00:00:01Z","user":"ignored","actor":{"client_id":"oauth-77"},"status":200}"#, options: options)
        #expect(e.principal == "oauth-77")
    }

    @Test func escapesAndUnicodeInValues() throws {
        let e = try one(#"{"time":"2025-11-28T00:00:01Z","user":"a\"b\\c\u00e9\ud83d\ude00\ud800x","status":200}"#)
        #expect(e.principal == "a\"b\\cé😀\u{FFFD}x")
    }

    @Test func duplicateKeysKeepTheFirst() throws {
        let e = try one(#"{"time":"2025-11-28T00:00:01Z","user":"first","user":"second","status":200}"#)
        #expect(e.principal == "first")
    }

    @Test(arguments: [
        (#"{"time":"2025-11-28T00:00:01Z""#, "unterminated"),
        (#"{"time":"2025-11-28T00:00:01Z","x":"\q"}"#, "invalid escape"),
        (#"{"time":"2025-11-28T00:00:01Z"} trailing"#, "text after"),
        (#"{"time":"2025-11-28T00:00:01Z","x":tru}"#, "invalid literal"),
        (#"{"status":200}"#, "no timestamp"),
        (#"{"time":"yesterday","status":200}"#, "timestamp not understood"),
    ])
    func malformedJSON(line: String, reason: String) {
        var options = IngestOptions()
        options.format = .json
        options.maxLineBytes = 1 << 20
        let r = Fixtures.read(line + "\n", options: options)
        #expect(r.events.isEmpty)
        #expect(r.malformed.first?.reason.contains(reason) == true, "\(r.malformed)")
    }

    @Test func deepNestingIsMalformedWithoutExhaustingTheStack() {
        var options = IngestOptions()
        options.maxLineBytes = 1 << 21
        for opener in ["{\"a\":", "["] {
            let closer = opener == "[" ? "]" : "}"
            let line = "{\"time\":1,\"x\":" + String(repeating: opener, count: 100_000) + "1" + String(repeating: closer, count: 100_000) + "}"
            let r = Fixtures.read(line + "\n", options: options)
            #expect(r.events.isEmpty)
            #expect(r.malformed.first?.reason.contains("nested deeper") == true)
        }
    }

    @Test func hugeNumbersAreIgnoredNotFatal() throws {
        let e = try one(#"{"time":"2025-11-28T00:00:01Z","status":200,"bytes":123456789012345678901234567890,"duration":1e400}"#)
        #expect(e.bytes == nil)
        #expect(e.durationMs == nil)
    }
}
