import LogwatchCore
import Testing
@testable import LogIngest

/// ServiceNow's own log tables as an administrator exports them.
///
/// Columns and labels as the platform documents them:
/// - Transaction log (`syslog_transaction`): "Transaction logs",
///   https://www.servicenow.com/docs/r/platform-security/r_TransactionLogs.html (Created, Type,
///   Created by, Response time, Output length, URL, System ID, IP address, Protocol, ...). It
///   has no status column.
/// - Event log (`sysevent`): `login` and `login.failed` with parm1 = the user name and parm2 =
///   the address the login came from (KB1500674, "Logging and events related to
///   authentication"); the Instance Analyzer's `login.failed` as guest with a certificate in
///   parm1 (KB3008370); `external.authentication.failed` with parm1 = the user id or the
///   session id ("Monitor the event queue for login activities").
/// - Outbound HTTP log (`sys_outbound_http_log`): HTTP Method, Hostname, Path, HTTP response
///   status, Response length, Total call time, User ("Configure outbound logging",
///   https://www.servicenow.com/docs/r/api-reference/web-services/outbound-logging-configure.html).
@Suite struct ServiceNowTablesTests {
    static let transactionsByName = """
        sys_id,sys_created_on,sys_created_by,type,url,remote_ip,user_agent,output_length,protocol,response_time,sql_time,business_rule_time,business_rule_count,transaction_pattern,system_id,session
        0a1b2c3d4e5f60718293a4b5c6d7e8f9,2025-11-24 08:00:01,svc_hr_sync,rest,/api/now/table/sys_user?sysparm_limit=100,10.20.0.48,python-requests/2.31,9645,HTTP/1.1,222,40,3,2,/api/now/table/sys_user,app128045.iad3.service-now.com:hr001,7A18B5AFDBA57910E1CE5E92F396193D
        1a1b2c3d4e5f60718293a4b5c6d7e8f9,2025-11-24 08:00:02,guest,rest,/api/now/table/incident,198.51.100.7,curl/8.4.0,120,HTTP/1.1,5,0,0,0,/api/now/table/incident,app128045.iad3.service-now.com:hr001,
        2a1b2c3d4e5f60718293a4b5c6d7e8f9,2025-11-24 08:00:03,abel.tuter,form,/incident.do?sys_id=-1,10.1.2.3,Mozilla/5.0,51234,HTTP/1.1,480,120,30,9,/incident.do,app128045.iad3.service-now.com:hr001,6B18B5AFDBA57910E1CE5E92F396193D
        3a1b2c3d4e5f60718293a4b5c6d7e8f9,2025-11-24 08:00:04,svc_orders,soap,/incident.do?SOAP,10.20.0.9,Axis2,800,HTTP/1.1,95,10,1,1,/incident.do,app128045.iad3.service-now.com:hr001,
        4a1b2c3d4e5f60718293a4b5c6d7e8f9,2025-11-24 08:00:05,,list,/incident_list.do,10.1.2.4,Mozilla/5.0,100,HTTP/1.1,20,1,0,0,/incident_list.do,app128045.iad3.service-now.com:hr001,

        """

    static let transactionsByLabel = """
        Created,Type,Created by,Origin application,Response time,Network time,Output length,SQL count,Business rule count,Business rule time,URL,System ID,IP address,GZipped,Protocol
        2025-11-24 08:00:01,rest,svc_hr_sync,Global,222,12,9645,14,2,3,/api/now/table/sys_user,app128045.iad3.service-now.com:hr001,10.20.0.48,true,HTTP/1.1
        2025-11-24 08:00:02,rest,guest,Global,5,3,120,0,0,0,/api/now/table/incident,app128045.iad3.service-now.com:hr001,198.51.100.7,false,HTTP/1.1

        """

