#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import GRDB
import LogIngest

/// Why the state directory cannot be used. Always names the directory or file.
public struct StateError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

/// One alert as kept in the history.
public struct StoredAlert: Sendable, Equatable {
    /// The incident id (shared by its firing, reminders and resolution).
    public var id: String
    public var status: String
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

    public init(id: String, status: String, decidedAt: Int64, detector: String, severity: String, key: String,
                message: String, json: String, recordedAt: Int64) {
        self.id = id
        self.status = status
        self.decidedAt = decidedAt
        self.detector = detector
        self.severity = severity
        self.key = key
        self.message = message
        self.json = json
        self.recordedAt = recordedAt
    }
}

/// Everything that outlives a process, in one SQLite database in the state directory:
/// where each followed file was read to, the engine's learned state, every alert emitted, and
/// the outbox of alerts not yet delivered.
///
/// One process at a time: the directory is locked while a store is open. Writes that must go
/// together (file offsets and the engine state they match) are one transaction, committed
/// with `synchronous = FULL`, so a crash or a power cut leaves the last checkpoint whole.
/// Sendable because its only mutable state is GRDB's `DatabaseQueue`, which serializes every
/// access: the deliverer's task and the main thread share one store.
public final class StateStore: @unchecked Sendable {
    public let directory: String
    public let databasePath: String
    private let queue: DatabaseQueue
    private let lockDescriptor: Int32

    /// `$XDG_STATE_HOME/logwatch`, else `~/.local/state/logwatch`.
    public static func defaultDirectory(environment: [String: String] = ProcessInfo.processInfo.environment) -> String {
        if let xdg = environment["XDG_STATE_HOME"], xdg.hasPrefix("/") { return xdg + "/logwatch" }
        let home = environment["HOME"] ?? NSHomeDirectory()
        return home + "/.local/state/logwatch"
    }

    /// Opens (creating if needed) the store in `directory`. `reset` deletes what it held first.
    /// - Throws: `StateError` when the directory is not writable, locked by another process,
    ///   not a logwatch database, damaged, or written by a newer logwatch.
    public init(directory: String, reset: Bool = false) throws(StateError) {
        self.directory = directory
        databasePath = directory + "/state.sqlite"
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw StateError("state directory \(directory): cannot create it (\(Self.reason(error)))")
        }
        guard access(directory, W_OK | X_OK) == 0 else {
            throw StateError("state directory \(directory): not writable (\(String(cString: strerror(errno))))")
        }
        // Whoever can write the state can rewrite the history and the offsets, or plant a
        // symlink that makes logwatch write elsewhere.
        var st = stat()
        if stat(directory, &st) == 0 {
            if st.st_mode & S_IWOTH != 0 && st.st_mode & S_ISVTX == 0 {
                throw StateError("state directory \(directory) is writable by every user (mode \(String(st.st_mode & 0o777, radix: 8))); run chmod 700 \(directory)")
            }
            if st.st_uid != geteuid() && st.st_uid != 0 {
                throw StateError("state directory \(directory) belongs to another user (uid \(st.st_uid)); logwatch keeps its state only in a directory it or root owns")
            }
        }
        if lstat(directory + "/state.sqlite", &st) == 0 && (st.st_mode & S_IFMT) == S_IFLNK {
            throw StateError("state file \(directory)/state.sqlite is a symbolic link; logwatch writes its state only to a regular file")
        }
        let lockPath = directory + "/lock"
        let fd = open(lockPath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        guard fd >= 0 else { throw StateError("state directory \(directory): cannot open \(lockPath) (\(String(cString: strerror(errno))))") }
        if flock(fd, LOCK_EX | LOCK_NB) != 0 {
            var buffer = [UInt8](repeating: 0, count: 32)
            let n = pread(fd, &buffer, buffer.count, 0)
            let pid = n > 0 ? String(decoding: buffer[0..<n], as: UTF8.self).trimmingCharacters(in: .whitespacesAndNewlines) : "?"
            close(fd)
            throw StateError("state directory \(directory) is in use by another logwatch (pid \(pid)); one process per state directory")
        }
        let pidText = Array("\(getpid())\n".utf8)
        _ = ftruncate(fd, 0)
        _ = pwrite(fd, pidText, pidText.count, 0)
        lockDescriptor = fd
        if reset {
            for suffix in ["", "-wal", "-shm", "-journal"] { unlink(databasePath + suffix) }
        }
        if access(databasePath, F_OK) == 0 && access(databasePath, R_OK | W_OK) != 0 {
            close(fd)
            throw StateError("state file \(databasePath): not readable and writable (\(String(cString: strerror(errno))))")
        }
        // Created private: it holds principals, addresses and alert history.
        let created = open(databasePath, O_RDWR | O_CREAT | O_CLOEXEC, 0o600)
        if created >= 0 { close(created) }
        var config = Configuration()
        config.journalMode = .wal
        config.busyMode = .timeout(5)
        config.prepareDatabase { db in
            try db.execute(sql: "PRAGMA synchronous = FULL")
        }
        do {
            queue = try DatabaseQueue(path: databasePath, configuration: config)
            let migrator = Self.migrator
            if try queue.read({ try migrator.hasBeenSuperseded($0) }) {
                throw StateError("state file \(databasePath) was written by a newer logwatch; upgrade, or start over with --reset-state")
            }
            try migrator.migrate(queue)
            _ = try queue.read { try Int.fetchOne($0, sql: "PRAGMA quick_check") }
        } catch let e as StateError {
            close(fd)
            throw e
        } catch {
            close(fd)
            throw StateError("state file \(databasePath): \(Self.reason(error)); move it away or start over with --reset-state")
        }
    }

