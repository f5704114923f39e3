import Testing
@testable import LogIngest
import AnomalyEngine

@Suite struct ServiceNowCSVTests {
    @Test func columnNamesAndQuotedFieldsWithCommasQuotesAndNewlines() {
        let csv = #"""
        "sys_created_on","remote_ip","sys_created_by","type","url","http_status","response_time","output_length"
        "2025-11-28 00:00:01","10.0.0.5","svc_sn","REST","/api/now/table/incident?sysparm_query=a,b","401","35","10"
        "2025-11-28 00:00:02","10.0.0.6","svc ""quoted""","SOAP","/x.do?SOAP
        continued","500","12","0"
        2025-11-28 00:00:03,10.0.0.7,plain,REST,/api/x,200,5,1

        """#
        let r = Fixtures.read(csv)
        #expect(r.stats.format == .servicenowCSV)
        #expect(r.malformed.isEmpty, "\(r.malformed)")
        #expect(r.events.count == 3)
        #expect(r.events[0].failureReason == .badCredentials)
        #expect(r.events[0].path == "/api/now/table/incident")
        #expect(r.events[1].principal == "svc \"quoted\"")
        #expect(r.events[1].apiProtocol == .soap)
        #expect(r.events.map(\.origin.line) == [2, 3, 5])
        #expect(r.events[2].durationMs == 5)
    }

    @Test func displayLabels() throws {
        let csv = "\u{FEFF}Created,IP address,Created by,Type,URL,HTTP response status,Response time\n2025-11-28 00:00:01,192.0.2.1,admin,REST,/api/now/x,403,7\n"
        let r = Fixtures.read(csv)
        let e = try #require(r.events.first)
        #expect(e.principal == "admin")
        #expect(e.sourceIP?.description == "192.0.2.1")
        #expect(e.failureReason == .forbidden)
    }

    @Test func wrongColumnCountIsMalformed() {
        let r = Fixtures.read("sys_created_on,remote_ip,http_status\n2025-11-28 00:00:01,10.0.0.1\n2025-11-28 00:00:02,10.0.0.1,200\n")
        #expect(r.events.count == 1)
        #expect(r.malformed.first?.line == 2)
        #expect(r.malformed.first?.reason.contains("2 columns") == true)
    }

    @Test func unclosedQuoteIsBoundedByMaxLineBytes() {
        var options = IngestOptions()
        options.maxLineBytes = 200
        let body = (0..<50).map { "line \($0)" }.joined(separator: "\n")
        let r = Fixtures.read("sys_created_on,url\n\"2025-11-28 00:00:01\",\"\(body)\n", options: options)
        #expect(r.events.isEmpty)
        // The runaway record is refused where it started; reading resumes on the following lines.
        #expect(r.malformed.first?.line == 2)
        #expect(r.malformed.first?.reason.contains("quoted field runs past 200 bytes") == true)
    }
}

@Suite struct W3CFormatTests {
    @Test func iisLogWithFieldsChangingMidFile() {
        let log = """
        #Software: Microsoft Internet Information Services 10.0
        #Version: 1.0
        #Date: 2025-11-28 00:00:00
        #Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) sc-status sc-substatus sc-win32-status time-taken
        2025-11-28 00:00:01 10.0.0.1 POST /Service.svc ?wsdl 443 CORP\\svc_iis 198.51.100.9 Mozilla/5.0+(Windows) 401 1 2148074254 15
        #Fields: time c-ip cs-method cs-uri-stem sc-status sc-bytes
        00:00:02 198.51.100.10 GET /api/items 200 512

        """
        let r = Fixtures.read(log)
        #expect(r.stats.format == .w3c)
        #expect(r.malformed.isEmpty, "\(r.malformed)")
        #expect(r.events.count == 2)
        #expect(r.events[0].principal == "CORP\\svc_iis")
        #expect(r.events[0].apiProtocol == .soap)
        #expect(r.events[0].path == "/Service.svc")
        #expect(r.events[0].failureReason == .badCredentials)
        #expect(r.events[0].durationMs == 15)
        #expect(EventTime.rfc3339(r.events[1].time) == "2025-11-28T00:00:02.000Z")
        #expect(r.events[1].bytes == 512)
        #expect(r.events[1].apiProtocol == .rest)
        #expect(r.events.map(\.origin.line) == [5, 7])
    }

    @Test func dataBeforeFieldsIsMalformed() {
        var options = IngestOptions()
        options.format = .w3c
        let r = Fixtures.read("2025-11-28 00:00:01 1.2.3.4 GET / 200\n", options: options)
        #expect(r.malformed.first?.reason.contains("#Fields") == true)
    }

    @Test func valueCountMismatchIsMalformed() {
        let r = Fixtures.read("#Fields: date time c-ip sc-status\n2025-11-28 00:00:01 1.2.3.4\n")
        #expect(r.events.isEmpty)
        #expect(r.malformed.first?.reason.contains("3 values") == true)
    }
}

@Suite struct ClassificationTests {
    @Test(arguments: [
        ("/api/now/table/incident", nil as String?, APIProtocol.rest),
        ("/incident.do?SOAP", nil, .soap),
        ("/sys_user.do?SOAP&displayvalue=true", nil, .soap),
        ("/ws/soap/Orders", nil, .soap),
        ("/Service.svc?wsdl", nil, .soap),
        ("/login.do", nil, .other),
        ("/api2/x", nil, .other),
        ("/whatever", "SOAP", .soap),
        ("/incident.do?SOAP", "REST", .rest),
    ])
    func protocolFromTypeOrPath(path: String, type: String?, expected: APIProtocol) throws {
        var line = #"{"time":"2025-11-28T00:00:01Z","url":"\#(path)","status":200"#
        if let type { line += #","type":"\#(type)""# }
        let r = Fixtures.read(line + "}\n")
        #expect(try #require(r.events.first).apiProtocol == expected)
    }

    @Test(arguments: [
        (200, nil as String?, Outcome.success, nil as FailureReason?),
        (302, nil, .success, nil),
        (401, nil, .authFailure, .badCredentials),
        (407, nil, .authFailure, .badCredentials),
        (403, nil, .authFailure, .forbidden),
        (404, nil, .error, nil),
        (429, nil, .error, nil),
        (495, nil, .authFailure, .clientCertificateInvalid),
        (496, nil, .authFailure, .clientCertificateMissing),
        (500, nil, .error, nil),
        (500, "wsse:FailedAuthentication", .authFailure, .wsseFailedAuthentication),
        (500, "wsse:InvalidSecurity", .authFailure, .wsseInvalidSecurity),
        (500, "ns1:FailedCheck", .authFailure, .wsseFailedCheck),
        (500, "wsse:SecurityTokenUnavailable", .authFailure, .wsseSecurityTokenUnavailable),
        (400, "invalid_grant", .authFailure, .oauthInvalidGrant),
        (400, "unauthorized_client", .authFailure, .oauthUnauthorizedClient),
        (403, "access_denied", .authFailure, .oauthAccessDenied),
        (200, "wsse:FailedAuthentication", .success, nil),
    ])
    func outcomeAndReason(status: Int, error: String?, outcome: Outcome, reason: FailureReason?) throws {
        var line = #"{"time":"2025-11-28T00:00:01Z","status":\#(status)"#
        if let error { line += #","fault":"\#(error)""# }
        let e = try #require(Fixtures.read(line + "}\n").events.first)
        #expect(e.outcome == outcome)
        #expect(e.failureReason == reason)
    }
}

@Suite struct IPAddressTests {
    @Test(arguments: [
        ("192.0.2.1", "192.0.2.1"),
        ("::ffff:192.0.2.1", "192.0.2.1"),
        ("::FFFF:c000:0201", "192.0.2.1"),
        ("2001:0db8:0000:0000:0000:0000:0000:0001", "2001:db8::1"),
        ("2001:db8:0:0:1:0:0:1", "2001:db8::1:0:0:1"),
        ("fe80::1%eth0", "fe80::1"),
        ("::", "::"),
        ("::1", "::1"),
        ("2001:db8:1:2:3:4:5:6", "2001:db8:1:2:3:4:5:6"),
        ("1::", "1::"),
    ])
    func canonicalForm(input: String, expected: String) {
        #expect(IPAddress(input)?.description == expected)
    }

    @Test(arguments: ["", "1.2.3", "1.2.3.4.5", "256.1.1.1", "01.2.3.4", "1:2:3:4:5:6:7:8:9", "1::2::3", "gggg::1", ":1", "1:", "host.example.com"])
    func rejected(input: String) {
        #expect(IPAddress(input) == nil)
    }

    @Test func networks() throws {
        let n = try #require(IPNetwork("10.0.0.0/8"))
        #expect(n.contains(IPAddress("10.200.1.1")!))
        #expect(!n.contains(IPAddress("11.0.0.1")!))
        let v6 = try #require(IPNetwork("2001:db8::/32"))
        #expect(v6.contains(IPAddress("2001:db8:ffff::1")!))
        #expect(!v6.contains(IPAddress("2001:db9::1")!))
        #expect(n.description == "10.0.0.0/8")
        #expect(IPNetwork("10.0.0.0/33") == nil)
        #expect(IPNetwork("10.0.0.1/24")?.description == "10.0.0.0/24")
    }
}
