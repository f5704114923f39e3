#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import Foundation
import GRDB

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
    let queue: DatabaseQueue
    private let lockDescriptor: Int32
    /// The engine state's segments as saved (label → hash), as of the last checkpoint this
    /// process wrote or read; nil when not known (then a checkpoint replaces them all). Only
    /// the thread that checkpoints uses it.
    let savedSegments = SavedSegments()

    final class SavedSegments: @unchecked Sendable {
        var value: [UInt64: Int]?
        var lastWritten = 0
    }

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
        try StateDirectory.prepare(directory)
        let fd = try StateDirectory.lock(directory)
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

    static func reason(_ error: any Error) -> String {
        if let e = error as? DatabaseError { return e.message ?? "\(e.resultCode)" }
        if let e = error as? CocoaError, let u = e.userInfo[NSUnderlyingErrorKey] as? NSError { return u.localizedDescription }
        return "\(error)"
    }

    func run<T>(_ what: String, _ body: () throws -> T) throws(StateError) -> T {
        do {
            return try body()
        } catch {
            throw StateError("state file \(databasePath): \(what): \(Self.reason(error))")
        }
    }

    static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }
}
