import LogwatchCore
import Testing
@testable import LogIngest

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
        (401, nil, .authFailure, .missingCredentials),
        (407, nil, .authFailure, .badCredentials),
        (403, nil, .denied, nil),
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

    /// A record that does not say what became of the request proves nothing: never a success.
    @Test(arguments: [#","status":0"#, #","status":"-""#, ""])
    func noStatusIsUnknown(status: String) throws {
        let e = try #require(Fixtures.read(#"{"time":"2025-11-28T00:00:01Z","user":"svc","path":"/api/x"\#(status)}"# + "\n").events.first)
        #expect(e.outcome == .unknown)
        #expect(e.failureReason == nil)
    }
}

/// A failed login only when the log proves one.
@Suite struct ProvenFailureTests {
    /// IIS with its default W3C fields ("W3C logging", IIS configuration reference:
    /// sc-status, sc-substatus, sc-win32-status). A Windows login starts with the anonymous
    /// request answered 401.2 ("Logon failed due to server configuration"), then succeeds;
    /// 401.1 ("Logon failed", Win32 status 1326, ERROR_LOGON_FAILURE) is a wrong password
    /// ("The HTTP status code in IIS 7.0 and later versions", Microsoft KB 943891).
    @Test func iisSubstatusTellsTheChallengeFromTheFailure() throws {
        let log = """
            #Software: Microsoft Internet Information Services 10.0
            #Version: 1.0
            #Date: 2025-11-24 08:00:00
            #Fields: date time s-ip cs-method cs-uri-stem cs-uri-query s-port cs-username c-ip cs(User-Agent) cs(Referer) sc-status sc-substatus sc-win32-status time-taken
            2025-11-24 08:00:01 10.0.0.5 GET /Orders/Service.svc - 443 - 10.1.2.3 Mozilla/5.0+(Windows+NT+10.0) - 401 2 5 15
            2025-11-24 08:00:01 10.0.0.5 GET /Orders/Service.svc - 443 CORP\\alice 10.1.2.3 Mozilla/5.0+(Windows+NT+10.0) - 200 0 0 40
            2025-11-24 08:00:02 10.0.0.5 GET /Orders/Service.svc - 443 CORP\\bob 10.1.2.4 Mozilla/5.0+(Windows+NT+10.0) - 401 1 1326 12

            """
        let r = Fixtures.read(log)
        #expect(r.malformed.isEmpty, "\(r.malformed)")
        #expect(r.events.map(\.outcome) == [.challenge, .success, .authFailure])
        #expect(r.events.map(\.failureReason) == [nil, nil, .badCredentials])
    }

    /// A 401 whose line names no user: the credentials were not in the request, or the log
    /// does not show them (Apache's combined format, "Log Files", httpd documentation: %u is
    /// "-" when the request was not authenticated).
    @Test func aRefusalNamingNoUserIsMissingCredentials() throws {
        let log = """
            203.0.113.9 - - [24/Nov/2025:08:00:01 +0000] "GET /api/now/table/incident HTTP/1.1" 401 53 "-" "curl/8.4.0"
            203.0.113.9 - alice [24/Nov/2025:08:00:02 +0000] "GET /api/now/table/incident HTTP/1.1" 401 53 "-" "curl/8.4.0"

            """
        let r = Fixtures.read(log)
        #expect(r.events.map(\.outcome) == [.authFailure, .authFailure])
        #expect(r.events.map(\.failureReason) == [.missingCredentials, .badCredentials])
        #expect(r.stats.withoutStatus == 0 && r.stats.withoutAddress == 0)
    }

    /// JSON objects with a time and no request field are not access-log records, in a full
    /// read and in the detectors' (which stores no path or method) alike.
    @Test(arguments: [EventFields.all, .detection])
    func jsonWithoutARequestFieldIsNotAnAccessLog(fields: EventFields) throws {
        var options = IngestOptions()
        options.fields = fields
        let log = """
            {"time":"2025-11-24T08:00:01Z","level":"info","msg":"cache warmed"}
            {"time":"2025-11-24T08:00:02Z","path":"/api/x"}
            {"time":"2025-11-24T08:00:03Z","status":200}

            """
        let r = Fixtures.read(log, options: options)
        #expect(r.events.count == 2)
        #expect(r.stats.notAccessLog == 1)
        #expect(r.stats.withoutStatus == 1 && r.stats.withoutAddress == 2)
    }
}
