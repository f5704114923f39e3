import Foundation
import GRDB
import LogwatchCore

/// One alert as kept in the history.
public struct StoredAlert: Sendable, Equatable {
    /// The incident id (shared by its firing, reminders and resolution).
    public var id: String
    public var phase: AlertPhase
    /// Event time at which the engine decided it, milliseconds since the epoch.
    public var decidedAt: Int64
    public var detector: String
    public var severity: String
    public var key: String
    public var message: String
    /// The alert as JSON, exactly as it was emitted.
    public var json: String
    /// Wall-clock time it was recorded, milliseconds since the epoch.
    public var recordedAt: Int64

    public init(id: String, phase: AlertPhase, decidedAt: Int64, detector: String, severity: String, key: String,
                message: String, json: String, recordedAt: Int64) {
        self.id = id
        self.phase = phase
        self.decidedAt = decidedAt
        self.detector = detector
        self.severity = severity
        self.key = key
        self.message = message
        self.json = json
        self.recordedAt = recordedAt
    }
}

/// The alert history: every alert emitted, recorded with its deliveries before it is written
/// anywhere, so an alert re-derived after a crash is recognised and not sent again.
extension StateStore {
    /// Records alerts in the history and queues their deliveries, in one transaction, so an
    /// alert is durable in the outbox before any attempt to send it. Returns, per alert,
    /// whether it is new: an alert seen before (the same incident, status and decision time,
    /// re-derived from lines read again after a crash) is not recorded or queued twice. Past
    /// `outboxLimit` undelivered alerts, the oldest are dropped; `dropped` counts them.
    ///
    /// `beforeCommit` runs inside the transaction with the freshness of each alert: whatever
    /// must have the alerts before they count as emitted (the local sinks, flushed) goes
    /// there, so a crash or a signal before it ends leaves them unrecorded, to be emitted
    /// again, never recorded but lost.
    public func record(_ alerts: [StoredAlert], deliveries: [[OutboxItem]] = [], outboxLimit: Int = 100_000,
                       beforeCommit: (_ fresh: [Bool]) -> Void = { _ in }) throws(StateError) -> (fresh: [Bool], dropped: Int) {
        guard !alerts.isEmpty else { return ([], 0) }
        return try run("recording alerts") {
            try queue.write { db in
                var queued = false
                let fresh = try alerts.indices.map { i -> Bool in
                    let a = alerts[i]
                    try db.execute(sql: """
                        INSERT OR IGNORE INTO alert (incident_id, status, decided_at, detector, severity, alert_key, message, json, recorded_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """, arguments: [a.id, a.phase.rawValue, a.decidedAt, a.detector, a.severity, a.key, a.message, a.json, a.recordedAt])
                    guard db.changesCount == 1 else { return false }
                    for item in i < deliveries.count ? deliveries[i] : [] {
                        try db.execute(sql: """
                            INSERT OR IGNORE INTO outbox (sink, delivery_key, incident_id, body, enqueued_at) VALUES (?, ?, ?, ?, ?)
                            """, arguments: [item.sink, item.key, item.incident, item.body, a.recordedAt])
                        queued = true
                        switch item.active {
                        case .none: break
                        case .firing(let body):
                            try db.execute(sql: "INSERT OR REPLACE INTO alertmanager_active (sink, incident_id, body) VALUES (?, ?, ?)",
                                           arguments: [item.sink, item.incident, body])
                        case .resolved:
                            try db.execute(sql: "DELETE FROM alertmanager_active WHERE sink = ? AND incident_id = ?", arguments: [item.sink, item.incident])
                        }
                    }
                    return true
                }
                var dropped = 0
                if queued {
                    let count = try Int.fetchOne(db, sql: "SELECT COUNT(*) FROM outbox") ?? 0
                    if count > outboxLimit {
                        dropped = count - outboxLimit
                        try db.execute(sql: "DELETE FROM outbox WHERE seq IN (SELECT seq FROM outbox ORDER BY seq LIMIT ?)", arguments: [dropped])
                    }
                }
                beforeCommit(fresh)
                return (fresh, dropped)
            }
        }
    }

    /// The history, oldest first: alerts decided at or after `since` (event time), of
    /// `detector` if given, the newest `limit`.
    public func alerts(since: Int64? = nil, detector: String? = nil, limit: Int = 1000) throws(StateError) -> [StoredAlert] {
        try run("reading alerts") {
            try queue.read { db in
                var sql = "SELECT incident_id, status, decided_at, detector, severity, alert_key, message, json, recorded_at FROM alert WHERE 1"
                var arguments: StatementArguments = []
                if let since { sql += " AND decided_at >= ?"; arguments += [since] }
                if let detector { sql += " AND detector = ?"; arguments += [detector] }
                sql += " ORDER BY decided_at DESC, seq DESC LIMIT ?"
                arguments += [limit]
                return try Row.fetchAll(db, sql: sql, arguments: arguments).reversed().map { row in
                    StoredAlert(id: row[0], phase: AlertPhase(rawValue: row[1]) ?? .firing, decidedAt: row[2], detector: row[3], severity: row[4],
                                key: row[5], message: row[6], json: row[7], recordedAt: row[8])
                }
            }
        }
    }
}
