import Foundation
import GRDB

/// The outbox: alerts waiting for their network sinks, oldest first per sink, and the dead
/// letters that a receiver refused for good.
extension StateStore {
    /// The first `limit` undelivered alerts of a sink, oldest first.
    public func outboxHead(sink: String, limit: Int) throws(StateError) -> [OutboxRow] {
        try run("reading the outbox") {
            try queue.read { db in
                try Row.fetchAll(db, sql: """
                    SELECT seq, sink, delivery_key, incident_id, body, enqueued_at, attempts, next_attempt_at, last_error
                    FROM outbox WHERE sink = ? ORDER BY seq LIMIT ?
                    """, arguments: [sink, limit]).map(OutboxRow.init)
            }
        }
    }

    public func markDelivered(_ seqs: [Int64]) throws(StateError) {
        try run("updating the outbox") {
            try queue.write { db in
                for seq in seqs { try db.execute(sql: "DELETE FROM outbox WHERE seq = ?", arguments: [seq]) }
            }
        }
    }

    public func markRetry(_ seqs: [Int64], nextAttemptAt: Int64, error: String) throws(StateError) {
        try run("updating the outbox") {
            try queue.write { db in
                for seq in seqs {
                    try db.execute(sql: "UPDATE outbox SET attempts = attempts + 1, next_attempt_at = ?, last_error = ? WHERE seq = ?",
                                   arguments: [nextAttemptAt, error, seq])
                }
            }
        }
    }

    /// Moves rows the receiver refused for good to the dead letters.
    public func deadLetter(_ rows: [OutboxRow], status: Int, response: String) throws(StateError) {
        let now = Self.nowMs()
        try run("updating the outbox") {
            try queue.write { db in
                for r in rows {
                    try db.execute(sql: """
                        INSERT INTO dead_letter (sink, delivery_key, body, status, response, attempts, failed_at) VALUES (?, ?, ?, ?, ?, ?, ?)
                        """, arguments: [r.sink, r.key, r.body, status, response, r.attempts + 1, now])
                    try db.execute(sql: "DELETE FROM outbox WHERE seq = ?", arguments: [r.seq])
                }
            }
        }
    }

    /// Undelivered alerts, per sink.
    public func outboxCounts() throws(StateError) -> [String: Int] {
        try run("reading the outbox") {
            try queue.read { db in
                var counts: [String: Int] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT sink, COUNT(*) FROM outbox GROUP BY sink") { counts[row[0]] = row[1] }
                return counts
            }
        }
    }

    /// The Alertmanager alerts still firing for a sink (sent again every `resend`).
    public func activeAlertmanagerAlerts(sink: String) throws(StateError) -> [String] {
        try run("reading firing alerts") {
            try queue.read { db in try String.fetchAll(db, sql: "SELECT body FROM alertmanager_active WHERE sink = ? ORDER BY incident_id", arguments: [sink]) }
        }
    }

    /// Every undelivered alert (`logwatch alerts --undelivered`).
    public func undelivered() throws(StateError) -> (pending: [OutboxRow], dead: [DeadLetter]) {
        try run("reading the outbox") {
            try queue.read { db in
                let pending = try Row.fetchAll(db, sql: """
                    SELECT seq, sink, delivery_key, incident_id, body, enqueued_at, attempts, next_attempt_at, last_error FROM outbox ORDER BY seq
                    """).map(OutboxRow.init)
                let dead = try Row.fetchAll(db, sql: "SELECT sink, delivery_key, body, status, response, attempts, failed_at FROM dead_letter ORDER BY seq").map { row in
                    DeadLetter(sink: row[0], key: row[1], body: row[2], status: row[3], response: row[4], attempts: row[5], failedAt: row[6])
                }
                return (pending, dead)
            }
        }
    }
}

/// A delivery queued with an alert.
public struct OutboxItem: Sendable, Equatable {
    public enum ActiveChange: Sendable, Equatable {
        case none
        /// An Alertmanager alert now firing: sent again every `resend` until resolved.
        case firing(String)
        case resolved
    }

    public var sink: String
    /// Unique per alert: the Idempotency-Key.
    public var key: String
    public var incident: String
    /// The request body, or this alert's element of it (batches and Alertmanager arrays).
    public var body: String
    public var active: ActiveChange

    public init(sink: String, key: String, incident: String, body: String, active: ActiveChange = .none) {
        self.sink = sink
        self.key = key
        self.incident = incident
        self.body = body
        self.active = active
    }
}

/// An alert waiting in the outbox.
public struct OutboxRow: Sendable, Equatable {
    public var seq: Int64
    public var sink: String
    public var key: String
    public var incident: String
    public var body: String
    public var enqueuedAt: Int64
    public var attempts: Int
    /// Wall-clock milliseconds before which it is not tried again.
    public var nextAttemptAt: Int64
    public var lastError: String?

    public init(seq: Int64, sink: String, key: String, incident: String, body: String, enqueuedAt: Int64 = 0,
                attempts: Int = 0, nextAttemptAt: Int64 = 0, lastError: String? = nil) {
        self.seq = seq; self.sink = sink; self.key = key; self.incident = incident; self.body = body
        self.enqueuedAt = enqueuedAt; self.attempts = attempts; self.nextAttemptAt = nextAttemptAt; self.lastError = lastError
    }

    init(_ row: Row) {
        seq = row[0]; sink = row[1]; key = row[2]; incident = row[3]; body = row[4]
        enqueuedAt = row[5]; attempts = row[6]; nextAttemptAt = row[7]; lastError = row[8]
    }
}

/// An alert a receiver refused for good.
public struct DeadLetter: Sendable, Equatable {
    public var sink: String
    public var key: String
    public var body: String
    public var status: Int
    public var response: String
    public var attempts: Int
    public var failedAt: Int64
}
