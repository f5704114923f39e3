import Foundation

/// `receiver.py` as a real HTTP server on loopback, recording what logwatch sends.
final class TestReceiver {
    let dir: URL
    private(set) var port: Int
    private var process: Process?
    let secret: String?

    var logURL: URL { dir.appendingPathComponent("received.jsonl") }
    var modeURL: URL { dir.appendingPathComponent("receiver-mode") }

    /// Extra arguments: `--tls-cert`, `--tls-key`, `--client-ca`.
    let extra: [String]

    init(in dir: URL, port: Int = 0, secret: String? = nil, modes: String = "accept", extra: [String] = []) throws {
        self.dir = dir
        self.port = port
        self.secret = secret
        self.extra = extra
        setModes(modes)
        try start()
    }

    /// Starts (again) on the same port.
    func start() throws {
        let portFile = dir.appendingPathComponent("receiver-port")
        try? FileManager.default.removeItem(at: portFile)
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("receiver.py")
        p.arguments = ["python3", script.path, "--port", String(port), "--port-file", portFile.path, "--log", logURL.path, "--mode-file", modeURL.path] + extra
        var env = ProcessInfo.processInfo.environment
        if let secret { env["RECEIVER_SECRET"] = secret }
        p.environment = env
        p.standardOutput = FileHandle.nullDevice
        p.standardError = FileHandle.nullDevice
        try p.run()
        process = p
        let deadline = Date().addingTimeInterval(10)
        while Date() < deadline {
            if let text = try? String(contentsOf: portFile, encoding: .utf8), let n = Int(text) {
                port = n
                return
            }
            usleep(20_000)
        }
        throw SinkTestError("the receiver did not start")
    }

    func stop() {
        guard let p = process, p.isRunning else { return }
        // SIGKILL: the test runner's threads block SIGTERM, and a child inherits that mask.
        kill(p.processIdentifier, SIGKILL)
        p.waitUntilExit()
        process = nil
    }

    func setModes(_ modes: String) {
        try? modes.write(to: modeURL, atomically: true, encoding: .utf8)
    }

    var url: String { "\(extra.contains("--tls-cert") ? "https" : "http")://127.0.0.1:\(port)" }

    /// Every request received so far, as recorded.
    var requests: [[String: Any]] {
        LiveTail.read(logURL).split(separator: "\n").compactMap {
            (try? JSONSerialization.jsonObject(with: Data($0.utf8))) as? [String: Any]
        }
    }

    func requests(to path: String) -> [[String: Any]] { requests.filter { ($0["path"] as? String) == path } }

    deinit { stop() }
}

struct SinkTestError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

extension Dictionary where Key == String, Value == Any {
    func header(_ name: String) -> String? {
        (self["headers"] as? [String: Any])?.first { $0.key.lowercased() == name.lowercased() }?.value as? String
    }

    var bodyJSON: Any? { (self["body"] as? String).flatMap { try? JSONSerialization.jsonObject(with: Data($0.utf8)) } }
}
