import Foundation
import Testing
import TestSupport
import LogwatchCore
@testable import LogwatchState

@Suite struct StateStoreTests {
    func directory() -> String { Scratch.directory("state").appendingPathComponent("state").path }

    static func stored(_ id: String, _ phase: AlertPhase = .firing, decidedAt: Int64 = 60_000) -> StoredAlert {
        StoredAlert(id: id, phase: phase, decidedAt: decidedAt, detector: "volume_surge", severity: "warning", key: "*",
                    message: "all traffic: surge", json: #"{"id":"\#(id)"}"#, recordedAt: 1)
    }

    @Test func anAlertIsRecordedOnceAndReadBackWithItsPhase() throws {
        let dir = directory()
        let store = try StateStore(directory: dir)
        let first = try store.record([Self.stored("a"), Self.stored("a", .resolved, decidedAt: 120_000)])
        #expect(first.fresh == [true, true])
        // Re-derived after a crash: the same incident, phase and decision time.
        #expect(try store.record([Self.stored("a")]).fresh == [false])
        #expect(try store.record([Self.stored("a", .reminder, decidedAt: 90_000)]).fresh == [true])
        let history = try StateStore(readingFrom: dir).alerts()
        #expect(history.map(\.phase) == [.firing, .reminder, .resolved])
        #expect(try store.alerts(since: 100_000).map(\.phase) == [.resolved])
        #expect(try store.alerts(detector: "failed_auth_spike").isEmpty)
    }

    @Test func theOutboxKeepsOrderUntilDeliveredOrRefused() throws {
        let store = try StateStore(directory: directory())
        let alerts = ["a", "b", "c"].map { Self.stored($0) }
        let deliveries = ["a", "b", "c"].map { [OutboxItem(sink: "hook", key: "\($0)-firing", incident: $0, body: "{\"id\":\"\($0)\"}")] }
        _ = try store.record(alerts, deliveries: deliveries)
        #expect(try store.outboxCounts() == ["hook": 3])
        let head = try store.outboxHead(sink: "hook", limit: 2)
        #expect(head.map(\.key) == ["a-firing", "b-firing"])
        try store.markRetry([head[0].seq], nextAttemptAt: 5_000, error: "HTTP 500")
        #expect(try store.outboxHead(sink: "hook", limit: 1)[0].attempts == 1)
        try store.markDelivered([head[0].seq])
        try store.deadLetter([head[1]], status: 400, response: "bad")
        let (pending, dead) = try store.undelivered()
        #expect(pending.map(\.key) == ["c-firing"])
        #expect(dead.map(\.key) == ["b-firing"] && dead[0].status == 400)
    }

    @Test func aFullOutboxDropsTheOldest() throws {
        let store = try StateStore(directory: directory())
        let ids = (0..<5).map { "i\($0)" }
        let result = try store.record(ids.map { Self.stored($0) }, deliveries: ids.map { [OutboxItem(sink: "s", key: $0, incident: $0, body: "{}")] },
                                      outboxLimit: 3)
        #expect(result.dropped == 2)
        #expect(try store.outboxHead(sink: "s", limit: 10).map(\.key) == ["i2", "i3", "i4"])
    }

    @Test func aCheckpointSavesOffsetsAndEngineStateTogether() throws {
        let dir = directory()
        do {
            let store = try StateStore(directory: dir)
            let files = [FileCheckpoint(device: 1, inode: 2, fingerprint: 3, fingerprintLength: 1024, path: "/var/log/a.log", offset: 4096),
                         FileCheckpoint(device: 1, inode: 9, fingerprint: 4, fingerprintLength: 10, path: "/var/log/b.log", offset: 10)]
            try store.checkpoint(files: files, engine: [1, 2, 3])
            try store.checkpoint(files: [], forget: [(1, 9)], engine: [4, 5])
            #expect(try store.inputIndex(for: "a.log") == store.inputIndex(for: "a.log"))
        }
        let reopened = try StateStore(directory: dir)
        #expect(try reopened.fileCheckpoints().map(\.path) == ["/var/log/a.log"])
        #expect(try reopened.fileCheckpoints()[0].offset == 4096)
        #expect(try reopened.engineSnapshot() == [4, 5])
        #expect(try reopened.inputNames().values.sorted() == ["a.log"])
        // A file let go of whose inode a new file took: the new file's row stays.
        let reused = FileCheckpoint(device: 1, inode: 2, fingerprint: 5, fingerprintLength: 20, path: "/var/log/a.log", offset: 20)
        try reopened.checkpoint(files: [reused], forget: [(1, 2)], engine: [6])
        #expect(try reopened.fileCheckpoints() == [reused])
    }

    /// Files read to their end and the pull cursors are saved with the checkpoint, and read
    /// back by the next run; a checkpoint that gives no list of read files keeps the last one.
    @Test func readFilesAndPullCursorsOutliveTheProcess() throws {
        let dir = directory()
        let read = [ReadFile(hash: 7, length: 1024, path: "/var/log/a.log"), ReadFile(hash: UInt64.max, length: 99, path: "/var/log/b.log")]
        let cursor = PullCursor(source: "https://dev1.service-now.com", table: "sysevent", position: 1_764_000_000_000, seen: ["a1", "b2"])
        do {
            let store = try StateStore(directory: dir)
            try store.checkpoint(files: [], cursors: [cursor], readFiles: read, engine: [1])
            try store.checkpoint(files: [], readFiles: nil, engine: [2])
        }
        let reopened = try StateStore(directory: dir)
        #expect(try reopened.readFiles() == read)
        #expect(try reopened.pullCursors(source: "https://dev1.service-now.com") == ["sysevent": cursor])
        #expect(try reopened.pullCursors(source: "https://other.service-now.com").isEmpty)
    }

    /// The engine state is saved in segments, and a checkpoint writes only the segments that
    /// changed (and deletes those gone); reopening gives the whole state back.
    @Test func aCheckpointWritesOnlyTheSegmentsThatChanged() throws {
        let dir = directory()
        func state(_ middle: UInt8, pages: Int) -> (bytes: [UInt8], cuts: [(offset: Int, label: UInt64)]) {
            var bytes: [UInt8] = [9, 9]
            var cuts: [(offset: Int, label: UInt64)] = []
            for page in 0..<pages {
                cuts.append((bytes.count, UInt64(1) << 32 | UInt64(page + 1)))
                bytes += [UInt8](repeating: page == 1 ? middle : UInt8(page), count: 1_000)
            }
            return (bytes, cuts)
        }
        do {
            let store = try StateStore(directory: dir)
            let one = state(1, pages: 4)
            try store.checkpoint(files: [], engine: one.bytes, segments: one.cuts)
            #expect(store.lastCheckpointEngineBytes == 4_002)
            let two = state(7, pages: 4)
            try store.checkpoint(files: [], engine: two.bytes, segments: two.cuts)
            #expect(store.lastCheckpointEngineBytes == 1_000)
            try store.checkpoint(files: [], engine: two.bytes, segments: two.cuts)
            #expect(store.lastCheckpointEngineBytes == 0)
        }
        let reopened = try StateStore(directory: dir)
        #expect(try reopened.engineSnapshot() == state(7, pages: 4).bytes)
        // After reading, the store knows what is saved: a page gone is deleted, nothing rewritten.
        let three = state(7, pages: 3)
        try reopened.checkpoint(files: [], engine: three.bytes, segments: three.cuts)
        #expect(reopened.lastCheckpointEngineBytes == 0)
        #expect(try reopened.engineSnapshot() == three.bytes)
    }

    @Test func aSecondStoreOnTheSameDirectoryIsRefused() throws {
        let dir = directory()
        let first = try StateStore(directory: dir)
        #expect {
            _ = try StateStore(directory: dir)
        } throws: { error in
            "\(error)".contains("in use by another logwatch (pid \(getpid()))")
        }
        _ = first
    }

