import Foundation
import LogIngest
import LogwatchCore

/// Progress of a long read on standard error: bytes read of the total (the compressed size
/// for compressed files), percent, MB/s, events/s and the time left. On a terminal one line is
/// redrawn four times a second and cleared at the end; otherwise (`--progress` into a log) a
/// plain line is written every ten seconds and once at the end. Never touches standard output.
public final class ProgressDisplay: @unchecked Sendable {
    public let counter = ProgressCounter()
    private let total: Int64?
    private let terminal: Bool
    private let started = Date()
    private let done = DispatchSemaphore(value: 0)
    private let finished = DispatchSemaphore(value: 0)

    /// Starts a display when `requested`, or (when nil) when standard error is a terminal;
    /// nil otherwise.
    public static func start(requested: Bool?, inputs: [String]) -> ProgressDisplay? {
        let terminal = isatty(2) == 1
        guard requested ?? terminal else { return nil }
        return ProgressDisplay(total: totalBytes(inputs), terminal: terminal)
    }

    init(total: Int64?, terminal: Bool) {
        self.total = total
        self.terminal = terminal
        let interval = terminal ? 0.25 : 10.0
        Thread.detachNewThread { [self] in
            while done.wait(timeout: .now() + interval) == .timedOut {
                let line = self.line()
                if terminal { StandardError.showLine(line) } else { StandardError.write(line + "\n") }
            }
            finished.signal()
        }
    }

    /// The sum of the inputs' sizes on disk, or nil when one of them has no size known in
    /// advance (standard input, a pipe).
    static func totalBytes(_ inputs: [String]) -> Int64? {
        var sum: Int64 = 0
        for path in inputs {
            guard path != "-" else { return nil }
            var st = stat()
            guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { return nil }
            sum += Int64(st.st_size)
        }
        return sum
    }

    func line(final: Bool = false) -> String {
        let (bytes, events) = counter.current
        let seconds = max(0.001, Date().timeIntervalSince(started))
        let mbps = Double(bytes) / 1_000_000 / seconds
        var parts = ["logwatch: " + megabytes(bytes) + (total.map { " of " + megabytes($0) } ?? " read")]
        if let total, total > 0 { parts.append(String(format: "%.1f%%", min(100, Double(bytes) * 100 / Double(total)))) }
        parts.append(String(format: "%.1f MB/s", mbps))
        parts.append(rate(Double(events) / seconds) + " events/s")
        if final {
            parts.append(String(format: "done in %.1f s", seconds))
        } else if let total, bytes > 0, bytes < total {
            let left = Double(total - bytes) / (Double(bytes) / seconds)
            parts.append("about " + clock(left) + " left")
        }
        return parts.joined(separator: "  ")
    }

    /// Stops the display: the terminal line is cleared; a log gets the final line.
    public func finish() {
        done.signal()
        finished.wait()
        if terminal {
            StandardError.clearingLine {}
        } else {
            StandardError.write(line(final: true) + "\n")
        }
    }

    private func megabytes(_ n: Int64) -> String {
        n >= 1_000_000_000 ? String(format: "%.2f GB", Double(n) / 1e9) : String(format: "%.1f MB", Double(n) / 1e6)
    }

    private func rate(_ v: Double) -> String {
        v >= 1e6 ? String(format: "%.2f M", v / 1e6) : v >= 1e3 ? String(format: "%.1f k", v / 1e3) : String(format: "%.0f", v)
    }

    private func clock(_ seconds: Double) -> String {
        let s = Int(seconds.rounded())
        return s >= 3600 ? String(format: "%d:%02d:%02d", s / 3600, s / 60 % 60, s % 60) : String(format: "%d:%02d", s / 60, s % 60)
    }
}