    @Test func transactionLogByColumnNames() throws {
        let r = Fixtures.read(Self.transactionsByName)
        #expect(r.malformed.isEmpty, "\(r.malformed)")
        #expect(r.events.count == 5)
        let rest = r.events[0]
        #expect(rest.principal == "svc_hr_sync")
        #expect(rest.sourceIP?.description == "10.20.0.48")
        #expect(rest.outcome == .success)
        #expect(rest.status == nil)
        #expect(rest.apiProtocol == .rest)
        #expect(rest.path == "/api/now/table/sys_user")
        #expect(rest.durationMs == 222)
        #expect(rest.bytes == 9645)
        #expect(rest.recordID != 0)
        // The anonymous user's request is never a principal's success.
        #expect(r.events[1].principal == "guest")
        #expect(r.events[1].outcome == .unauthenticated)
        #expect(r.events[2].apiProtocol == .ui)
        #expect(r.events[3].apiProtocol == .soap)
        // A row naming nobody proves nothing.
        #expect(r.events[4].outcome == .unknown)
        #expect(Set(r.events.map(\.recordID)).count == 5)
    }

    @Test func transactionLogByDisplayLabels() throws {
        let r = Fixtures.read(Self.transactionsByLabel)
        #expect(r.malformed.isEmpty, "\(r.malformed)")
        #expect(r.events.map(\.principal) == ["svc_hr_sync", "guest"])
        #expect(r.events.map(\.outcome) == [.success, .unauthenticated])
        #expect(r.events[0].sourceIP?.description == "10.20.0.48")
        #expect(r.events[0].durationMs == 222)
        #expect(r.events[0].apiProtocol == .rest)
    }

    static let eventsByName = """
        sys_id,sys_created_on,name,parm1,parm2,instance,table,queue,state,processed,sys_created_by,user_id,user_name,uri
        5b1b2c3d4e5f60718293a4b5c6d7e8f9,2025-11-24 09:00:01,login.failed,svc_hr_sync,203.0.113.50,,,,processed,2025-11-24 09:00:01,guest,,,
        6b1b2c3d4e5f60718293a4b5c6d7e8f9,2025-11-24 09:00:02,login,abel.tuter,10.1.2.3,7A18B5AFDBA57910E1CE5E92F396193D,,,processed,2025-11-24 09:00:02,abel.tuter,62826bf03710200044e0bfc8bcbe5df1,abel.tuter,
        7b1b2c3d4e5f60718293a4b5c6d7e8f9,2025-11-24 09:00:03,external.authentication.failed,beth.anglin,User locked out,,,,processed,2025-11-24 09:00:03,guest,,,
        8b1b2c3d4e5f60718293a4b5c6d7e8f9,2025-11-24 09:00:04,external.authentication.failed,7A18B5AFDBA57910E1CE5E92F396193D,Missing NameID,,,,processed,2025-11-24 09:00:04,guest,,,
        9b1b2c3d4e5f60718293a4b5c6d7e8f9,2025-11-24 09:00:05,login.failed,"-----BEGIN CERTIFICATE-----
        MIIDdzCCAl+gAwIBAgIEAgAAuTANBgkqhkiG9w0BAQUFADBaMQswCQYDVQQGEwJJ
        -----END CERTIFICATE-----",10.250.1.17,,,,processed,2025-11-24 09:00:05,guest,,,
        ab1b2c3d4e5f60718293a4b5c6d7e8f9,2025-11-24 09:00:06,login.failed,"CN=instance-analyzer.service-now.com, O=ServiceNow",10.250.1.18,,,,processed,2025-11-24 09:00:06,guest,,,
        bb1b2c3d4e5f60718293a4b5c6d7e8f9,2025-11-24 09:00:07,incident.inserted,INC0010001,,,incident,,processed,2025-11-24 09:00:07,abel.tuter,,,

        """

    @Test func eventLogByColumnNames() throws {
        let r = Fixtures.read(Self.eventsByName)
        #expect(r.malformed.isEmpty, "\(r.malformed)")
        #expect(r.events.count == 4)
        let failed = r.events[0]
        #expect(failed.outcome == .authFailure)
        #expect(failed.failureReason == .badCredentials)
        #expect(failed.principal == "svc_hr_sync")
        #expect(failed.sourceIP?.description == "203.0.113.50")
        #expect(r.events[1].outcome == .success)
        #expect(r.events[1].principal == "abel.tuter")
        #expect(r.events[1].sourceIP?.description == "10.1.2.3")
        #expect(r.events[2].failureReason == .ssoFailure)
        #expect(r.events[2].principal == "beth.anglin")
        // A session id in parm1 names no user.
        #expect(r.events[3].failureReason == .ssoFailure)
        #expect(r.events[3].principal == nil)
        // The Instance Analyzer's polling (both forms) and other events are counted, not read.
        #expect(r.stats.notRequests == 3)
    }

