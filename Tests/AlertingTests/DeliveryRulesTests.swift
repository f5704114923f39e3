import LogwatchCore
import Foundation
import Testing
@testable import Alerting

@Suite struct DeliveryRulesTests {
    @Test(arguments: [
        (200, "delivered"), (202, "delivered"), (204, "delivered"),
        (408, "retry"), (429, "retry"), (500, "retry"), (502, "retry"), (503, "retry"),
        (400, "reject"), (401, "reject"), (404, "reject"), (413, "reject"), (301, "reject"),
    ])
    func statusesAreRetriedOrRefusedAsDocumented(status: Int, expected: String) {
        let got: String
        switch DeliveryRules.classify(status: status, retryAfter: nil, body: "x") {
        case .delivered: got = "delivered"
        case .retry: got = "retry"
        case .reject: got = "reject"
        }
        #expect(got == expected)
    }

    @Test func retryAfterInSecondsOrAsADate() {
        let now = Date(timeIntervalSince1970: 1_764_324_000) // Fri, 28 Nov 2025 10:00:00 GMT
        #expect(DeliveryRules.parseRetryAfter("7", now: now) == 7)
        #expect(DeliveryRules.parseRetryAfter("Fri, 28 Nov 2025 10:00:30 GMT", now: now) == 30)
        #expect(DeliveryRules.parseRetryAfter("99999", now: now) == 3600)
        #expect(DeliveryRules.parseRetryAfter("soon", now: now) == nil)
        if case .retry(_, let after) = DeliveryRules.classify(status: 429, retryAfter: "3", body: "") {
            #expect(after == 3)
        } else {
            Issue.record("429 must be retried")
        }
    }

    @Test func backoffDoublesUpToItsCapWithJitterInTheUpperHalf() {
        #expect(DeliveryRules.backoff(attempt: 1, initial: 1, maximum: 300, random: 1) == 1)
        #expect(DeliveryRules.backoff(attempt: 4, initial: 1, maximum: 300, random: 1) == 8)
        #expect(DeliveryRules.backoff(attempt: 4, initial: 1, maximum: 300, random: 0) == 4)
        #expect(DeliveryRules.backoff(attempt: 40, initial: 1, maximum: 300, random: 1) == 300)
        for _ in 0..<100 {
            let b = DeliveryRules.backoff(attempt: 3, initial: 2, maximum: 300)
            #expect(b >= 4 && b <= 8)
        }
    }

    @Test func signatureIsHMACSHA256OfTimestampDotBody() {
        // Checked against Python: hmac.new(b"s3cret", b"1764324000." + body, hashlib.sha256).hexdigest()
        let sig = DeliveryRules.signature(secret: "s3cret", timestamp: 1_764_324_000, body: Array(#"{"id":"x"}"#.utf8))
        #expect(sig == "sha256=a34b25648d4c7948a4adaae356d6314e135bdcd357f352be584b327ab0ac5d0e")
    }

    @Test func urlsInMessagesLoseCredentialsQueriesAndTokens() {
        #expect(DeliveryRules.redact("https://user:pw@hooks.example.com/logwatch?token=abc") == "https://***@hooks.example.com/logwatch?***")
        #expect(DeliveryRules.redact("https://hooks.slack.com/services/T0000AAAA/B0000BBBB/XXXXXXXXXXXXXXXXXXXXXXXX") == "https://hooks.slack.com/services/T0000AAAA/B0000BBBB/***")
        #expect(DeliveryRules.redact("http://127.0.0.1:9093/api/v2/alerts") == "http://127.0.0.1:9093/api/v2/alerts")
    }

    @Test(arguments: [301, 302, 303, 307, 308])
    func aRedirectIsADeadLetterNamingWhereItPointed(status: Int) {
        #expect(DeliveryRules.classify(status: status, retryAfter: nil, location: "https://elsewhere.example/hook", body: "moved")
            == .reject(status: status, body: "a redirect to https://elsewhere.example/hook, not followed"))
        #expect(DeliveryRules.classify(status: status, retryAfter: nil, body: "")
            == .reject(status: status, body: "a redirect to no Location, not followed"))
    }
}
