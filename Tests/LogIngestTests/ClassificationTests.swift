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
        (401, nil, .authFailure, .badCredentials),
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
        let e = try #require(Fixtures.read(#"{"time":"2025-11-28T00:00:01Z","user":"svc"\#(status)}"# + "\n").events.first)
        #expect(e.outcome == .unknown)
        #expect(e.failureReason == nil)
    }
}
