import Foundation
import Testing
import TestSupport
import LogwatchCore
@testable import LogwatchRuntime

/// `scan` over ServiceNow's own exports, shaped as the platform writes them (columns as in
/// "Transaction logs" and KB1500674; see `ServiceNowTablesTests`): failed logins live only in
/// the event log, the transaction log has no status.
@Suite struct ServiceNowScanTests {
    static let day: Int64 = 86_400
    static let start: Int64 = 1_763_942_400 // 2025-11-24T00:00:00Z

    static func stamp(_ seconds: Int64) -> String {
        let d = Date(timeIntervalSince1970: Double(seconds))
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "yyyy-MM-dd HH:mm:ss"
        return f.string(from: d)
    }

    /// Two days of logins by people and an integration, then on the second day a burst of
    /// failed logins from one address, and a spread of failed logins against one user from
    /// six addresses.
    static func eventLog() -> String {
        var rows: [(Int64, String)] = []
        var id = 0
        func row(_ t: Int64, _ name: String, _ parm1: String, _ parm2: String, _ by: String) {
            id += 1
            rows.append((t, "\(String(format: "%032x", id)),\(stamp(t)),\(name),\(parm1),\(parm2),,,processed,\(by)"))
        }
        for t in stride(from: start, to: start + 2 * day, by: 600) {
            row(t, "login", "abel.tuter", "10.1.2.3", "abel.tuter")
            row(t + 60, "login", "svc_hr_sync", "10.20.0.48", "svc_hr_sync")
            row(t + 120, "incident.inserted", "INC0010001", "", "abel.tuter")
        }
        let attack = start + day + 10 * 3600
        for i in 0..<40 { row(attack + Int64(i) * 3, "login.failed", "svc_hr_sync", "203.0.113.50", "guest") }
        for i in 0..<30 { row(attack + 1800 + Int64(i) * 5, "login.failed", "abel.tuter", "198.51.100.\(1 + i % 6)", "guest") }
        // The Instance Analyzer's polling is not an attack.
        for i in 0..<30 { row(attack + 3600 + Int64(i), "login.failed", "\"CN=instance-analyzer, O=ServiceNow\"", "10.250.1.17", "guest") }
        rows.sort { $0.0 < $1.0 }
        return "sys_id,sys_created_on,name,parm1,parm2,instance,queue,state,sys_created_by\n" + rows.map(\.1).joined(separator: "\n") + "\n"
    }

    /// Two days of an integration's REST calls from its one address and anonymous requests
    /// from anywhere, then on the second day the integration's account used from a new network.
    static func transactionLog() -> String {
        var lines: [String] = []
        var id = 0
        func row(_ t: Int64, _ by: String, _ type: String, _ url: String, _ ip: String) {
            id += 1
            lines.append("\(String(format: "%032x", 100_000 + id)),\(stamp(t)),\(by),\(type),\(url),\(ip),python-requests/2.31,512,HTTP/1.1,40")
        }
        for t in stride(from: start, to: start + 2 * day, by: 300) {
            row(t, "svc_hr_sync", "rest", "/api/now/table/sys_user", "10.20.0.48")
            row(t + 30, "guest", "rest", "/api/now/table/incident", "198.18.\(t % 200).\(t % 250)")
            if t == start + day + 14 * 3600 { row(t + 60, "svc_hr_sync", "rest", "/api/now/table/sys_user", "185.220.101.4") }
        }
        return "sys_id,sys_created_on,sys_created_by,type,url,remote_ip,user_agent,output_length,protocol,response_time\n" + lines.joined(separator: "\n") + "\n"
    }

    static func scan(_ files: [URL], in dir: URL) throws -> [String] {
        let alerts = dir.appendingPathComponent("alerts-\(UUID().uuidString).jsonl")
        let config = dir.appendingPathComponent("logwatch.yml")
        try "sinks:\n  - name: archive\n    kind: file\n    path: \(alerts.path)\n".write(to: config, atomically: true, encoding: .utf8)
        var settings = ScanSettings(files: files.map(\.path))
        settings.session.configPath = config.path
        settings.progress = false
        try ScanRun.run(settings)
        return try String(contentsOf: alerts, encoding: .utf8).split(separator: "\n").compactMap {
            let a = try JSONSerialization.jsonObject(with: Data($0.utf8)) as! [String: Any]
            guard a["status"] as? String == "firing" else { return nil }
            let key = (a["key"] as! [String: String]).sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: ",")
            return "\(a["detector"]!)/\(a["scope"]!) \(key)"
        }.sorted()
    }

    static let fromEvents = ["failed_auth_spike/principal principal=abel.tuter", "failed_auth_spike/source_ip source_ip=203.0.113.50"]
    static let fromTransactions = ["unexpected_source_ip/principal principal=svc_hr_sync,source_ip=185.220.101.4"]

    @Test func eachExportAloneAndBothInEitherOrder() throws {
        let dir = Scratch.directory("servicenow-scan")
        let events = dir.appendingPathComponent("sysevent.csv")
        let transactions = dir.appendingPathComponent("syslog_transaction.csv")
        try Self.eventLog().write(to: events, atomically: true, encoding: .utf8)
        try Self.transactionLog().write(to: transactions, atomically: true, encoding: .utf8)
        #expect(try Self.scan([events], in: dir) == Self.fromEvents)
        #expect(try Self.scan([transactions], in: dir) == Self.fromTransactions)
        let both = (Self.fromEvents + Self.fromTransactions).sorted()
        #expect(try Self.scan([events, transactions], in: dir) == both)
        #expect(try Self.scan([transactions, events], in: dir) == both)
        // The same rows exported twice, in overlapping files, count once.
        #expect(try Self.scan([events, events, transactions], in: dir) == both)
    }
}
