import Foundation
import Testing

/// `logwatch tail` as a real process on real files: appends, rotation, restarts, kill -9.
/// Serialized: each test runs its own processes, and the latency test needs the machine.
@Suite(.serialized) struct TailCommandTests {
    typealias L = AccessLog

    /// 50 minutes of an integration's traffic with a brute force by address (minute 10), a
    /// spray against one principal from 30 addresses (minute 20) and an allowlist breach
    /// (minute 25), quiet afterwards so the incidents resolve.
    static func incidentLog() -> [String] {
        var lines: [(Double, String)] = []
        for i in 0..<1500 { lines.append((Double(i) * 2, L.line(Double(i) * 2, ip: "10.0.0.\(i % 5 + 1)", user: "svc_a", status: 200))) }
        for i in 0..<30 { lines.append((600 + Double(i) * 2 + 0.5, L.line(600 + Double(i) * 2, ip: "192.0.2.9", user: "svc_b", status: 401))) }
        for i in 0..<30 { lines.append((1200 + Double(i) * 3 + 0.5, L.line(1200 + Double(i) * 3, ip: "198.51.100.\(i + 1)", user: "svc_c", status: 401))) }
        for i in 0..<40 { lines.append((Double(i) * 60 + 1, L.line(Double(i) * 60 + 1, ip: "10.50.1.1", user: "svc_pay", status: 200))) }
        lines.append((1500.7, L.line(1500, ip: "203.0.113.50", user: "svc_pay", status: 200)))
        return lines.sorted { $0.0 < $1.0 }.map(\.1)
    }

    static let config = """
        detectors:
          unexpected_source_ip:
            learning_period: 1h
        principals:
          svc_pay:
            allow: [10.50.0.0/16]
        """

    func setUp() throws -> URL {
        let dir = CLI.temporaryDirectory()
        try Self.config.write(to: dir.appendingPathComponent("logwatch.yml"), atomically: true, encoding: .utf8)
        return dir
    }

