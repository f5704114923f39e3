import Foundation
import Testing
import TestSupport
import LogIngest
import LogwatchCore
@testable import LogFollowing

/// The follower on real files in a scratch directory, driven pass by pass as `tail` drives it
/// (rescan, then read), with no process and no clock: `now` is given.
@Suite struct FileFollowerTests {
    final class Run {
        let dir = Scratch.directory("follow")
        let follower: FileFollower
        var events: [TransactionEvent] = []
        var now = 0.0

        init(pattern: String = "app.log*", grace: Double = 2) {
            follower = FileFollower(patterns: [dir.appendingPathComponent(pattern).path], options: IngestOptions(), graceSeconds: grace) { _ in 0 }
        }

        func path(_ name: String) -> String { dir.appendingPathComponent(name).path }

        /// Appends `count` combined-log lines numbered from `first` (the number is the status's
        /// last digits, so each line can be told apart) to `name`.
        func append(_ name: String, _ first: Int, _ count: Int) throws {
            let handle = FileManager.default.fileExists(atPath: path(name)) ? FileHandle(forWritingAtPath: path(name))! : {
                FileManager.default.createFile(atPath: path(name), contents: nil)
                return FileHandle(forWritingAtPath: path(name))!
            }()
            handle.seekToEndOfFile()
            var text = ""
            for i in first..<first + count {
                text += "10.0.0.1 - svc [24/Nov/2025:16:00:\(String(format: "%02d", i % 60)) +0000] \"GET /n/\(i) HTTP/1.1\" 200 \(i) \"-\" \"t\"\n"
            }
            handle.write(Data(text.utf8))
            handle.closeFile()
        }

        /// One pass: look for new files and rotations, then read what is there.
        func pass(seconds: Double = 0.5) {
            now += seconds
            follower.rescan(now: now)
            _ = follower.read(budget: 100_000, now: now) { events.append($0) }
        }

        /// The `bytes` field of every event read: which lines, and in what order.
        var lines: [Int64] { events.compactMap(\.bytes) }
    }

    @Test func appendedLinesAreReadOnceAsTheyArrive() throws {
        let run = Run()
        try run.append("app.log", 0, 10)
        run.follower.start(checkpoints: [], fromBeginning: true)
        run.pass()
        try run.append("app.log", 10, 5)
        run.pass()
        run.pass()
        #expect(run.lines == (0..<15).map(Int64.init))
    }

    @Test func aFileSeenForTheFirstTimeIsReadFromItsEndUnlessFromBeginning() throws {
        let run = Run()
        try run.append("app.log", 0, 10)
        run.follower.start(checkpoints: [], fromBeginning: false)
        run.pass()
        try run.append("app.log", 10, 3)
        run.pass()
        #expect(run.lines == [10, 11, 12])
    }

    @Test func renameRotationFinishesTheOldFileAndReadsTheNewFromItsStart() throws {
        let run = Run(pattern: "app.log")
        try run.append("app.log", 0, 5)
        run.follower.start(checkpoints: [], fromBeginning: true)
        run.pass()
        try run.append("app.log", 5, 3)
        try FileManager.default.moveItem(atPath: run.path("app.log"), toPath: run.path("app.log.1"))
        try run.append("app.log.1", 8, 2)       // a writer's last lines after the rename
        try run.append("app.log", 100, 4)
        for _ in 0..<8 { run.pass() }
        #expect(run.lines == [0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 100, 101, 102, 103])
        // Let go of the old file once no pattern names it for the grace period.
        #expect(run.follower.files.map { ($0.path as NSString).lastPathComponent } == ["app.log"])
    }

    @Test func copyTruncateRereadsTheFileAndTheCopyIsNotReadTwice() throws {
        let run = Run()
        try run.append("app.log", 0, 6)
        run.follower.start(checkpoints: [], fromBeginning: true)
        run.pass()
        try FileManager.default.copyItem(atPath: run.path("app.log"), toPath: run.path("app.log.1"))
        try Data().write(to: URL(fileURLWithPath: run.path("app.log")))
        try run.append("app.log", 50, 2)
        for _ in 0..<4 { run.pass() }
        #expect(run.lines == [0, 1, 2, 3, 4, 5, 50, 51])
    }

