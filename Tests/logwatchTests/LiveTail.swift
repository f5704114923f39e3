import Foundation

/// A real `logwatch tail` (or `scan`) process in the background, its output going to files the test reads.
final class LiveTail {
    let process = Process()
    let stdoutURL: URL
    let stderrURL: URL

    init(_ arguments: [String], in dir: URL, run: Int = 0, command: String = "tail") throws {
        stdoutURL = dir.appendingPathComponent("tail-\(run).out")
        stderrURL = dir.appendingPathComponent("tail-\(run).err")
        _ = FileManager.default.createFile(atPath: stdoutURL.path, contents: nil)
        _ = FileManager.default.createFile(atPath: stderrURL.path, contents: nil)
        process.executableURL = CLI.binary
        process.arguments = [command] + arguments
        process.currentDirectoryURL = dir
        process.standardOutput = try FileHandle(forWritingTo: stdoutURL)
        process.standardError = try FileHandle(forWritingTo: stderrURL)
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    var stdout: String { Self.read(stdoutURL) }
    var stderr: String { Self.read(stderrURL) }

    /// A file's text, read with plain read(2): String(contentsOf:) in Swift 6.3's Foundation
    /// leaks its buffer when the file is empty, which AddressSanitizer reports.
    static func read(_ url: URL) -> String {
        let fd = open(url.path, O_RDONLY)
        guard fd >= 0 else { return "" }
        defer { close(fd) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let n = chunk.withUnsafeMutableBytes { Glibc.read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { break }
            bytes += chunk[0..<n]
        }
        return String(decoding: bytes, as: UTF8.self)
    }
    var alertLines: [String] { stdout.split(separator: "\n").map(String.init) }

    /// Waits until `condition` holds, checking every 20 ms; false after `timeout` seconds.
    @discardableResult
    func wait(timeout: Double = 20, until condition: () -> Bool) -> Bool {
        let deadline = Date().addingTimeInterval(timeout)
        while Date() < deadline {
            if condition() { return true }
            usleep(20_000)
        }
        return condition()
    }

    /// Waits for the process to say it started following.
    func waitStarted() -> Bool { wait { stderr.contains("state in") } }

    /// SIGTERM, then waits; returns the exit status (nil if it did not exit within `timeout`).
    func terminate(timeout: Double = 10) -> Int32? {
        kill(process.processIdentifier, SIGTERM)
        let exited = wait(timeout: timeout) { !process.isRunning }
        return exited ? process.terminationStatus : nil
    }

    func kill9() {
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    /// "N events judged this run (M in all)" from the exit summary: (N, M).
    var judged: (run: Int, all: Int)? {
        guard let line = stderr.split(separator: "\n").first(where: { $0.contains("events judged this run") }) else { return nil }
        let numbers = line.split(whereSeparator: { !$0.isNumber && $0 != "," }).map { Int($0.replacingOccurrences(of: ",", with: "")) }.compactMap { $0 }
        return numbers.count >= 2 ? (numbers[0], numbers[1]) : nil
    }

    deinit {
        if process.isRunning { kill(process.processIdentifier, SIGKILL); process.waitUntilExit() }
    }
}

/// Combined-format access-log lines with chosen times, addresses, principals and statuses.
enum AccessLog {
    /// 2025-11-28T10:00:00Z
    static let t0 = Date(timeIntervalSince1970: 1_764_324_000)

    private static let formatter: DateFormatter = {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "dd/MMM/yyyy:HH:mm:ss Z"
        return f
    }()

    static func line(_ offsetSeconds: Double, ip: String, user: String, status: Int, path: String = "/api/now/table/incident") -> String {
        let when = formatter.string(from: t0.addingTimeInterval(offsetSeconds))
        return "\(ip) - \(user) [\(when)] \"GET \(path) HTTP/1.1\" \(status) 512 \"-\" \"integration/1.0\"\n"
    }

    /// Appends to a file (creating it), in one write.
    static func append(_ text: String, to url: URL) {
        if !FileManager.default.fileExists(atPath: url.path) { _ = FileManager.default.createFile(atPath: url.path, contents: nil) }
        let h = try! FileHandle(forWritingTo: url)
        h.seekToEndOfFile()
        h.write(Data(text.utf8))
        try! h.close()
    }
}
