#if canImport(Glibc)
import Glibc
#endif

nonisolated(unsafe) private var signalPipeWriteEnd: Int32 = -1

/// Signals delivered as bytes on a pipe (the self-pipe trick), so the main loop sees them in
/// the same `poll` that waits for log data, and no work happens in a signal handler.
public enum SignalPipe {
    /// Installs handlers for `signals`; returns the pipe's read end.
    public static func install(_ signals: [Int32]) -> Int32 {
        var fds: [Int32] = [0, 0]
        guard pipe(&fds) == 0 else { return -1 }
        for fd in fds {
            _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) | O_NONBLOCK)
            _ = fcntl(fd, F_SETFD, FD_CLOEXEC)
        }
        signalPipeWriteEnd = fds[1]
        // A parent may have started us with these blocked (the mask is inherited): unblock them.
        var mask = sigset_t()
        sigemptyset(&mask)
        for s in signals { sigaddset(&mask, s) }
        pthread_sigmask(SIG_UNBLOCK, &mask, nil)
        for s in signals {
            signal(s) { number in
                var byte = UInt8(truncatingIfNeeded: number)
                _ = write(signalPipeWriteEnd, &byte, 1)
            }
        }
        return fds[0]
    }

    /// `SIGINT`, `SIGTERM`, `SIGHUP`, or the number.
    public static func name(_ signal: Int32) -> String {
        switch signal {
        case SIGINT: "SIGINT"
        case SIGTERM: "SIGTERM"
        case SIGHUP: "SIGHUP"
        default: "signal \(signal)"
        }
    }

    /// The signals received since the last call.
    public static func take(_ fd: Int32) -> [Int32] {
        var got: [Int32] = []
        var buffer = [UInt8](repeating: 0, count: 64)
        while true {
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            guard n > 0 else { break }
            got += buffer[0..<n].map { Int32($0) }
        }
        return got
    }
}

/// Seconds on a clock that only moves forward.
public func monotonicSeconds() -> Double {
    var ts = timespec()
    clock_gettime(CLOCK_MONOTONIC, &ts)
    return Double(ts.tv_sec) + Double(ts.tv_nsec) / 1e9
}

/// Waits until one of `descriptors` is readable or `timeout` seconds pass.
public func waitReadable(_ descriptors: [Int32], timeout: Double) {
    var fds = descriptors.filter { $0 >= 0 }.map { pollfd(fd: $0, events: Int16(POLLIN), revents: 0) }
    _ = poll(&fds, nfds_t(fds.count), Int32(max(0, timeout * 1000)))
}