    /// copytruncate seen between its copy and its truncation (the torture found it: a look
    /// found the copy as a new file and read it from its start, then the truncation), and a
    /// backup copy of a followed file: neither is read twice.
    @Test(arguments: [true, false])
    func aCopyFoundBeforeTheTruncationIsNotReadTwice(truncated: Bool) throws {
        let run = Run()
        try run.append("app.log", 0, 20)
        run.follower.start(checkpoints: [], fromBeginning: true)
        run.pass()
        try run.append("app.log", 20, 3)
        try FileManager.default.copyItem(atPath: run.path("app.log"), toPath: run.path("app.log.1"))
        run.pass()
        #expect(run.follower.takeNotices().contains { $0.contains("app.log.1: a copy of") && $0.contains("not read") })
        if truncated {
            try Data().write(to: URL(fileURLWithPath: run.path("app.log")))
            try run.append("app.log", 50, 2)
        } else {
            try run.append("app.log", 23, 2)
        }
        for _ in 0..<4 { run.pass() }
        #expect(run.lines == Array(0..<23) + (truncated ? [50, 51] : [23, 24]))
    }

    @Test func aCheckpointResumesWhereTheLastRunStopped() throws {
        let first = Run(pattern: "app.log")
        try first.append("app.log", 0, 4)
        first.follower.start(checkpoints: [], fromBeginning: true)
        first.pass()
        let checkpoints = first.follower.files.map(\.checkpoint)
        #expect(checkpoints.count == 1)
        try first.append("app.log", 4, 3)

        let second = FileFollower(patterns: [first.path("app.log")], options: IngestOptions()) { _ in 0 }
        second.start(checkpoints: checkpoints, fromBeginning: false)
        second.rescan(now: 1)
        var lines: [Int64] = []
        _ = second.read(budget: 1_000, now: 1) { lines.append($0.bytes ?? -1) }
        #expect(lines == [4, 5, 6])
    }

    @Test func compressedFilesAreNotFollowed() throws {
        let run = Run()
        try run.append("app.log", 0, 2)
        try Data([0x1F, 0x8B, 0x08, 0x00] + [UInt8](repeating: 0, count: 20)).write(to: URL(fileURLWithPath: run.path("app.log.2.gz")))
        run.follower.start(checkpoints: [], fromBeginning: true)
        run.pass()
        #expect(run.follower.files.map { ($0.path as NSString).lastPathComponent } == ["app.log"])
        #expect(run.lines == [0, 1])
    }

    /// A FIFO put where a followed log was, while tail was stopped: opening it would block
    /// until a writer came, and every other file with it. The follower must go on, say what
    /// it skipped, and keep reading the other files.
    @Test func aFIFOInPlaceOfAFollowedFileNeverBlocks() throws {
        let run = Run()
        try run.append("app.log", 0, 3)
        run.follower.start(checkpoints: [], fromBeginning: true)
        run.pass()
        let checkpoints = run.follower.files.map(\.checkpoint)
        try FileManager.default.removeItem(atPath: run.path("app.log"))
        #expect(mkfifo(run.path("app.log"), 0o600) == 0)
        #expect(mkfifo(run.path("app.log.fifo"), 0o600) == 0)
        try run.append("app.log.1", 10, 2)

        final class Outcome: @unchecked Sendable { var lines: [Int64] = []; var notices: [String] = [] }
        let outcome = Outcome()
        let done = DispatchSemaphore(value: 0)
        let pattern = run.path("app.log*")
        Thread.detachNewThread {
            let next = FileFollower(patterns: [pattern], options: IngestOptions()) { _ in 0 }
            next.start(checkpoints: checkpoints, fromBeginning: true)
            next.rescan(now: 1)
            _ = next.read(budget: 1_000, now: 1) { outcome.lines.append($0.bytes ?? -1) }
            outcome.notices = next.takeNotices()
            done.signal()
        }
        guard done.wait(timeout: .now() + 10) == .success else {
            Issue.record("the follower blocked on a FIFO")
            return
        }
        #expect(outcome.lines == [10, 11])
        #expect(outcome.notices.contains { $0.hasSuffix("app.log: a FIFO, not a regular file; not followed") }, "\(outcome.notices)")
    }

    @Test func aLoopOfSymbolicLinksGetsANotice() throws {
        let run = Run(pattern: "loop.log")
        try FileManager.default.createSymbolicLink(atPath: run.path("loop.log"), withDestinationPath: run.path("loop.log"))
        run.follower.start(checkpoints: [], fromBeginning: true)
        #expect(run.follower.takeNotices().contains { $0.hasSuffix("loop.log: a loop of symbolic links; not followed") })
    }