    /// The lock is held on the directory itself: deleting `lock` (or replacing it) while a
    /// store is open must not let a second one in.
    @Test func aDeletedLockFileDoesNotLetASecondStoreIn() throws {
        let dir = directory()
        let first = try StateStore(directory: dir)
        try FileManager.default.removeItem(atPath: dir + "/lock")
        #expect {
            _ = try StateStore(directory: dir)
        } throws: { error in
            "\(error)".contains("in use by another logwatch")
        }
        _ = first
        // Once the first is closed, the directory is free again.
        _ = consume first
        #expect(throws: Never.self) { _ = try StateStore(directory: dir) }
    }

    @Test(arguments: [0o770, 0o720, 0o702])
    func aDirectoryOthersCanWriteIsRefused(mode: Int) throws {
        let dir = directory()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        chmod(dir, mode_t(mode))
        #expect {
            _ = try StateStore(directory: dir)
        } throws: { error in
            "\(error)".contains("writable by others than its owner")
        }
    }

    @Test func aDatabaseOthersCanWriteIsRefused() throws {
        let dir = directory()
        _ = try StateStore(directory: dir)
        chmod(dir + "/state.sqlite", 0o666)
        #expect {
            _ = try StateStore(directory: dir)
        } throws: { error in
            "\(error)".contains("state.sqlite is writable by others than its owner")
        }
    }

    @Test func aDirectoryEveryUserCanWriteIsRefused() throws {
        let dir = directory()
        try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true)
        chmod(dir, 0o777)
        #expect {
            _ = try StateStore(directory: dir)
        } throws: { error in
            "\(error)".contains("is writable by others than its owner (mode 777)")
        }
    }

    @Test func theDefaultDirectoryFollowsXDG() {
        #expect(StateStore.defaultDirectory(environment: ["XDG_STATE_HOME": "/srv/state", "HOME": "/home/u"]) == "/srv/state/logwatch")
        #expect(StateStore.defaultDirectory(environment: ["XDG_STATE_HOME": "relative", "HOME": "/home/u"]) == "/home/u/.local/state/logwatch")
    }
}