    @Test func eventLogByDisplayLabels() throws {
        let csv = """
            Created,Name,Parm1,Parm2,Instance,Table,Queue,State,Processed,Created by,User name
            2025-11-24 09:00:01,login.failed,svc_hr_sync,203.0.113.50,,,,processed,2025-11-24 09:00:01,guest,
            2025-11-24 09:00:02,login,abel.tuter,10.1.2.3,,,,processed,2025-11-24 09:00:02,abel.tuter,abel.tuter

            """
        let r = Fixtures.read(csv)
        #expect(r.malformed.isEmpty, "\(r.malformed)")
        #expect(r.events.map(\.outcome) == [.authFailure, .success])
        #expect(r.events.map(\.principal) == ["svc_hr_sync", "abel.tuter"])
        #expect(r.events[0].sourceIP?.description == "203.0.113.50")
    }

    @Test func eventAndTransactionLogsAsJSONLines() throws {
        let lines = """
            {"sys_id":"5b1b2c3d4e5f60718293a4b5c6d7e8f9","sys_created_on":"2025-11-24 09:00:01","name":"login.failed","parm1":"svc_hr_sync","parm2":"203.0.113.50","queue":"","state":"processed","sys_created_by":"guest"}
            {"sys_id":"0a1b2c3d4e5f60718293a4b5c6d7e8f9","sys_created_on":"2025-11-24 09:00:02","sys_created_by":"svc_hr_sync","type":"rest","url":"/api/now/table/sys_user","remote_ip":"10.20.0.48","response_time":"222","output_length":"9645"}
            {"sys_id":"1a1b2c3d4e5f60718293a4b5c6d7e8f9","sys_created_on":"2025-11-24 09:00:03","sys_created_by":"guest","type":"rest","url":"/api/now/table/incident","remote_ip":"198.51.100.7"}

            """
        let r = Fixtures.read(lines)
        #expect(r.malformed.isEmpty, "\(r.malformed)")
        #expect(r.events.map(\.outcome) == [.authFailure, .success, .unauthenticated])
        #expect(r.events.map(\.principal) == ["svc_hr_sync", "svc_hr_sync", "guest"])
        #expect(r.events[0].sourceIP?.description == "203.0.113.50")
        #expect(r.events[1].durationMs == 222)
        #expect(r.events[1].apiProtocol == .rest)
    }

    /// The Table API with `sysparm_display_value=all`: every field an object holding the raw
    /// value and the display value; the raw one (UTC) is read.
    @Test func displayValueAllObjects() throws {
        let line = #"{"sys_id":{"value":"5b1b2c3d4e5f60718293a4b5c6d7e8f9","display_value":"5b1b2c3d4e5f60718293a4b5c6d7e8f9"},"sys_created_on":{"value":"2025-11-24 09:00:01","display_value":"24/11/2025 10:00:01"},"name":{"value":"login.failed","display_value":"login.failed"},"parm1":{"value":"svc_hr_sync","display_value":"svc_hr_sync"},"parm2":{"value":"203.0.113.50","display_value":"203.0.113.50"},"sys_created_by":{"value":"guest","display_value":"guest"}}"#
        let r = Fixtures.read(line + "\n")
        let e = try #require(r.events.first)
        #expect(EventTime.rfc3339(e.time) == "2025-11-24T09:00:01.000Z")
        #expect(e.outcome == .authFailure)
        #expect(e.principal == "svc_hr_sync")
        #expect(e.sourceIP?.description == "203.0.113.50")
        #expect(e.recordID != 0)
    }