    /// Rename rotation while tail was stopped, with a glob that names the rotated file too
    /// (`app.log*`): the unread rest of the old file (now `app.log.1`) is older than anything
    /// in the new `app.log`, so it is read to its end first, however small the read budget;
    /// the new file read first would make the old lines late for the engine.
    @Test(arguments: [10, 100_000])
    func afterRotationWhileStoppedTheOlderFileIsFinishedFirst(budget: Int) throws {
        let first = Run()
        try first.append("app.log", 0, 10)
        first.follower.start(checkpoints: [], fromBeginning: true)
        first.pass()
        let checkpoints = first.follower.files.map(\.checkpoint)
        try first.append("app.log", 10, 290)                 // written while stopped
        try FileManager.default.moveItem(atPath: first.path("app.log"), toPath: first.path("app.log.1"))
        try first.append("app.log", 1_000, 50)               // the new file

        let next = FileFollower(patterns: [first.path("app.log*")], options: IngestOptions()) { _ in 0 }
        next.start(checkpoints: checkpoints, fromBeginning: false)
        var lines: [Int64] = []
        for pass in 1...60 {
            next.rescan(now: Double(pass))
            _ = next.read(budget: budget, now: Double(pass)) { lines.append($0.bytes ?? -1) }
        }
        #expect(lines == (10..<300).map(Int64.init) + (1_000..<1_050).map(Int64.init))
    }

    /// The steps of a rotation while tail was stopped: a first run reads lines 0-9 of
    /// `app.log` and checkpoints; lines 10-299 are appended while it is stopped; `rotate`
    /// rotates; a new `app.log` gets lines 1000-1049. The next run, with the given pattern
    /// and budget, returns what it read (and its notices).
    static func restartAfter(pattern: String = "app.log*", fromBeginning: Bool = false, budget: Int = 100_000,
                             _ rotate: (Run) throws -> Void) throws -> (lines: [Int64], notices: [String]) {
        let first = Run(pattern: pattern)
        try first.append("app.log", 0, 10)
        first.follower.start(checkpoints: [], fromBeginning: true)
        first.pass()
        let checkpoints = first.follower.files.map(\.checkpoint)
        let looks = first.follower.lookedAt
        try first.append("app.log", 10, 290)
        try rotate(first)
        try first.append("app.log", 1_000, 50)

        let next = FileFollower(patterns: [first.path(pattern)], options: IngestOptions()) { _ in 0 }
        next.start(checkpoints: checkpoints, lookedAt: looks, fromBeginning: fromBeginning)
        var lines: [Int64] = []
        var notices = next.takeNotices()
        for pass in 1...60 {
            next.rescan(now: Double(pass))
            _ = next.read(budget: budget, now: Double(pass)) { lines.append($0.bytes ?? -1) }
            notices += next.takeNotices()
        }
        return (lines, notices)
    }

    static let everyLineOnce = (10..<300).map(Int64.init) + (1_000..<1_050).map(Int64.init)

    static func shell(_ command: String, in dir: URL) throws {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", command]
        p.currentDirectoryURL = dir
        try p.run()
        p.waitUntilExit()
        #expect(p.terminationStatus == 0, "\(command)")
    }

    /// logrotate's copytruncate while tail was stopped: the copy (`app.log.1`) holds the
    /// checkpointed file's unread rest. It is recognised by its first bytes and resumed at
    /// the checkpoint, whether a pattern names it or it is only beside the followed name, and
    /// with `--from-beginning` nothing is read twice.
    @Test(arguments: [("app.log*", false), ("app.log*", true), ("app.log", false), ("app.log", true)])
    func copyTruncateWhileStoppedResumesTheCopy(pattern: String, fromBeginning: Bool) throws {
        let (lines, notices) = try Self.restartAfter(pattern: pattern, fromBeginning: fromBeginning, budget: 10) { run in
            try FileManager.default.copyItem(atPath: run.path("app.log"), toPath: run.path("app.log.1"))
            try Data().write(to: URL(fileURLWithPath: run.path("app.log")))
        }
        #expect(lines == Self.everyLineOnce)
        #expect(notices.contains { $0.contains("app.log.1: a copy of") && $0.contains("reading it from byte") })
    }