    @Test func tailingManySmallAppendsGivesTheAlertsOfAScanOfTheFinishedFile() throws {
        let dir = try setUp()
        let log = dir.appendingPathComponent("app.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let tail = try LiveTail(["--config", "logwatch.yml", "--state-dir", "state", "--from-beginning", log.path], in: dir)
        #expect(tail.waitStarted())
        let text = Array(Self.incidentLog().joined().utf8)
        // Appends of 1 to 400 bytes, cutting lines anywhere, with pauses now and then.
        var rng = SystemRandomNumberGenerator()
        var offset = 0
        var writes = 0
        while offset < text.count {
            let n = min(text.count - offset, Int.random(in: 1...400, using: &rng))
            L.append(String(decoding: text[offset..<offset + n], as: UTF8.self), to: log)
            offset += n
            writes += 1
            if writes % 40 == 0 { usleep(3_000) }
        }
        let lineCount = Self.incidentLog().count
        usleep(1_500_000)
        #expect(tail.terminate() == 0)
        #expect(tail.judged?.all == lineCount, "\(tail.stderr)")
        let scan = try CLI.run(["scan", "--config", "logwatch.yml", log.path], cwd: dir)
        #expect(scan.status == 0)
        // Three incidents (burst, spray, allowlist breach) and the two that resolve within the hour.
        #expect(scan.lines.count == 5, "incidents and resolutions: \(scan.stdout)")
        #expect(tail.alertLines == scan.lines)
        #expect(writes > 400)
    }

    /// Failures from one address, 24 in all: the incident (20 in 5 minutes) needs lines from
    /// both sides of the rotation.
    static func burst(_ range: Range<Int>) -> String {
        range.map { i in
            L.line(Double(i) * 5, ip: "10.0.0.1", user: "svc_a", status: 200) + L.line(Double(i) * 5 + 1, ip: "192.0.2.77", user: "svc_b", status: 401)
        }.joined()
    }

    /// At exit tail prints the same ingest summary as scan: lines, events and malformed lines
    /// of what it read this run, and the first malformed lines with file and line.
    @Test func tailReportsWhatItReadAndWhatWasMalformedAtExit() throws {
        let dir = try setUp()
        let log = dir.appendingPathComponent("app.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let tail = try LiveTail(["--config", "logwatch.yml", "--state-dir", "state", "--from-beginning", log.path], in: dir)
        #expect(tail.waitStarted())
        L.append((0..<5).map { L.line(Double($0), ip: "10.0.0.1", user: "svc", status: 200) }.joined() + "not an access log line\n" + "neither is this\n", to: log)
        usleep(1_500_000)
        #expect(tail.terminate() == 0)
        #expect(tail.stderr.contains("logwatch: 1 input: 7 lines, 5 events, 2 malformed, 0 oversized"), "\(tail.stderr)")
        #expect(tail.stderr.contains("app.log:6: "), "\(tail.stderr)")
    }

    @Test func renameRotationInTheMiddleOfAnIncidentLosesNoLine() throws {
        let dir = try setUp()
        let log = dir.appendingPathComponent("app.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let tail = try LiveTail(["--state-dir", "state", log.path], in: dir)
        #expect(tail.waitStarted())
        L.append(Self.burst(0..<12), to: log)
        // The writer renames its file and opens a new one; the old one's end is written just before.
        try FileManager.default.moveItem(at: log, to: dir.appendingPathComponent("app.log.1"))
        L.append(Self.burst(12..<24), to: log)
        #expect(tail.wait { tail.alertLines.count == 1 })
        usleep(3_000_000) // past the grace period: the rotated file is let go
        #expect(tail.terminate() == 0)
        #expect(tail.judged?.all == 48, "\(tail.stderr)")
        #expect(tail.alertLines.count == 1)
        #expect(tail.alertLines.first?.contains(#""source_ip":"192.0.2.77""#) == true)
        #expect(tail.alertLines.first?.contains(#""observed":20"#) == true)
        #expect(tail.stderr.contains("rotated away or deleted"))
        #expect(tail.stderr.contains("new file, following from its start"))
        #expect(tail.stderr.contains("let go"))
    }

    /// With `app.log*` the copy is named too: it is recognised by its first bytes.
    @Test(arguments: ["app.log", "app.log*"])
    func copyTruncateRotationInTheMiddleOfAnIncidentLosesNoLine(pattern: String) throws {
        let dir = try setUp()
        let log = dir.appendingPathComponent("app.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let tail = try LiveTail(["--state-dir", "state", "--poll-interval", "0.1", pattern], in: dir)
        #expect(tail.waitStarted())
        L.append(Self.burst(0..<12), to: log)
        // logrotate's copytruncate: lines written between its copy and its truncate are lost
        // to every reader; here the writer waits, as a quiet moment would.
        usleep(1_000_000)
        try FileManager.default.copyItem(at: log, to: dir.appendingPathComponent("app.log.1"))
        truncate(log.path, 0)
        L.append(Self.burst(12..<24), to: log)
        #expect(tail.wait { tail.alertLines.count == 1 })
        // The copy is recognised by its first bytes, when the pattern names it or when the
        // truncation is noticed (it is looked for beside the file), and only what was not read
        // of the file is read from it (nothing, here). A slow (sanitizer) build may not get
        // there before the alert: wait for it.
        #expect(tail.wait { tail.stderr.contains("app.log.1: same first bytes as") || tail.stderr.contains("app.log.1: a copy of") }, "\(tail.stderr)")
        #expect(tail.terminate() == 0)
        #expect(tail.judged?.all == 48, "\(tail.stderr)")
        #expect(tail.alertLines.count == 1)
        #expect(tail.alertLines.first?.contains(#""observed":20"#) == true)
        #expect(tail.stderr.contains("truncated (copy-truncate rotation)"))
    }

    /// Malformed lines are reported while tail runs (per file, at the summary interval), not
    /// only at exit; a JSON banner first does not make the combined lines after it malformed.
    @Test func malformedLinesAreReportedWhileRunning() throws {
        let dir = try setUp()
        let log = dir.appendingPathComponent("app.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: Data("{\"msg\":\"logger started\"}\n".utf8))
        let tail = try LiveTail(["--state-dir", "state", "--from-beginning", "--poll-interval", "0.1", "--summary-interval", "1", "app.log"], in: dir)
        #expect(tail.waitStarted())
        L.append(Self.burst(0..<3), to: log)
        L.append("not a log line\n", to: log)
        #expect(tail.wait { tail.stderr.contains("app.log: 2 malformed lines in the last 1 s (2 malformed in all)") }, "\(tail.stderr)")
        #expect(tail.stderr.contains("app.log:1: no timestamp field"), "\(tail.stderr)")
        L.append("still not a log line\n", to: log)
        #expect(tail.wait { tail.stderr.contains("app.log: 1 malformed line in the last 1 s (3 malformed in all)") }, "\(tail.stderr)")
        #expect(tail.terminate() == 0)
        #expect(tail.judged?.all == 6, "\(tail.stderr)")
    }

    @Test func rotationWhileStoppedLosesNoLine() throws {
        let dir = try setUp()
        let log = dir.appendingPathComponent("app.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let one = try LiveTail(["--state-dir", "state", "app.log"], in: dir)
        #expect(one.waitStarted())
        L.append(Self.burst(0..<8), to: log)
        usleep(800_000)
        #expect(one.terminate() == 0)
        #expect(one.judged?.run == 16)
        // While logwatch is stopped, the file gets more lines, is rotated, and a new one starts.
        L.append(Self.burst(8..<16), to: log)
        try FileManager.default.moveItem(at: log, to: dir.appendingPathComponent("app.log.1"))
        L.append(Self.burst(16..<24), to: log)
        let two = try LiveTail(["--state-dir", "state", "app.log"], in: dir, run: 1)
        #expect(two.wait { two.alertLines.count == 1 })
        usleep(2_500_000)
        #expect(two.terminate() == 0)
        #expect(two.judged?.run == 32, "\(two.stderr)")
        #expect(two.judged?.all == 48)
        #expect(two.stderr.contains("app.log.1: rotated away while stopped; reading it to its end"))
        #expect(two.stderr.contains("app.log: replaced while stopped (rotation); following from its start"))
    }

    @Test func killNineDuringHeavyAppendsLosesAndRepeatsNothing() throws {
        let dir = try setUp()
        let log = dir.appendingPathComponent("app.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        // 30,000 lines with a brute force from a new address every 2,000 lines.
        var lines: [String] = []
        for i in 0..<30_000 {
            let t = Double(i) * 0.5
            if i % 2000 < 25 && i >= 1000 {
                lines.append(L.line(t, ip: "192.0.2.\(i / 2000 + 1)", user: "svc_x", status: 401))
            } else {
                lines.append(L.line(t, ip: "10.0.\(i % 7).\(i % 11 + 1)", user: "svc_\(i % 13)", status: 200))
            }
        }
        final class Done: @unchecked Sendable {
            private let lock = NSLock()
            private var done = false
            var value: Bool {
                get { lock.withLock { done } }
                set { lock.withLock { done = newValue } }
            }
        }
        let done = Done()
        let all = lines
        let writer = Thread {
            var i = 0
            while i < all.count {
                L.append(all[i..<min(all.count, i + 150)].joined(), to: log)
                i += 150
                usleep(15_000)
            }
            done.value = true
        }
        var runs: [LiveTail] = []
        var run = 0
        func start() throws {
            let t = try LiveTail(["--state-dir", "state", "--from-beginning", "app.log"], in: dir, run: run)
            run += 1
            runs.append(t)
        }
        try start()
        #expect(runs[0].waitStarted())
        writer.start()
        var rng = SystemRandomNumberGenerator()
        var kills = 0
        while !done.value {
            usleep(UInt32.random(in: 150_000...600_000, using: &rng))
            runs.last!.kill9()
            kills += 1
            try start()
        }
        // Wait until the last run's checkpoint reaches the end of the file (a slow build, such
        // as ThreadSanitizer's, needs far longer than a release build), then stop it.
        let size = Int64((try FileManager.default.attributesOfItem(atPath: log.path)[.size] as? Int) ?? 0)
        let database = dir.appendingPathComponent("state/state.sqlite")
        let deadline = Date().addingTimeInterval(180)
        while (try? Self.checkpointOffset(database)) != size && Date() < deadline { usleep(200_000) }
        #expect(try Self.checkpointOffset(database) == size)
        let last = runs.last!
        #expect(last.terminate() == 0)
        #expect(kills >= 3)
        // Every line went through the engine exactly once, across all the runs.
        #expect(last.judged?.all == lines.count, "\(last.stderr)")
        // No alert was printed twice, and the history holds each alert of a scan once.
        let printed = runs.flatMap(\.alertLines)
        #expect(Set(printed).count == printed.count)
        let history = try CLI.run(["alerts", "--state-dir", "state", "--output", "json", "--since", "100000d"], cwd: dir)
        let scan = try CLI.run(["scan", "app.log"], cwd: dir)
        // One incident per burst (the last one still open at the end), and the principal's
        // slow brute force: 60 failures within an hour once three bursts' incidents closed.
        #expect(scan.lines.filter { $0.contains(#""status":"firing""#) }.count == 15, "\(scan.stdout)")
        #expect(scan.lines.filter { $0.contains(#""status":"resolved""#) }.count == 13)
        #expect(history.lines == scan.lines)
        #expect(Set(printed).isSubset(of: Set(scan.lines)))
    }

    @Test func anAlertReDerivedAfterACrashIsNotSentAgain() throws {
        let dir = try setUp()
        let log = dir.appendingPathComponent("app.log")
        L.append(L.line(0, ip: "10.0.0.1", user: "svc_a", status: 200), to: log)
        let one = try LiveTail(["--state-dir", "state", "--from-beginning", "app.log"], in: dir)
        #expect(one.waitStarted())
        #expect(one.terminate() == 0) // a checkpoint after line 1
        // No checkpoint during this run: the burst's lines will be read again after the crash.
        let two = try LiveTail(["--state-dir", "state", "--checkpoint-interval", "3600", "app.log"], in: dir, run: 1)
        #expect(two.waitStarted())
        L.append(Self.burst(0..<24), to: log)
        #expect(two.wait { two.alertLines.count == 1 })
        two.kill9()
        let three = try LiveTail(["--state-dir", "state", "app.log"], in: dir, run: 2)
        #expect(three.waitStarted())
        usleep(1_000_000)
        #expect(three.terminate() == 0)
        #expect(three.judged?.run == 48) // read again: the engine had not saved them
        #expect(three.alertLines.isEmpty)
        #expect(three.stderr.contains("1 alert re-derived after a restart was already sent, and not sent again"))
    }

    @Test func aRestartNeitherRealertsAKnownIncidentNorForgetsLearnedNetworks() throws {
        let dir = try setUp()
        let log = dir.appendingPathComponent("app.log")
        var first = ""
        for i in 0..<240 { first += L.line(Double(i) * 30, ip: "10.0.0.5", user: "svc_a", status: 200) }
        for i in 0..<25 { first += L.line(7200 + Double(i), ip: "192.0.2.9", user: "svc_b", status: 401) }
        L.append(first, to: log)
        let one = try LiveTail(["--config", "logwatch.yml", "--state-dir", "state", "--from-beginning", "app.log"], in: dir)
        #expect(one.wait { one.alertLines.count == 1 })
        #expect(one.terminate() == 0)
        #expect(one.alertLines.first?.contains(#""source_ip":"192.0.2.9""#) == true)

        let two = try LiveTail(["--config", "logwatch.yml", "--state-dir", "state", "app.log"], in: dir, run: 1)
        #expect(two.waitStarted())
        var more = ""
        // The same brute force goes on (enough to open an incident on its own)...
        for i in 0..<25 { more += L.line(7230 + Double(i), ip: "192.0.2.9", user: "svc_b", status: 401) }
        // ...the principal's usual network stays usual...
        more += L.line(7260, ip: "10.0.0.77", user: "svc_a", status: 200)
        // ...and a new one is reported: learning ended in the first run.
        more += L.line(7270, ip: "203.0.113.5", user: "svc_a", status: 200)
        L.append(more, to: log)
        #expect(two.wait { !two.alertLines.isEmpty })
        usleep(500_000)
        #expect(two.terminate() == 0)
        #expect(two.stderr.contains("resuming at byte \(first.utf8.count)"))
        #expect(two.alertLines.count == 1, "\(two.stdout)")
        #expect(two.alertLines.first?.contains(#""detector":"unexpected_source_ip""#) == true)
        #expect(two.alertLines.first?.contains(#""source_ip":"203.0.113.5""#) == true)
        #expect(two.judged?.run == 27)
    }

    @Test func anIncidentIsReportedWithinTwoSecondsOfItsLastLine() throws {
        let dir = try setUp()
        let log = dir.appendingPathComponent("app.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let tail = try LiveTail(["--state-dir", "state", "app.log"], in: dir)
        #expect(tail.waitStarted())
        usleep(300_000)
        let now = Date().timeIntervalSince(L.t0)
        var text = ""
        for i in 0..<20 { text += L.line(now - 20 + Double(i), ip: "192.0.2.200", user: "svc_b", status: 401) }
        let written = Date()
        L.append(text, to: log)
        #expect(tail.wait(timeout: 5) { !tail.alertLines.isEmpty })
        let latency = Date().timeIntervalSince(written)
        #expect(latency < 2, "reported after \(latency) s")
        #expect(tail.alertLines.first?.contains(#""source_ip":"192.0.2.200""#) == true)
        #expect(tail.terminate() == 0)
    }

    @Test func sigtermExitsPromptlyWithTheStateSaved() throws {
        let dir = try setUp()
        let log = dir.appendingPathComponent("app.log")
        // A backlog of 50,000 lines ending in a burst, whose alert shows the end was reached.
        L.append((0..<50_000).map { L.line(Double($0) * 0.1, ip: "10.0.0.1", user: "svc_a", status: 200) }.joined(), to: log)
        L.append((0..<20).map { L.line(5000 + Double($0), ip: "192.0.2.8", user: "svc_b", status: 401) }.joined(), to: log)
        let total = 50_020
        let tail = try LiveTail(["--state-dir", "state", "--from-beginning", "app.log"], in: dir)
        #expect(tail.waitStarted())
        let asked = Date()
        let status = tail.terminate(timeout: 5)
        #expect(status == 0)
        #expect(Date().timeIntervalSince(asked) < 2)
        // Whatever it got to is remembered: the next run goes on from there.
        let judged = tail.judged?.all ?? -1
        let next = try LiveTail(["--state-dir", "state", "app.log"], in: dir, run: 1)
        #expect(next.wait { next.stderr.contains("resuming at byte") })
        #expect(next.wait(timeout: 60) { tail.alertLines.count + next.alertLines.count == 1 })
        #expect(next.terminate() == 0)
        #expect(next.judged?.all == total)
        #expect(next.judged?.run == total - judged)
    }

    @Test func globsFollowNewFilesAndSkipCompressedOnes() throws {
        let dir = try setUp()
        let logs = dir.appendingPathComponent("logs")
        try FileManager.default.createDirectory(at: logs, withIntermediateDirectories: true)
        L.append(L.line(0, ip: "10.0.0.1", user: "svc_a", status: 200), to: logs.appendingPathComponent("a.log"))
        L.append(L.line(0, ip: "10.0.0.1", user: "svc_a", status: 200), to: logs.appendingPathComponent("old.log"))
        _ = try CLI.compress("gzip", logs.appendingPathComponent("old.log"))
        try FileManager.default.moveItem(at: logs.appendingPathComponent("old.log.gz"), to: logs.appendingPathComponent("old.gz.log"))
        let tail = try LiveTail(["--state-dir", "state", "logs/*.log"], in: dir)
        #expect(tail.waitStarted())
        #expect(tail.wait { tail.stderr.contains("old.gz.log: compressed, not followed") })
        // Created later: read from its start.
        L.append(Self.burst(0..<24), to: logs.appendingPathComponent("b.log"))
        #expect(tail.wait { tail.alertLines.count == 1 })
        // Standard error and standard output are separate files: wait for the notice too.
        #expect(tail.wait { tail.stderr.contains("b.log: new file, following from its start") })
        try FileManager.default.removeItem(at: logs.appendingPathComponent("b.log"))
        #expect(tail.wait { tail.stderr.contains("b.log: read to its end and let go") })
        #expect(tail.terminate() == 0)
        // a.log was read from its end (seen first at start): only b.log's 48 lines count.
        #expect(tail.judged?.run == 48)
    }

    @Test func aForgedFarFutureLineIsCountedNotJudged() throws {
        let dir = try setUp()
        let log = dir.appendingPathComponent("app.log")
        var text = L.line(0, ip: "10.0.0.1", user: "svc_a", status: 200)
        text += L.line(2_300_000_000, ip: "192.0.2.77", user: "svc_b", status: 401) // 2098
        text += Self.burst(0..<24)
        L.append(text, to: log)
        let r = try CLI.run(["scan", log.path], cwd: dir)
        #expect(r.status == 0)
        #expect(r.lines.count == 1, "the burst is still found: \(r.stdout)")
        #expect(r.stderr.contains("1 more than 60 min ahead of this machine's clock, not judged"), "\(r.stderr)")
        #expect(r.stderr.contains(" 0 late"))
    }

    @Test func standardInputIsFollowedAndItsEndStopsTail() throws {
        let dir = try setUp()
        let result = try CLI.run(["tail", "--state-dir", dir.appendingPathComponent("state").path, "-"], stdin: Data(Self.burst(0..<24).utf8))
        #expect(result.status == 0)
        #expect(result.lines.count == 1)
        #expect(result.stderr.contains("48 events judged this run"))
    }

    @Test func sighupReloadsTheConfigurationAndKeepsTheOldOneWhenBad() throws {
        let dir = try setUp()
        let config = dir.appendingPathComponent("reload.yml")
        try "detectors:\n  failed_auth_spike:\n    source_ip:\n      short_threshold: 20\n".write(to: config, atomically: true, encoding: .utf8)
        let log = dir.appendingPathComponent("app.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let tail = try LiveTail(["--config", "reload.yml", "--state-dir", "state", "app.log"], in: dir)
        #expect(tail.waitStarted())
        try "detectors: [oops".write(to: config, atomically: true, encoding: .utf8)
        kill(tail.process.processIdentifier, SIGHUP)
        #expect(tail.wait { tail.stderr.contains("keeping the configuration in force") })
        try "detectors:\n  failed_auth_spike:\n    source_ip:\n      short_threshold: 5\n".write(to: config, atomically: true, encoding: .utf8)
        kill(tail.process.processIdentifier, SIGHUP)
        #expect(tail.wait { tail.stderr.contains("configuration reload.yml in force") })
        // Five failures now make a burst.
        L.append((0..<5).map { L.line(Double($0), ip: "192.0.2.50", user: "svc_b", status: 401) }.joined(), to: log)
        #expect(tail.wait { tail.alertLines.count == 1 })
        #expect(tail.terminate() == 0)
    }

    /// The furthest file checkpoint in a state database (read-only, with Python's sqlite3).
    static func checkpointOffset(_ database: URL) throws -> Int64? {
        let (_, text) = try CLI.tool("python3", "-c", "import sqlite3,sys; c=sqlite3.connect('file:'+sys.argv[1]+'?mode=ro', uri=True); print(c.execute('SELECT max(offset) FROM file').fetchone()[0])", database.path)
        return Int64(text.trimmingCharacters(in: .whitespacesAndNewlines))
    }

    /// Changes a state database behind logwatch's back (with Python's sqlite3).
    static func sql(_ statements: String, on database: URL) throws {
        let (status, _) = try CLI.tool("python3", "-c", "import sqlite3,sys; c=sqlite3.connect(sys.argv[1]); c.executescript(sys.argv[2]); c.commit()", database.path, statements)
        guard status == 0 else { throw SinkTestError("python3 sqlite3 failed on \(database.path)") }
    }

    @Test func unusableStateIsAClearErrorNeverACrash() throws {
        let dir = try setUp()
        L.append(L.line(0, ip: "10.0.0.1", user: "svc_a", status: 200), to: dir.appendingPathComponent("app.log"))
        // Not a database.
        let bad = dir.appendingPathComponent("bad")
        try FileManager.default.createDirectory(at: bad, withIntermediateDirectories: true)
        try Data(repeating: 0x41, count: 4096).write(to: bad.appendingPathComponent("state.sqlite"))
        var r = try CLI.run(["tail", "--state-dir", "bad", "app.log"], cwd: dir)
        #expect(r.status == 2)
        #expect(r.stderr.contains("bad/state.sqlite: file is not a database"), "\(r.stderr)")
        #expect(r.stderr.contains("--reset-state"))
        // --reset-state starts over on purpose.
        r = try CLI.run(["scan", "--state-dir", "bad", "--reset-state", "app.log"], cwd: dir)
        #expect(r.status == 0, "\(r.stderr)")
        // Written by a newer logwatch.
        let database = bad.appendingPathComponent("state.sqlite")
        try Self.sql("INSERT INTO grdb_migrations VALUES ('v99')", on: database)
        r = try CLI.run(["tail", "--state-dir", "bad", "app.log"], cwd: dir)
        #expect(r.status == 2)
        #expect(r.stderr.contains("written by a newer logwatch"), "\(r.stderr)")
        // A state directory that cannot be created.
        r = try CLI.run(["tail", "--state-dir", "app.log/state", "app.log"], cwd: dir)
        #expect(r.status == 2)
        #expect(r.stderr.contains("state directory app.log/state: cannot create it"), "\(r.stderr)")
        // Damaged engine state inside a valid database.
        try Self.sql("DELETE FROM grdb_migrations WHERE identifier='v99'; DELETE FROM engine_segment; INSERT INTO engine_segment VALUES (0, X'4C57455301020304')", on: database)
        r = try CLI.run(["tail", "--state-dir", "bad", "app.log"], cwd: dir)
        #expect(r.status == 2)
        #expect(r.stderr.contains("engine state damaged"), "\(r.stderr)")
        // A state directory anyone can write, or a state file that is a symbolic link.
        let open = dir.appendingPathComponent("open")
        try FileManager.default.createDirectory(at: open, withIntermediateDirectories: true)
        chmod(open.path, 0o777)
        r = try CLI.run(["tail", "--state-dir", "open", "app.log"], cwd: dir)
        #expect(r.status == 2)
        #expect(r.stderr.contains("state directory open is writable by others than its owner (mode 777); run chmod 700 open"), "\(r.stderr)")
        let linked = dir.appendingPathComponent("linked")
        try FileManager.default.createDirectory(at: linked, withIntermediateDirectories: true)
        try FileManager.default.createSymbolicLink(atPath: linked.appendingPathComponent("state.sqlite").path, withDestinationPath: "/tmp/elsewhere.sqlite")
        r = try CLI.run(["tail", "--state-dir", "linked", "app.log"], cwd: dir)
        #expect(r.status == 2)
        #expect(r.stderr.contains("state file linked/state.sqlite is a symbolic link"), "\(r.stderr)")
        // One process per state directory.
        let running = try LiveTail(["--state-dir", "state", "app.log"], in: dir)
        #expect(running.waitStarted())
        r = try CLI.run(["tail", "--state-dir", "state", "app.log"], cwd: dir)
        #expect(r.status == 2)
        #expect(r.stderr.contains("is in use by another logwatch (pid \(running.process.processIdentifier))"), "\(r.stderr)")
        // ...but the history can be read beside it.
        r = try CLI.run(["alerts", "--state-dir", "state"], cwd: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(running.terminate() == 0)
    }

    @Test func scanWarmsTheStateThatTailGoesOnFrom() throws {
        let dir = try setUp()
        // Last week's archive: the principal's networks are learned there.
        var archive = ""
        for i in 0..<240 { archive += L.line(Double(i) * 30, ip: "10.0.0.5", user: "svc_a", status: 200) }
        L.append(archive, to: dir.appendingPathComponent("archive.log"))
        _ = try CLI.compress("zstd", dir.appendingPathComponent("archive.log"))
        let scan = try CLI.run(["scan", "--config", "logwatch.yml", "--state-dir", "state", "archive.log.zst"], cwd: dir)
        #expect(scan.status == 0, "\(scan.stderr)")
        let log = dir.appendingPathComponent("app.log")
        _ = FileManager.default.createFile(atPath: log.path, contents: nil)
        let tail = try LiveTail(["--config", "logwatch.yml", "--state-dir", "state", "app.log"], in: dir)
        #expect(tail.waitStarted())
        L.append(L.line(7300, ip: "10.0.0.9", user: "svc_a", status: 200) + L.line(7310, ip: "203.0.113.8", user: "svc_a", status: 200), to: log)
        #expect(tail.wait { !tail.alertLines.isEmpty })
        usleep(300_000)
        #expect(tail.terminate() == 0)
        #expect(tail.alertLines.count == 1)
        #expect(tail.alertLines.first?.contains("203.0.113.8") == true)
        let history = try CLI.run(["alerts", "--state-dir", "state", "--detector", "unexpected_source_ip", "--since", "100000d"], cwd: dir)
        #expect(history.lines.count == 1)
        #expect(history.stdout.contains("never seen for it"))
    }
}