    @Test func outboundLogIsAnOutboundCall() throws {
        let csv = """
            Created,HTTP Method,Hostname,Path,HTTP response status,Response length,Total call time,Source table,User,MID server
            2025-11-24 10:00:01,POST,api.partner.example,/v1/orders,401,64,812,incident,svc_orders,
            2025-11-24 10:00:02,GET,api.partner.example,/v1/orders/7,200,2048,95,incident,svc_orders,

            """
        let r = Fixtures.read(csv)
        #expect(r.malformed.isEmpty, "\(r.malformed)")
        #expect(r.events.map(\.direction) == [.outbound, .outbound])
        #expect(r.events.map(\.status) == [401, 200])
        #expect(r.events[0].principal == "svc_orders")
        #expect(r.events[0].durationMs == 812)
        #expect(r.events[1].method == "GET")
    }

    @Test func systemLogMessagesAboutCredentials() throws {
        let csv = """
            sys_id,sys_created_on,level,source,message,sys_created_by
            c11b2c3d4e5f60718293a4b5c6d7e8f9,2025-11-24 11:00:01,2,OAuth,Invalid access token presented for client 3e57a1b9,guest
            c21b2c3d4e5f60718293a4b5c6d7e8f9,2025-11-24 11:00:02,2,OAuth,OAuth access token is expired,svc_hr_sync
            c31b2c3d4e5f60718293a4b5c6d7e8f9,2025-11-24 11:00:03,1,ImportSet,Transform complete: 20 rows,system

            """
        let r = Fixtures.read(csv)
        #expect(r.malformed.isEmpty, "\(r.malformed)")
        #expect(r.events.map(\.failureReason) == [.tokenInvalid, .tokenExpired])
        #expect(r.events.map(\.principal) == [nil, "svc_hr_sync"])
        #expect(r.stats.notRequests == 1)
    }
}

/// The same rows in every container an administrator can export them in: CSV, JSON lines,
/// the Table API's document (`{"result":[...]}`, pretty-printed), the JSON export
/// (`{"records":[...]}` on one line, longer than any line limit), and the XML export
/// (`<xml><sysevent action="INSERT_OR_UPDATE">...</sysevent></xml>`, "Exporting data",
/// https://www.servicenow.com/docs/r/platform-administration/c_ExportingData.html), plain
/// and compressed.
@Suite struct ServiceNowContainerTests {
    struct Row {
        let sysID: String, created: String, name: String, parm1: String, parm2: String, createdBy: String
    }

    /// A burst of failed logins and a successful one, enough rows that the one-line JSON
    /// export is longer than the 64 KiB line limit.
    static let rows: [Row] = (0..<600).map { i in
        Row(sysID: String(format: "%032x", i + 1), created: String(format: "2025-11-24 09:%02d:%02d", i / 60, i % 60),
            name: i % 100 == 99 ? "login" : "login.failed", parm1: "svc_<&\"hr\">", parm2: "203.0.113.\(i % 50)", createdBy: "guest")
    }

    static func jsonString(_ s: String) -> String {
        "\"" + s.replacingOccurrences(of: "\\", with: "\\\\").replacingOccurrences(of: "\"", with: "\\\"") + "\""
    }

    static func object(_ r: Row) -> String {
        "{\"sys_id\":\(jsonString(r.sysID)),\"sys_created_on\":\(jsonString(r.created)),\"name\":\(jsonString(r.name)),\"parm1\":\(jsonString(r.parm1)),\"parm2\":\(jsonString(r.parm2)),\"state\":\"processed\",\"sys_created_by\":\(jsonString(r.createdBy))}"
    }

    static func xmlText(_ s: String) -> String {
        s.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
            .replacingOccurrences(of: "\"", with: "&quot;")
    }

