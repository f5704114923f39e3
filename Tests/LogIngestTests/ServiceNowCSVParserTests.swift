import LogwatchCore
import Testing
@testable import LogIngest

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
        #expect(e.outcome == .denied)
        #expect(e.failureReason == nil)
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
