import Foundation
import Testing

/// The short version of `Tests/torture/rotation.py`, on the built binary: every cycle rotates
/// (rename, copy-truncate, gzip right away, delaycompress and a new date-named file, in turn)
/// and stops `tail` (SIGKILL or SIGTERM, at random) or starts it again. At the end the engine
/// must have judged every line written exactly once, none late, and fired the incidents that
/// `scan` finds over every file left. The seed is random and printed: a failure gives the
/// command that replays it (`LOGWATCH_TORTURE_SEED` fixes it).
@Suite struct RotationTortureTests {
    @Test func tenRestartsAcrossEveryRotationLoseAndRepeatNothing() throws {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .appendingPathComponent("torture/rotation.py")
        let seed = ProcessInfo.processInfo.environment["LOGWATCH_TORTURE_SEED"] ?? String(UInt32.random(in: 0...UInt32.max))
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["python3", script.path, "--cycles", "20", "--cover", "--seed", seed, "--bin", CLI.binary.path]
        let out = Pipe()
        process.standardOutput = out
        process.standardError = out
        try process.run()
        let text = String(decoding: out.fileHandleForReading.readDataToEndOfFile(), as: UTF8.self)
        process.waitUntilExit()
        #expect(process.terminationStatus == 0, "replay: python3 Tests/torture/rotation.py --cycles 20 --cover --seed \(seed)\n\(text)")
        let line = try #require(text.split(separator: "\n").first { $0.hasPrefix("summary ") }, "\(text)")
        let summary = try #require(try JSONSerialization.jsonObject(with: Data(line.dropFirst(8).utf8)) as? [String: Any])
        let stops = (summary["sigkill"] as? Int ?? 0) + (summary["sigterm"] as? Int ?? 0)
        #expect(stops >= 10, "\(text)")
        #expect(summary["sigkill"] as? Int ?? 0 > 0 && summary["sigterm"] as? Int ?? 0 > 0, "\(text)")
        let rotations = summary["rotations"] as? [String: Int] ?? [:]
        #expect(Set(rotations.keys) == ["rename", "copytruncate", "gzip", "delaycompress", "dated"], "\(text)")
        #expect(summary["incidents"] as? Int ?? 0 > 0, "the data must fire incidents for the comparison to mean something\n\(text)")
        #expect(summary["ok"] as? Bool == true, "\(text)")
    }
}