    static let containers: [(String, String)] = [
        ("csv", "sys_id,sys_created_on,name,parm1,parm2,state,sys_created_by\n"
            + rows.map { "\($0.sysID),\($0.created),\($0.name),\"\($0.parm1.replacingOccurrences(of: "\"", with: "\"\""))\",\($0.parm2),processed,\($0.createdBy)" }.joined(separator: "\n") + "\n"),
        ("json-lines", rows.map(object).joined(separator: "\n") + "\n"),
        ("result", "{\n  \"result\": [\n" + rows.map { "    " + object($0) }.joined(separator: ",\n") + "\n  ]\n}\n"),
        ("records", "{\"records\":[" + rows.map(object).joined(separator: ",") + "]}"),
        ("xml", "<?xml version=\"1.0\" encoding=\"UTF-8\"?><xml>" + rows.map {
            "<sysevent action=\"INSERT_OR_UPDATE\"><instance/><name>\($0.name)</name><parm1>\(xmlText($0.parm1))</parm1><parm2>\($0.parm2)</parm2><state>processed</state><sys_created_by>\($0.createdBy)</sys_created_by><sys_created_on>\($0.created)</sys_created_on><sys_domain display_value=\"global\">global</sys_domain><sys_id>\($0.sysID)</sys_id></sysevent>"
        }.joined() + "</xml>\n"),
    ]

    @Test(arguments: ["csv", "json-lines", "result", "records", "xml"], ["plain", "gzip", "zstd"])
    func everyContainerGivesTheSameEvents(container: String, compression: String) throws {
        let text = try #require(Self.containers.first { $0.0 == container }?.1)
        var bytes = Array(text.utf8)
        if compression == "gzip" { bytes = Fixtures.gzip(bytes) }
        if compression == "zstd" { bytes = Fixtures.zstd(bytes) }
        let r = Fixtures.read(bytes)
        #expect(r.error == nil)
        #expect(r.malformed.isEmpty, "\(r.malformed)")
        #expect(r.stats.oversized == 0)
        #expect(r.events.count == Self.rows.count)
        for (e, row) in zip(r.events, Self.rows) {
            #expect(e.principal == row.parm1)
            #expect(e.sourceIP?.description == row.parm2)
            #expect(e.outcome == (row.name == "login" ? .success : .authFailure))
            #expect(e.recordID == ServiceNowRecord.identity(Array(row.sysID.utf8).withUnsafeBytes { $0 }))
        }
        #expect(EventTime.rfc3339(try #require(r.events.last).time) == "2025-11-24T09:09:59.000Z")
    }

    /// Braces, brackets and escaped quotes inside strings, comments and character data in XML,
    /// a record over the line limit, and a document cut off in a record.
    @Test func documentsAreSplitByTheirSyntaxNotTheirBytes() throws {
        let tricky = #"{"result":[{"sys_created_on":"2025-11-24 09:00:01","name":"login.failed","parm1":"a}]\"{[","parm2":"192.0.2.1","sys_created_by":"guest"},"#
            + #"{"sys_created_on":"2025-11-24 09:00:02","name":"login.failed","parm1":"b","parm2":"192.0.2.2","sys_created_by":"guest","padding":""#
            + String(repeating: "x", count: 300) + #""},{"sys_created_on":"2025-11-24 09:00:03","name":"login","parm1":"c","parm2":"192.0.2.3","sys_created_by":"c"},{"sys_created_on":"2025-11-24 09:00:04","name":"lo"#
        var options = IngestOptions()
        options.maxLineBytes = 256
        let r = Fixtures.read(tricky, options: options)
        #expect(r.events.map(\.principal) == ["a}]\"{[", "c"])
        #expect(r.stats.oversized == 1)
        #expect(r.malformed.count == 1, "the record cut off at the end")

        let xml = """
            <?xml version="1.0" encoding="UTF-8"?>
            <!-- exported from dev12345 -->
            <xml>
              <sysevent action="INSERT_OR_UPDATE">
                <name>login.failed</name>
                <parm1><![CDATA[ignored]]>x</parm1>
                <parm2>192.0.2.9</parm2>
                <sys_created_on>2025-11-24 09:00:05</sys_created_on>
                <sys_created_by>guest</sys_created_by>
              </sysevent>
              <sysevent action="INSERT_OR_UPDATE"><name>login</name><parm1>d&#233;&#x20AC;</parm1><parm2>192.0.2.10</parm2><sys_created_on>2025-11-24 09:00:06</sys_created_on><sys_created_by>d</sys_created_by></sysevent>
            </xml>

            """
        let x = Fixtures.read(xml)
        #expect(x.malformed.isEmpty, "\(x.malformed)")
        #expect(x.events.count == 2)
        #expect(x.events.map(\.origin.line) == [4, 11])
        #expect(x.events[1].principal == "dé€")
    }

    /// An export made with display values carries the exporting user's format and zone.
    @Test func displayValueTimestampsInAnotherZone() throws {
        let csv = "Created,Name,Parm1,Parm2,Created by\n24/11/2025 10:00:01,login.failed,bob,203.0.113.9,guest\n11/24/2025 bad,login,bob,203.0.113.9,bob\n"
        let without = Fixtures.read(csv)
        #expect(without.events.isEmpty)
        #expect(without.malformed.first?.reason.contains("--date-format") == true)
        var options = IngestOptions()
        options.dateFormat = DisplayDateFormat("dd/MM/yyyy HH:mm:ss")
        options.naiveZone = try #require(NaiveTimeZone("Europe/Paris"))
        let with = Fixtures.read(csv, options: options)
        #expect(with.events.count == 1)
        #expect(EventTime.rfc3339(try #require(with.events.first).time) == "2025-11-24T09:00:01.000Z")
        // Twelve-hour clocks, one-digit numbers.
        let us = try #require(DisplayDateFormat("MM-dd-yyyy hh:mm:ss a"))
        let pm = Array("11-24-2025 01:05:09 PM".utf8).withUnsafeBytes { us.parse($0) }
        #expect(pm.map { EventTime.rfc3339($0.local * 1000) } == "2025-11-24T13:05:09.000Z")
        #expect(DisplayDateFormat("dd/MM/yyyy") == nil)
    }
}

