import Foundation
import Testing

/// Inputs built to hurt: they must be streamed in bounded memory and reported, never fatal.
@Suite(.serialized) struct HostileInputTests {
    /// Runs logwatch with its output in files, sampling its resident memory every 2 ms.
    static func runMeasuringMemory(_ arguments: [String], in dir: URL) throws -> (status: Int32, stderr: String, peakRSSMB: Double) {
        let err = dir.appendingPathComponent("stderr")
        _ = FileManager.default.createFile(atPath: err.path, contents: nil)
        let p = Process()
        p.executableURL = CLI.binary
        p.arguments = arguments
        p.standardOutput = FileHandle.nullDevice
        p.standardError = try FileHandle(forWritingTo: err)
        try p.run()
        var peakKB = 0.0
        while p.isRunning {
            let status = LiveTail.read(URL(fileURLWithPath: "/proc/\(p.processIdentifier)/status"))
            if let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmRSS:") }),
               let kb = Double(line.split(separator: " ").dropFirst().first ?? "") {
                peakKB = max(peakKB, kb)
            }
            usleep(2_000)
        }
        p.waitUntilExit()
        return (p.terminationStatus, LiveTail.read(err), peakKB / 1024)
    }

    /// 1 GiB of NUL bytes (one line with no newline at all), compressed by the real tool.
    static func bomb(_ tool: String, in dir: URL) throws -> URL {
        let out = dir.appendingPathComponent("bomb.\(tool == "gzip" ? "gz" : "zst")")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        p.arguments = ["-c", "head -c 1073741824 /dev/zero | \(tool) \(tool == "gzip" ? "-9" : "-1") -c > '\(out.path)'"]
        try p.run()
        p.waitUntilExit()
        return out
    }

    @Test(arguments: ["zstd", "gzip"])
    func aDecompressionBombIsStreamedInBoundedMemoryAndReported(tool: String) throws {
        let dir = CLI.temporaryDirectory()
        let bomb = try Self.bomb(tool, in: dir)
        let size = (try FileManager.default.attributesOfItem(atPath: bomb.path)[.size] as? Int) ?? 0
        #expect(size > 0 && size < 2_000_000, "a few KB (zstd) or about 1 MB (gzip) for 1 GiB")
        let r = try Self.runMeasuringMemory(["events", "--count", bomb.path], in: dir)
        // Nothing in it could be read: said, and exit status 2, after reading all of it.
        #expect(r.status == 2, "\(r.stderr)")
        #expect(r.stderr.contains("nothing in it could be read"), "\(r.stderr)")
        #expect(r.stderr.contains("1 lines, 0 events, 0 malformed, 1 oversized"), "the 1 GiB line is skipped: \(r.stderr)")
        #expect(r.stderr.contains("expanded to 1,073,741,824"), "\(r.stderr)")
        #expect(r.stderr.contains("a decompression bomb? It was streamed, never held in memory"))
        #expect(r.peakRSSMB < 150, "peak \(r.peakRSSMB) MB for 1 GiB decoded")
    }

    @Test func aOneGigabyteLineOnDiskIsSkippedInBoundedMemory() throws {
        let dir = CLI.temporaryDirectory()
        let file = dir.appendingPathComponent("long.log")
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/bin/sh")
        // A good line, one line of 1 GiB, another good line.
        p.arguments = ["-c", "{ echo '10.0.0.1 - svc_a [28/Nov/2025:10:00:00 +0000] \"GET /x HTTP/1.1\" 200 1 \"-\" \"-\"'; head -c 1073741824 /dev/zero | tr '\\\\0' 'x'; echo; echo '10.0.0.2 - svc_a [28/Nov/2025:10:00:01 +0000] \"GET /x HTTP/1.1\" 200 1 \"-\" \"-\"'; } > '\(file.path)'"]
        try p.run()
        p.waitUntilExit()
        defer { try? FileManager.default.removeItem(at: file) }
        let r = try Self.runMeasuringMemory(["scan", file.path], in: dir)
        #expect(r.status == 0, "\(r.stderr)")
        #expect(r.stderr.contains("3 lines, 2 events, 0 malformed, 1 oversized"), "\(r.stderr)")
        #expect(r.peakRSSMB < 150, "peak \(r.peakRSSMB) MB for a 1 GiB line")
    }
}