    /// Rotation then compression while tail was stopped (no delaycompress): the rest of the
    /// checkpointed file is read through the decoder, before the new file.
    @Test(arguments: ["gzip", "zstd -q --rm"])
    func compressedRotationWhileStoppedReadsTheRestThroughTheDecoder(compressor: String) throws {
        let (lines, notices) = try Self.restartAfter(budget: 10) { run in
            try FileManager.default.moveItem(atPath: run.path("app.log"), toPath: run.path("app.log.1"))
            try Self.shell("\(compressor) app.log.1", in: run.dir)
        }
        #expect(lines == Self.everyLineOnce)
        #expect(notices.contains { $0.contains("compressed while stopped; reading its rest from byte") })
    }

    /// A compressed file that should hold the rest but cannot be decoded: said loudly, with
    /// the file and the byte from which lines are not read; the new file is read all the same.
    @Test func anUndecodableCompressedRotationIsSaid() throws {
        let (lines, notices) = try Self.restartAfter(pattern: "app.log") { run in
            try Self.shell("gzip -c app.log > app.log.1.gz && rm app.log && head -c 40 app.log.1.gz > cut && mv cut app.log.1.gz", in: run.dir)
        }
        #expect(lines == (1_000..<1_050).map(Int64.init))
        #expect(notices.contains { $0.contains("app.log.1.gz: may hold") && $0.contains("after byte") })
    }

    /// The checkpointed file is nowhere (deleted while stopped): said, never silent.
    @Test func aCheckpointedFileFoundNowhereIsSaid() throws {
        let (lines, notices) = try Self.restartAfter(pattern: "app.log") { run in
            try FileManager.default.removeItem(atPath: run.path("app.log"))
        }
        #expect(lines == (1_000..<1_050).map(Int64.init))
        #expect(notices.contains { $0.contains("is not found in its directory") && $0.contains("after that byte are not read") })
    }

    /// Files that appeared while tail was stopped (a date-named file, or one created and
    /// killed before its first checkpoint) are new data, read from their start, after the
    /// older rest; a file the first run never looked for (a new pattern) starts at its end.
    /// A file written and compressed while tail was stopped is born when compressed, after
    /// the newer file that replaced it: its lines are read before that file's all the same
    /// (the torture found them read late: gzip gives the archive its source's modification
    /// time, which orders it).
    @Test func aFileCompressedWhileStoppedIsReadBeforeNewerFiles() throws {
        let (lines, notices) = try Self.restartAfter { run in
            try FileManager.default.moveItem(atPath: run.path("app.log"), toPath: run.path("app.log.2"))
            try run.append("app.log", 500, 10)
            usleep(20_000)
            try FileManager.default.moveItem(atPath: run.path("app.log"), toPath: run.path("app.log.1"))
            try run.append("app.log", 600, 10)
            usleep(20_000)
            try Self.shell("gzip app.log.1", in: run.dir)
        }
        var expected: [Int64] = Array(10..<300)
        expected += Array(500..<510)
        expected += Array(600..<610)
        expected += Array(1_000..<1_050)
        #expect(lines == expected, "\(notices)")
    }

    /// A rotated file being compressed when a look comes (its stream still ends early): it is
    /// judged once whole, and found to be the file read already (the torture found such a
    /// half-written archive taken for unread data: 163 lines read twice).
    @Test func anArchiveStillBeingWrittenIsJudgedOnceWhole() throws {
        let run = Run()
        try run.append("app.log", 0, 300)
        run.follower.start(checkpoints: [], fromBeginning: true)
        run.pass()
        try FileManager.default.moveItem(atPath: run.path("app.log"), toPath: run.path("app.log.1"))
        // The look comes while gzip has written only its header; the reading after it, once
        // gzip has finished and removed the file it compressed.
        try Self.shell("gzip -c app.log.1 > whole.gz && head -c 10 whole.gz > app.log.1.gz", in: run.dir)
        run.now += 0.5
        run.follower.rescan(now: run.now)
        try Self.shell("tail -c +11 whole.gz >> app.log.1.gz && rm app.log.1 whole.gz", in: run.dir)
        _ = run.follower.read(budget: 100_000, now: run.now) { run.events.append($0) }
        for _ in 0..<12 { run.pass() }
        #expect(run.lines == Array(0..<300).map(Int64.init), "\(run.follower.takeNotices())")
    }