/// Every table in every container (CSV by column names, CSV by display labels, JSON lines,
/// the Table API's document, with `sysparm_display_value=all` too, the JSON export on one
/// line, the XML export), plain and compressed: the same events. Columns and labels as the
/// documents cited on `ServiceNowTablesTests` give them.
@Suite struct ServiceNowEveryTableTests {
    struct Table {
        let name: String
        /// (column name, display label)
        let columns: [(String, String)]
        let rows: [[String]]
        /// What each row becomes: principal, address, outcome, failure reason, direction, status.
        let expected: [(String?, String?, Outcome, FailureReason?, Direction, Int?)]
    }

    static let tables: [Table] = [
        Table(name: "syslog_transaction",
              columns: [("sys_id", "Sys ID"), ("sys_created_on", "Created"), ("sys_created_by", "Created by"), ("type", "Type"), ("url", "URL"),
                        ("remote_ip", "IP address"), ("response_time", "Response time"), ("output_length", "Output length")],
              rows: [["a1", "2025-11-24 08:00:01", "svc_hr_sync", "rest", "/api/now/table/sys_user", "10.20.0.48", "222", "9645"],
                     ["a2", "2025-11-24 08:00:02", "guest", "form", "/login.do", "198.51.100.7", "5", "120"]],
              expected: [("svc_hr_sync", "10.20.0.48", .success, nil, .inbound, nil), ("guest", "198.51.100.7", .unauthenticated, nil, .inbound, nil)]),
        Table(name: "sysevent",
              columns: [("sys_id", "Sys ID"), ("sys_created_on", "Created"), ("name", "Name"), ("parm1", "Parm1"), ("parm2", "Parm2"), ("sys_created_by", "Created by")],
              rows: [["b1", "2025-11-24 09:00:01", "login.failed", "svc_hr_sync", "203.0.113.50", "guest"],
                     ["b2", "2025-11-24 09:00:02", "login", "abel.tuter", "10.1.2.3", "abel.tuter"],
                     ["b3", "2025-11-24 09:00:03", "incident.inserted", "INC0010001", "", "abel.tuter"]],
              expected: [("svc_hr_sync", "203.0.113.50", .authFailure, .badCredentials, .inbound, nil), ("abel.tuter", "10.1.2.3", .success, nil, .inbound, nil)]),
        Table(name: "syslog",
              columns: [("sys_id", "Sys ID"), ("sys_created_on", "Created"), ("level", "Level"), ("source", "Source"), ("message", "Message"), ("sys_created_by", "Created by")],
              rows: [["c1", "2025-11-24 11:00:01", "2", "OAuth", "Invalid access token presented", "svc_hr_sync"],
                     ["c2", "2025-11-24 11:00:02", "1", "ImportSet", "Transform complete: 20 rows", "system"]],
              expected: [("svc_hr_sync", nil, .authFailure, .tokenInvalid, .inbound, nil)]),
        Table(name: "sys_outbound_http_log",
              columns: [("sys_id", "Sys ID"), ("sys_created_on", "Created"), ("http_method", "HTTP Method"), ("hostname", "Hostname"), ("path", "Path"),
                        ("response_status", "HTTP response status"), ("response_length", "Response length"), ("user", "User")],
              rows: [["d1", "2025-11-24 10:00:01", "POST", "api.partner.example", "/v1/orders", "503", "64", "svc_orders"]],
              expected: [("svc_orders", nil, .error, nil, .outbound, 503)]),
    ]