    /// Opens an existing store to read only (`logwatch alerts`), beside a running `tail`:
    /// no lock is taken, nothing is written.
    public init(readingFrom directory: String) throws(StateError) {
        self.directory = directory
        databasePath = directory + "/state.sqlite"
        lockDescriptor = -1
        var config = Configuration()
        config.readonly = true
        config.busyMode = .timeout(5)
        do {
            queue = try DatabaseQueue(path: databasePath, configuration: config)
            let migrator = Self.migrator
            if try queue.read({ try migrator.hasBeenSuperseded($0) }) {
                throw StateError("state file \(databasePath) was written by a newer logwatch")
            }
            guard try queue.read({ try migrator.hasCompletedMigrations($0) }) else {
                throw StateError("state file \(databasePath) is not a complete logwatch state")
            }
        } catch let e as StateError {
            throw e
        } catch {
            throw StateError("state file \(databasePath): \(Self.reason(error))")
        }
    }


    deinit {
        if lockDescriptor >= 0 { close(lockDescriptor) }
    }

    private static func reason(_ error: any Error) -> String {
        if let e = error as? DatabaseError { return e.message ?? "\(e.resultCode)" }
        if let e = error as? CocoaError, let u = e.userInfo[NSUnderlyingErrorKey] as? NSError { return u.localizedDescription }
        return "\(error)"
    }

    private static var migrator: DatabaseMigrator {
        var m = DatabaseMigrator()
        m.registerMigration("v1") { db in
            try db.execute(sql: """
                CREATE TABLE file (
                    device INTEGER NOT NULL,
                    inode INTEGER NOT NULL,
                    fingerprint INTEGER NOT NULL,
                    fingerprint_length INTEGER NOT NULL,
                    path TEXT NOT NULL,
                    offset INTEGER NOT NULL,
                    updated_at INTEGER NOT NULL,
                    PRIMARY KEY (device, inode)
                );
                CREATE TABLE engine_state (
                    id INTEGER PRIMARY KEY CHECK (id = 1),
                    snapshot BLOB NOT NULL,
                    saved_at INTEGER NOT NULL
                );
                CREATE TABLE input (
                    id INTEGER PRIMARY KEY,
                    name TEXT NOT NULL UNIQUE
                );
                CREATE TABLE alert (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    incident_id TEXT NOT NULL,
                    status TEXT NOT NULL,
                    decided_at INTEGER NOT NULL,
                    detector TEXT NOT NULL,
                    severity TEXT NOT NULL,
                    alert_key TEXT NOT NULL,
                    message TEXT NOT NULL,
                    json TEXT NOT NULL,
                    recorded_at INTEGER NOT NULL,
                    UNIQUE (incident_id, status, decided_at)
                );
                CREATE INDEX alert_decided ON alert (decided_at);
                """)
        }
        m.registerMigration("v2-outbox") { db in
            try db.execute(sql: """
                CREATE TABLE outbox (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    sink TEXT NOT NULL,
                    delivery_key TEXT NOT NULL,
                    incident_id TEXT NOT NULL,
                    body TEXT NOT NULL,
                    enqueued_at INTEGER NOT NULL,
                    attempts INTEGER NOT NULL DEFAULT 0,
                    next_attempt_at INTEGER NOT NULL DEFAULT 0,
                    last_error TEXT,
                    UNIQUE (sink, delivery_key)
                );
                CREATE INDEX outbox_sink ON outbox (sink, seq);
                CREATE TABLE dead_letter (
                    seq INTEGER PRIMARY KEY AUTOINCREMENT,
                    sink TEXT NOT NULL,
                    delivery_key TEXT NOT NULL,
                    body TEXT NOT NULL,
                    status INTEGER NOT NULL,
                    response TEXT NOT NULL,
                    attempts INTEGER NOT NULL,
                    failed_at INTEGER NOT NULL
                );
                CREATE TABLE alertmanager_active (
                    sink TEXT NOT NULL,
                    incident_id TEXT NOT NULL,
                    body TEXT NOT NULL,
                    PRIMARY KEY (sink, incident_id)
                );
                """)
        }
        return m
    }

