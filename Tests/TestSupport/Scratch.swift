import Foundation

/// Directories for the files tests write, all under one root per test process, which is
/// removed when the process exits (set `LOGWATCH_KEEP_TEST_FILES` to keep it, to look at
/// what a failing test wrote), so that no run leaves directories behind in /tmp.
public enum Scratch {
    nonisolated(unsafe) private static var registered = false
    private static let lock = NSLock()

    private static let root: URL = {
        let dir = FileManager.default.temporaryDirectory
            .appendingPathComponent("logwatch-test-run-\(ProcessInfo.processInfo.processIdentifier)-\(UUID().uuidString.prefix(8))")
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }()

    /// A new, empty directory named `prefix-UUID` under this process's root.
    public static func directory(_ prefix: String) -> URL {
        lock.lock()
        if !registered {
            registered = true
            if ProcessInfo.processInfo.environment["LOGWATCH_KEEP_TEST_FILES"] == nil {
                atexit { try? FileManager.default.removeItem(at: Scratch.root) }
            }
        }
        lock.unlock()
        let dir = root.appendingPathComponent("\(prefix)-\(UUID().uuidString)")
        try! FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir
    }
}
