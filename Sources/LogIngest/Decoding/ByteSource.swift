#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A file descriptor read in chunks (a file, or standard input for `-`), or bytes in memory.
final class ByteSource {
    let name: String
    private let fd: Int32
    private let ownsDescriptor: Bool
    /// Set for an in-memory source (fuzzing, tests); `fd` is then unused.
    private let memory: [UInt8]?
    /// Bytes read from the descriptor so far.
    private(set) var bytesRead: Int64 = 0

    init(path: String) throws(IngestError) {
        name = path
        memory = nil
        if path == "-" {
            fd = 0
            ownsDescriptor = false
        } else {
            let d = open(path, O_RDONLY | O_CLOEXEC)
            guard d >= 0 else { throw .cannotOpen(path, errno: errno) }
            var st = stat()
            if fstat(d, &st) == 0 && (st.st_mode & S_IFMT) == S_IFDIR {
                close(d)
                throw .cannotOpen(path, errno: EISDIR)
            }
            fd = d
            ownsDescriptor = true
        }
    }

    /// An open descriptor, named `name` in messages; closed on deinit only if `owns`.
    init(descriptor: Int32, name: String, owns: Bool) {
        self.name = name
        fd = descriptor
        ownsDescriptor = owns
        memory = nil
    }

    /// Bytes in memory, named `name` in messages.
    init(bytes: [UInt8], name: String) {
        self.name = name
        fd = -1
        ownsDescriptor = false
        memory = bytes
    }

    deinit {
        if ownsDescriptor { close(fd) }
    }

    /// Set when a read returned 0: the end of a pipe, or (for a file) its current end.
    private(set) var sawEnd = false

    /// Reads up to `buffer.count` bytes; 0 means end of input (or, on a non-blocking
    /// descriptor, no data for now: `sawEnd` tells the two apart).
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(IngestError) -> Int {
        if let memory {
            let n = min(buffer.count, memory.count - Int(bytesRead))
            if n > 0 {
                memory.withUnsafeBytes { buffer.baseAddress!.copyMemory(from: $0.baseAddress! + Int(bytesRead), byteCount: n) }
            }
            bytesRead += Int64(n)
            return n
        }
        while true {
            let n = Glibc.read(fd, buffer.baseAddress, buffer.count)
            if n >= 0 {
                bytesRead += Int64(n)
                sawEnd = n == 0
                return n
            }
            if errno == EINTR { continue }
            if errno == EAGAIN || errno == EWOULDBLOCK { sawEnd = false; return 0 }
            throw .readFailed(name, errno: errno, offset: bytesRead)
        }
    }
}
