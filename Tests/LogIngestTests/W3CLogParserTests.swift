import LogwatchCore
import Testing
@testable import LogIngest

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
