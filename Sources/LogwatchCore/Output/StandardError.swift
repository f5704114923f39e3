import Foundation

/// Standard error is shared by the progress line and messages: both go through this lock, and
/// a message first clears the progress line, which the next tick draws again.
public enum StandardError {
    final class State: @unchecked Sendable {
        let lock = NSLock()
        /// True while a progress line (with no newline) is on the terminal.
        var lineShown = false
    }
    static let state = State()

    public static func write(_ text: String) {
        clearingLine { BufferedOutput(fd: 2, flushThreshold: 0).write(text) }
    }

    /// Runs `body` (a write to the terminal) with the progress line cleared.
    public static func clearingLine(_ body: () -> Void) {
        state.lock.lock()
        defer { state.lock.unlock() }
        if state.lineShown {
            BufferedOutput(fd: 2, flushThreshold: 0).write("\r\u{1B}[K")
            state.lineShown = false
        }
        body()
    }

    /// Replaces the progress line (terminal) with `line`.
    public static func showLine(_ line: String) {
        state.lock.lock()
        defer { state.lock.unlock() }
        BufferedOutput(fd: 2, flushThreshold: 0).write("\r\u{1B}[K" + line)
        state.lineShown = true
    }
}

/// A line on standard error, written at once (unbuffered, so it interleaves correctly with progress).
public func printError(_ message: String) {
    StandardError.write(message + "\n")
}
