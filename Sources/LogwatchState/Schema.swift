import GRDB

/// The database's tables, created and upgraded by GRDB's migrator: a migration is never
/// changed once released, only added, so every older state upgrades in place and a newer one
/// is recognised and refused.
extension StateStore {
    static var migrator: DatabaseMigrator {
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
        m.registerMigration("v3-patterns") { db in
            // When each followed pattern was last looked at, by a look a checkpoint covers.
            try db.execute(sql: """
                CREATE TABLE pattern_look (
                    pattern TEXT PRIMARY KEY,
                    looked_at INTEGER NOT NULL
                );
                """)
        }
        m.registerMigration("v4-engine-segments") { db in
            // The engine state in segments that change independently (by label, in the
            // order of the state's bytes), so that a checkpoint rewrites only what changed.
            try db.execute(sql: """
                CREATE TABLE engine_segment (
                    label INTEGER PRIMARY KEY,
                    bytes BLOB NOT NULL
                );
                """)
        }
        m.registerMigration("v5-pull-cursors") { db in
            // Per instance and table, how far a pull from an API got (see PullCursor): saved
            // in the transaction that saves the engine state those rows went into.
            try db.execute(sql: """
                CREATE TABLE pull_cursor (
                    source TEXT NOT NULL,
                    tbl TEXT NOT NULL,
                    position INTEGER NOT NULL,
                    seen TEXT NOT NULL,
                    PRIMARY KEY (source, tbl)
                );
                """)
        }
        m.registerMigration("v6-read-files") { db in
            // Files let go of, read to their end (the last 64): their archives are not new data.
            try db.execute(sql: """
                CREATE TABLE read_file (
                    position INTEGER PRIMARY KEY,
                    hash INTEGER NOT NULL,
                    length INTEGER NOT NULL,
                    path TEXT NOT NULL
                );
                """)
        }
        return m
    }
}