    /// Two copy-truncate rotations while tail was stopped: the file rotated keeps its birth
    /// while its copies are born later, so only the times their lines ended (modification
    /// times) put them in order (the torture found the newest file read first: 459 events late).
    @Test func twoCopyTruncatesWhileStoppedAreReadInOrder() throws {
        let (lines, notices) = try Self.restartAfter { run in
            try Self.shell("cp app.log app.log.1 && : > app.log", in: run.dir)
            try run.append("app.log", 500, 10)
            usleep(20_000)
            try Self.shell("mv app.log.1 app.log.2 && cp app.log app.log.1 && : > app.log", in: run.dir)
            usleep(20_000)
        }
        var expected: [Int64] = Array(10..<300)
        expected += Array(500..<510)
        expected += Array(1_000..<1_050)
        #expect(lines == expected, "\(notices)")
    }

    /// A file read to its end and let go of, then compressed while tail was stopped: its
    /// archive is not new data (the torture found one read again: 2,366 lines twice).
    @Test func theArchiveOfAFileReadToItsEndIsNotReadAgainAfterARestart() throws {
        let first = Run(pattern: "app.log", grace: 1)
        try first.append("app.log", 0, 30)
        first.follower.start(checkpoints: [], fromBeginning: true)
        first.pass()
        try FileManager.default.moveItem(atPath: first.path("app.log"), toPath: first.path("app.log.1"))
        try first.append("app.log", 100, 5)
        for _ in 0..<6 { first.pass() }
        #expect(first.lines == Array(0..<30).map(Int64.init) + Array(100..<105).map(Int64.init))
        let readToTheEnd = try #require(first.follower.takeReadToTheEnd())
        #expect(readToTheEnd.map { ($0.path as NSString).lastPathComponent } == ["app.log"], "the name it was followed under")
        #expect(first.follower.takeReadToTheEnd() == nil, "only when it changed")
        let checkpoints = first.follower.files.map(\.checkpoint)
        let looks = first.follower.lookedAt
        usleep(20_000)
        try Self.shell("mv app.log.1 app.log.2 && gzip app.log.2", in: first.dir)
        try first.append("app.log", 105, 5)

        // Followed with a pattern that names the archives too, as `app.log*` would.
        var allLooks = looks
        allLooks[first.path("app.log*")] = looks[first.path("app.log")]
        let next = FileFollower(patterns: [first.path("app.log*")], options: IngestOptions()) { _ in 0 }
        next.start(checkpoints: checkpoints, lookedAt: allLooks, fromBeginning: false, readToTheEnd: readToTheEnd)
        var lines: [Int64] = []
        for pass in 1...10 {
            next.rescan(now: Double(pass))
            _ = next.read(budget: 1_000, now: Double(pass)) { lines.append($0.bytes ?? -1) }
        }
        #expect(lines == Array(105..<110).map(Int64.init))
        #expect(next.takeNotices().contains { $0.hasSuffix("app.log.2.gz: \(first.path("app.log")) compressed; read already") })
    }

    @Test func filesCreatedWhileStoppedAreReadFromTheirStart() throws {
        let first = Run(pattern: "app-*.log")
        try first.append("app-2026-12-07.log", 0, 10)
        first.follower.start(checkpoints: [], fromBeginning: false)
        first.pass()
        #expect(first.lines.isEmpty) // a first run starts at the end
        try first.append("app-2026-12-07.log", 10, 5)
        first.pass()
        #expect(first.lines == (10..<15).map(Int64.init))
        let checkpoints = first.follower.files.map(\.checkpoint)
        let looks = first.follower.lookedAt
        usleep(20_000) // past the look, in the file system's clock
        try first.append("app-2026-12-07.log", 15, 5)
        try first.append("app-2026-12-08.log", 1_000, 30)

        let next = FileFollower(patterns: [first.path("app-*.log")], options: IngestOptions()) { _ in 0 }
        next.start(checkpoints: checkpoints, lookedAt: looks, fromBeginning: false)
        let notices = next.takeNotices()
        var lines: [Int64] = []
        for pass in 1...30 {
            next.rescan(now: Double(pass))
            _ = next.read(budget: 3, now: Double(pass)) { lines.append($0.bytes ?? -1) }
        }
        #expect(lines == (15..<20).map(Int64.init) + (1_000..<1_030).map(Int64.init))
        #expect(notices.contains { $0.hasSuffix("app-2026-12-08.log: created while stopped; following from its start") })

        // Without a look on record for the pattern, an unknown file is old data: its end.
        let fresh = FileFollower(patterns: [first.path("app-*.log")], options: IngestOptions()) { _ in 0 }
        fresh.start(checkpoints: checkpoints, lookedAt: [:], fromBeginning: false)
        var freshLines: [Int64] = []
        _ = fresh.read(budget: 1_000, now: 1) { freshLines.append($0.bytes ?? -1) }
        #expect(freshLines == (15..<20).map(Int64.init)) // the checkpointed file resumes; the other is not read
    }

