import Foundation
import GRDB
import LogwatchCore

/// Where each followed file was read to, the engine state those offsets match, and the
/// stable numbers of input names that the engine's evidence refers to.
extension StateStore {
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

    /// When each followed pattern was last looked at (wall clock, nanoseconds), as of the
    /// last checkpoint.
    public func patternLooks() throws(StateError) -> [String: Int64] {
        try run("reading file checkpoints") {
            try queue.read { db in
                var looks: [String: Int64] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT pattern, looked_at FROM pattern_look") { looks[row[0]] = row[1] }
                return looks
            }
        }
    }

    /// The files let go of lately, read to their end, oldest first.
    public func readFiles() throws(StateError) -> [ReadFile] {
        try run("reading file checkpoints") {
            try queue.read { db in
                try Row.fetchAll(db, sql: "SELECT hash, length, path FROM read_file ORDER BY position").map {
                    ReadFile(hash: UInt64(bitPattern: $0[0]), length: $0[1], path: $0[2])
                }
            }
        }
    }

    /// The pull cursors saved for `source` (an instance's URL), by table.
    public func pullCursors(source: String) throws(StateError) -> [String: PullCursor] {
        try run("reading pull cursors") {
            try queue.read { db in
                var cursors: [String: PullCursor] = [:]
                for row in try Row.fetchAll(db, sql: "SELECT tbl, position, seen FROM pull_cursor WHERE source = ?", arguments: [source]) {
                    let seen: String = row[2]
                    cursors[row[0]] = PullCursor(source: source, table: row[0], position: row[1],
                                                 seen: seen.isEmpty ? [] : seen.split(separator: "\n").map(String.init))
                }
                return cursors
            }
        }
    }

    /// The engine state of the last checkpoint, or nil before the first.
    public func engineSnapshot() throws(StateError) -> [UInt8]? {
        let (bytes, segments) = try run("reading the engine state") {
            try queue.read { db -> ([UInt8]?, [UInt64: Int]?) in
                let rows = try Row.fetchAll(db, sql: "SELECT label, bytes FROM engine_segment ORDER BY label")
                if rows.isEmpty {
                    // A state saved whole, before segments.
                    return (try Data.fetchOne(db, sql: "SELECT snapshot FROM engine_state WHERE id = 1").map { [UInt8]($0) }, nil)
                }
                var bytes: [UInt8] = []
                var segments: [UInt64: Int] = [:]
                for row in rows {
                    let part = [UInt8](row[1] as Data)
                    segments[UInt64(bitPattern: row[0])] = Self.segmentHash(part[...])
                    bytes += part
                }
                return (bytes, segments)
            }
        }
        savedSegments.value = segments
        return bytes
    }

    /// Saves the engine state and the offsets it matches in one transaction. Files not listed
    /// keep their rows unless named in `forget` (files let go of); a file listed keeps its row
    /// even if named in `forget` (an inode let go of and reused). `looks`: when each pattern
    /// was last looked at, by a look whose files are all in `files`. The engine state is
    /// saved in the segments `segments` marks (offset and label of each start; the bytes
    /// before the first are label 0), and only the segments that changed since the last
    /// checkpoint are written.
    public func checkpoint(files: [FileCheckpoint], forget: [(device: UInt64, inode: UInt64)] = [], looks: [String: Int64] = [:],
                           cursors: [PullCursor] = [], readFiles: [ReadFile]? = nil,
                           engine: [UInt8], segments: [(offset: Int, label: UInt64)] = []) throws(StateError) {
        let now = Self.nowMs()
        var parts: [(label: UInt64, bytes: ArraySlice<UInt8>)] = []
        var start = 0
        var label: UInt64 = 0
        for cut in segments {
            if cut.offset > start || label != 0 { parts.append((label, engine[start..<cut.offset])) }
            start = cut.offset
            label = cut.label
        }
        parts.append((label, engine[start...]))
        var hashes: [UInt64: Int] = [:]
        for part in parts { hashes[part.label] = Self.segmentHash(part.bytes) }
        let saved = savedSegments.value
        var written = 0
        try run("saving a checkpoint") {
            try queue.write { db in
                // Forgotten first: a file followed now may have the identity (a reused inode)
                // of one let go.
                for f in forget {
                    try db.execute(sql: "DELETE FROM file WHERE device = ? AND inode = ?",
                                   arguments: [Int64(bitPattern: f.device), Int64(bitPattern: f.inode)])
                }
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
                if let readFiles {
                    try db.execute(sql: "DELETE FROM read_file")
                    for (i, f) in readFiles.enumerated() {
                        try db.execute(sql: "INSERT INTO read_file (position, hash, length, path) VALUES (?, ?, ?, ?)",
                                       arguments: [i, Int64(bitPattern: f.hash), f.length, f.path])
                    }
                }
                for c in cursors {
                    try db.execute(sql: "INSERT OR REPLACE INTO pull_cursor (source, tbl, position, seen) VALUES (?, ?, ?, ?)",
                                   arguments: [c.source, c.table, c.position, c.seen.joined(separator: "\n")])
                }
                for (pattern, at) in looks {
                    try db.execute(sql: "INSERT OR REPLACE INTO pattern_look (pattern, looked_at) VALUES (?, ?)", arguments: [pattern, at])
                }
                if let saved {
                    for label in saved.keys where hashes[label] == nil {
                        try db.execute(sql: "DELETE FROM engine_segment WHERE label = ?", arguments: [Int64(bitPattern: label)])
                    }
                } else {
                    // What is stored is not known to this process: replaced whole.
                    try db.execute(sql: "DELETE FROM engine_segment")
                    try db.execute(sql: "DELETE FROM engine_state")
                }
                written = 0
                for part in parts where saved?[part.label] != hashes[part.label] {
                    try db.execute(sql: "INSERT OR REPLACE INTO engine_segment (label, bytes) VALUES (?, ?)",
                                   arguments: [Int64(bitPattern: part.label), Data(part.bytes)])
                    written += part.bytes.count
                }
            }
        }
        savedSegments.value = hashes
        savedSegments.lastWritten = written
    }

    /// Bytes of engine state the last checkpoint wrote (the segments that had changed).
    public var lastCheckpointEngineBytes: Int { savedSegments.lastWritten }

    /// A segment's hash, to tell whether it changed: seeded per process (an attacker who
    /// shapes log lines cannot make a changed segment look unchanged).
    static func segmentHash(_ bytes: ArraySlice<UInt8>) -> Int {
        var h = Hasher()
        bytes.withUnsafeBytes { h.combine(bytes: $0) }
        h.combine(bytes.count)
        return h.finalize()
    }

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
}