    static func render(_ t: Table, _ container: String) -> String {
        let names = t.columns.map(\.0)
        func json(_ value: String) -> String { "\"" + value.replacingOccurrences(of: "\"", with: "\\\"") + "\"" }
        func object(_ row: [String], all: Bool) -> String {
            "{" + zip(names, row).map { all ? "\(json($0)):{\"value\":\(json($1)),\"display_value\":\(json($1))}" : "\(json($0)):\(json($1))" }.joined(separator: ",") + "}"
        }
        switch container {
        case "csv-names": return names.joined(separator: ",") + "\n" + t.rows.map { $0.map { "\"\($0)\"" }.joined(separator: ",") }.joined(separator: "\n") + "\n"
        case "csv-labels": return t.columns.map(\.1).joined(separator: ",") + "\n" + t.rows.map { $0.joined(separator: ",") }.joined(separator: "\n") + "\n"
        case "json-lines": return t.rows.map { object($0, all: false) }.joined(separator: "\n") + "\n"
        case "result": return "{\n  \"result\": [\n    " + t.rows.map { object($0, all: false) }.joined(separator: ",\n    ") + "\n  ]\n}\n"
        case "result-all": return "{\"result\":[" + t.rows.map { object($0, all: true) }.joined(separator: ",") + "]}"
        case "records": return "{\"records\":[" + t.rows.map { object($0, all: false) }.joined(separator: ",") + "]}"
        default:
            return "<?xml version=\"1.0\" encoding=\"UTF-8\"?><xml>" + t.rows.map { row in
                "<\(t.name) action=\"INSERT_OR_UPDATE\">" + zip(names, row).map { $1.isEmpty ? "<\($0)/>" : "<\($0)>\($1)</\($0)>" }.joined() + "</\(t.name)>"
            }.joined() + "</xml>"
        }
    }

    @Test(arguments: ["syslog_transaction", "sysevent", "syslog", "sys_outbound_http_log"],
          ["csv-names", "csv-labels", "json-lines", "result", "result-all", "records", "xml"])
    func everyTableInEveryContainer(table name: String, container: String) throws {
        let t = try #require(Self.tables.first { $0.name == name })
        let text = Self.render(t, container)
        for compression in ["plain", "gzip", "zstd"] {
            var bytes = Array(text.utf8)
            if compression == "gzip" { bytes = Fixtures.gzip(bytes) }
            if compression == "zstd" { bytes = Fixtures.zstd(bytes) }
            let r = Fixtures.read(bytes)
            #expect(r.malformed.isEmpty, "\(compression): \(r.malformed)")
            let got = r.events.map { ($0.principal, $0.sourceIP?.description, $0.outcome, $0.failureReason, $0.direction, $0.status) }
            #expect(got.count == t.expected.count, "\(compression): \(got)")
            for (g, e) in zip(got, t.expected) {
                #expect(g.0 == e.0 && g.1 == e.1 && g.2 == e.2 && g.3 == e.3 && g.4 == e.4 && g.5 == e.5, "\(compression): \(g) is not \(e)")
            }
            #expect(r.stats.notRequests == Int64(t.rows.count - t.expected.count))
            #expect(r.events.allSatisfy { $0.recordID != 0 })
        }
    }
}
