#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Buffered writes to a file descriptor: output is built as bytes and written in large blocks.
public final class BufferedOutput {
    private let fd: Int32
    private var buffer: [UInt8] = []
    private let flushThreshold: Int
    /// Set when a write failed (a closed pipe, a full disk); later writes are dropped.
    public private(set) var failed = false

    public init(fd: Int32, flushThreshold: Int = 64 * 1024) {
        self.fd = fd
        self.flushThreshold = flushThreshold
        buffer.reserveCapacity(flushThreshold + 4096)
    }

    deinit { flush() }

    public func write(_ bytes: [UInt8]) {
        buffer.append(contentsOf: bytes)
        if buffer.count >= flushThreshold { flush() }
    }

    public func write(_ text: String) {
        buffer.append(contentsOf: text.utf8)
        if buffer.count >= flushThreshold { flush() }
    }

    /// Lets a caller build directly into the buffer.
    public func append(_ build: (inout [UInt8]) -> Void) {
        build(&buffer)
        if buffer.count >= flushThreshold { flush() }
    }

    public func flush() {
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