    private func run<T>(_ what: String, _ body: () throws -> T) throws(StateError) -> T {
        do {
            return try body()
        } catch {
            throw StateError("state file \(databasePath): \(what): \(Self.reason(error))")
        }
    }

    static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    // MARK: Files and engine

    public func fileCheckpoints() throws(StateError) -> [FileCheckpoint] {
        try run("reading file checkpoints") {
            try queue.read { db in
                try Row.fetchAll(db, sql: "SELECT device, inode, fingerprint, fingerprint_length, path, offset FROM file").map { row in
                    FileCheckpoint(device: UInt64(bitPattern: row[0]), inode: UInt64(bitPattern: row[1]),
                                   fingerprint: UInt64(bitPattern: row[2]), fingerprintLength: row[3], path: row[4], offset: row[5])
                }
            }
        }
    }

    public func engineSnapshot() throws(StateError) -> [UInt8]? {
        try run("reading the engine state") {
            try queue.read { db in try Data.fetchOne(db, sql: "SELECT snapshot FROM engine_state WHERE id = 1").map { [UInt8]($0) } }
        }
    }

    /// Saves the engine state and the offsets it matches in one transaction. Files not listed
    /// keep their rows unless named in `forget` (files let go of).
    public func checkpoint(files: [FileCheckpoint], forget: [(device: UInt64, inode: UInt64)] = [], engine: [UInt8]) throws(StateError) {
        let now = Self.nowMs()
        try run("saving a checkpoint") {
            try queue.write { db in
                for f in files {
                    try db.execute(sql: """
                        INSERT INTO file (device, inode, fingerprint, fingerprint_length, path, offset, updated_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?)
                        ON CONFLICT (device, inode) DO UPDATE SET fingerprint = excluded.fingerprint,
                            fingerprint_length = excluded.fingerprint_length, path = excluded.path,
                            offset = excluded.offset, updated_at = excluded.updated_at
                        """, arguments: [Int64(bitPattern: f.device), Int64(bitPattern: f.inode), Int64(bitPattern: f.fingerprint),
                                         f.fingerprintLength, f.path, f.offset, now])
                }
                for f in forget {
                    try db.execute(sql: "DELETE FROM file WHERE device = ? AND inode = ?",
                                   arguments: [Int64(bitPattern: f.device), Int64(bitPattern: f.inode)])
                }
                try db.execute(sql: "INSERT OR REPLACE INTO engine_state (id, snapshot, saved_at) VALUES (1, ?, ?)",
                               arguments: [Data(engine), now])
            }
        }
    }

    // MARK: Inputs

    /// The stable number of an input name (for the line references kept in the engine state).
    public func inputIndex(for name: String) throws(StateError) -> Int32 {
        try run("registering an input") {
            try queue.write { db in
                if let id = try Int64.fetchOne(db, sql: "SELECT id FROM input WHERE name = ?", arguments: [name]) { return Int32(id) }
                try db.execute(sql: "INSERT INTO input (name) VALUES (?)", arguments: [name])
                return Int32(db.lastInsertedRowID)
            }
        }
    }

    public func inputNames() throws(StateError) -> [Int32: String] {
        try run("reading input names") {
            try queue.read { db in
                var names: [Int32: String] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT id, name FROM input") { names[Int32(row[0] as Int64)] = row[1] }
                return names
            }
        }
    }

    // MARK: Alerts

    /// Records alerts in the history and queues their deliveries, in one transaction, so an
    /// alert is durable in the outbox before any attempt to send it. Returns, per alert,
    /// whether it is new: an alert seen before (the same incident, status and decision time,
    /// re-derived from lines read again after a crash) is not recorded or queued twice. Past
    /// `outboxLimit` undelivered alerts, the oldest are dropped; `dropped` counts them.
    public func record(_ alerts: [StoredAlert], deliveries: [[OutboxItem]] = [], outboxLimit: Int = 100_000) throws(StateError) -> (fresh: [Bool], dropped: Int) {
        guard !alerts.isEmpty else { return ([], 0) }
        return try run("recording alerts") {
            try queue.write { db in
                var queued = false
                let fresh = try alerts.indices.map { i -> Bool in
                    let a = alerts[i]
                    try db.execute(sql: """
                        INSERT OR IGNORE INTO alert (incident_id, status, decided_at, detector, severity, alert_key, message, json, recorded_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """, arguments: [a.id, a.status, a.decidedAt, a.detector, a.severity, a.key, a.message, a.json, a.recordedAt])
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
                return (fresh, dropped)
            }
        }
    }

    // MARK: Outbox

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
                    StoredAlert(id: row[0], status: row[1], decidedAt: row[2], detector: row[3], severity: row[4],
                                key: row[5], message: row[6], json: row[7], recordedAt: row[8])
                }
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