    /// copytruncate while tail runs but is behind (lines 10-299 not read yet when logrotate
    /// copies and truncates): the unread rest is in the copy, read from where the file was
    /// read to, before the truncated file's new lines; plain or compressed right after.
    @Test(arguments: [("app.log*", ""), ("app.log", ""), ("app.log", "gzip app.log.1")])
    func copyTruncateWhileBehindReadsTheRestFromTheCopy(pattern: String, compress: String) throws {
        let run = Run(pattern: pattern)
        try run.append("app.log", 0, 10)
        run.follower.start(checkpoints: [], fromBeginning: true)
        run.pass()
        try run.append("app.log", 10, 290)
        try FileManager.default.copyItem(atPath: run.path("app.log"), toPath: run.path("app.log.1"))
        try Data().write(to: URL(fileURLWithPath: run.path("app.log")))
        if !compress.isEmpty { try Self.shell(compress, in: run.dir) }
        try run.append("app.log", 1_000, 50)
        for pass in 1...60 {
            run.now = Double(pass)
            run.follower.rescan(now: run.now)
            _ = run.follower.read(budget: 10, now: run.now) { run.events.append($0) }
        }
        #expect(run.lines == (0..<300).map(Int64.init) + (1_000..<1_050).map(Int64.init))
    }

    /// While following: a file written, rotated and compressed between two looks is read
    /// through the decoder (nobody read its lines); the compressed form of a file read here
    /// (delaycompress) is not read again.
    @Test func aFileCompressedBeforeItWasLookedAtIsReadAndAnArchiveOfAReadFileIsNot() throws {
        let run = Run()
        try run.append("app.log", 0, 10)
        run.follower.start(checkpoints: [], fromBeginning: true)
        run.pass()
        usleep(20_000) // born after the look, in the file system's clock
        // Written and compressed between two looks.
        try run.append("other", 100, 20)
        try Self.shell("gzip -c other > app.log.9.gz && rm other", in: run.dir)
        // The followed file, rotated and compressed at once.
        try FileManager.default.moveItem(atPath: run.path("app.log"), toPath: run.path("app.log.1"))
        try Self.shell("gzip app.log.1", in: run.dir)
        for _ in 0..<10 { run.pass(seconds: 1) }
        #expect(run.lines == (0..<10).map(Int64.init) + (100..<120).map(Int64.init))
        let notices = run.follower.takeNotices()
        #expect(notices.contains { $0.contains("app.log.1.gz: ") && $0.hasSuffix("compressed; read already") }, "\(notices)")
    }

    /// A file empty at its checkpoint, then written, rotated and compressed while tail was
    /// stopped: nothing of it was read, so nothing is said lost, and its lines are read from
    /// the archive (created after the last look).
    @Test func aFileEmptyAtItsCheckpointAndCompressedSinceIsReadAsNewData() throws {
        let first = Run()
        FileManager.default.createFile(atPath: first.path("app.log"), contents: nil)
        first.follower.start(checkpoints: [], fromBeginning: true)
        first.pass()
        let checkpoints = first.follower.files.map(\.checkpoint)
        #expect(checkpoints.map(\.fingerprintLength) == [0])
        let looks = first.follower.lookedAt
        usleep(20_000)
        try first.append("app.log", 0, 30)
        try FileManager.default.moveItem(atPath: first.path("app.log"), toPath: first.path("app.log.1"))
        try Self.shell("gzip app.log.1", in: first.dir)
        let next = FileFollower(patterns: [first.path("app.log*")], options: IngestOptions()) { _ in 0 }
        next.start(checkpoints: checkpoints, lookedAt: looks, fromBeginning: false)
        var lines: [Int64] = []
        var notices = next.takeNotices()
        for pass in 1...10 {
            next.rescan(now: Double(pass))
            _ = next.read(budget: 100, now: Double(pass)) { lines.append($0.bytes ?? -1) }
            notices += next.takeNotices()
        }
        #expect(lines == (0..<30).map(Int64.init))
        #expect(!notices.contains { $0.contains("not found") }, "\(notices)")
    }
}
