#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Buffered writes to a file descriptor: output is built as bytes and written in large blocks.
final class OutputStream {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private let flushThreshold: Int
    /// Set when a write failed (a closed pipe, a full disk); later writes are dropped.
    private(set) var failed = false

    init(fd: Int32, flushThreshold: Int = 64 * 1024) {
        self.fd = fd
        self.flushThreshold = flushThreshold
        buffer.reserveCapacity(flushThreshold + 4096)
    }

    deinit { flush() }

    func write(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= flushThreshold { flush() }
    }

    func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= flushThreshold { flush() }
    }

    /// Lets a caller build directly into the buffer.
    func append(_ build: (inout [UInt8]) -> Void) {
        build(&buffer)
        if buffer.count >= flushThreshold { flush() }
    }

    func flush() {
        guard !buffer.isEmpty else { return }
        defer { buffer.removeAll(keepingCapacity: true) }
        guard !failed else { return }
        // Standard output may share a terminal with the progress line: clear it first.
        if fd == 1 {
            StandardError.clearingLine { writeBuffer() }
        } else {
            writeBuffer()
        }
    }

    private func writeBuffer() {
        var offset = 0
        buffer.withUnsafeBytes { raw in
            while offset < raw.count {
                let n = Glibc.write(fd, raw.baseAddress! + offset, raw.count - offset)
                if n < 0 {
                    if errno == EINTR { continue }
                    failed = true
                    return
                }
                offset += n
            }
        }
    }

}

/// A line on standard error, written at once (unbuffered, so it interleaves correctly with progress).
func printError(_ message: String) {
    StandardError.write(message + "\n")
}
