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
/// where each followed file was read to, the engine's learned state, and every alert emitted.
///
/// One process at a time: the directory is locked while a store is open. Writes that must go
/// together (file offsets and the engine state they match) are one transaction, committed
/// with `synchronous = FULL`, so a crash or a power cut leaves the last checkpoint whole.
public final class StateStore {
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
        readOnly = false
        do {
            try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true,
                                                    attributes: [.posixPermissions: 0o700])
        } catch {
            throw StateError("state directory \(directory): cannot create it (\(Self.reason(error)))")
        }
        guard access(directory, W_OK | X_OK) == 0 else {
            throw StateError("state directory \(directory): not writable (\(String(cString: strerror(errno))))")
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
        readOnly = true
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

    private let readOnly: Bool

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
        return m
    }

    private func run<T>(_ what: String, _ body: () throws -> T) throws(StateError) -> T {
        do {
            return try body()
        } catch {
            throw StateError("state file \(databasePath): \(what): \(Self.reason(error))")
        }
    }

    private static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

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

    /// Records alerts in the history, in one transaction. Returns, per alert, whether it is
    /// new: an alert seen before (the same incident, status and decision time, re-derived
    /// from lines read again after a crash) is not recorded twice and must not be sent again.
    public func record(_ alerts: [StoredAlert]) throws(StateError) -> [Bool] {
        guard !alerts.isEmpty else { return [] }
        return try run("recording alerts") {
            try queue.write { db in
                try alerts.map { a in
                    try db.execute(sql: """
                        INSERT OR IGNORE INTO alert (incident_id, status, decided_at, detector, severity, alert_key, message, json, recorded_at)
                        VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?)
                        """, arguments: [a.id, a.status, a.decidedAt, a.detector, a.severity, a.key, a.message, a.json, a.recordedAt])
                    return db.changesCount == 1
                }
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
