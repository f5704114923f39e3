#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import LogIngest
import LogwatchCore

/// A file as the kernel knows it. Inodes are reused, so a `FollowedFile` also keeps a
/// fingerprint of the first bytes.
public struct FileIdentity: Hashable, Sendable {
    public var device: UInt64
    public var inode: UInt64
}

/// A hash (FNV-1a) of a file's first bytes, up to `maxLength`.
enum Fingerprint {
    static let maxLength = 1024

    /// The hash of the first `length` bytes, or nil if the file holds fewer.
    static func of(_ fd: Int32, length: Int) -> UInt64? {
        var buffer = [UInt8](repeating: 0, count: length)
        var got = 0
        while got < length {
            let n = buffer.withUnsafeMutableBytes { pread(fd, $0.baseAddress! + got, length - got, off_t(got)) }
            if n < 0 && errno == EINTR { continue }
            if n <= 0 { break }
            got += n
        }
        guard got == length else { return nil }
        return StableHash.add(buffer, to: StableHash.offsetBasis)
    }
}

/// One file being followed: an open descriptor, the reader over it, and how to recognise it.
public final class FollowedFile {
    public let identity: FileIdentity
    /// The name it was last seen under (it changes when the file is renamed).
    public internal(set) var path: String
    public let inputIndex: Int32
    let fd: Int32
    public internal(set) var reader: LogReader
    var fingerprint: UInt64
    var fingerprintLength: Int
    var lastSize: Int64 = -1
    /// Modification time when last looked at (a file truncated and rewritten to the same size
    /// keeps its size, not its mtime).
    var lastModified = timespec()
    /// Monotonic time since which no watched path names this file (rotated away or deleted).
    var goneSince: Double?
    public internal(set) var closed = false
    /// The file this one replaced by rotation while logwatch was stopped, when that one is
    /// still followed: its unread rest is older, so this one waits until it has caught up.
    var waitsFor: FileIdentity?
    /// Whether the last read reached the end of what the file held then.
    var caughtUp = false

    init(identity: FileIdentity, path: String, inputIndex: Int32, fd: Int32, reader: LogReader, fingerprint: UInt64, fingerprintLength: Int) {
        self.identity = identity
        self.path = path
        self.inputIndex = inputIndex
        self.fd = fd
        self.reader = reader
        self.fingerprint = fingerprint
        self.fingerprintLength = fingerprintLength
    }

    deinit {
        if !closed { close(fd) }
    }

    /// Where a later run resumes this file.
    public var checkpoint: FileCheckpoint {
        FileCheckpoint(device: identity.device, inode: identity.inode, fingerprint: fingerprint,
                       fingerprintLength: fingerprintLength, path: path, offset: reader.resumePoint)
    }
}

/// Follows the files named by paths and globs as `tail -F` does: appended lines as they come,
/// rename rotation (the old file is read to its end, the new one from its start), copy-truncate
/// rotation (read again from the start), files created later, files deleted. Only I/O and
/// bookkeeping: the caller drives it with `rescan` and `read`, and decides when to wait.
public final class FileFollower {
    public let patterns: [String]
    private let options: IngestOptions
    private let inputIndex: (String) -> Int32
    /// How long a file no watched path names any more is still read (a writer may append a
    /// last line after renaming it) before it is let go.
    private let graceSeconds: Double
    public private(set) var files: [FollowedFile] = []
    /// Files let go since the last call to `takeForgotten()`.
    private var forgotten: [FileIdentity] = []
    /// What the files let go of, and the readers replaced after a copy-truncate, read this
    /// run: with the files still followed, the run's ingest summary.
    public private(set) var endedSummary = IngestSummary()
    /// Fingerprints of files before they were truncated: a copy-truncate rotation's copy
    /// (`app.log.1`, if a pattern names it) starts with them and must not be read again.
    private var truncatedRecently: [(hash: UInt64, length: Int, path: String)] = []
    /// Paths already reported as skipped (compressed, a directory), so each is said once.
    private var skippedPaths: Set<String> = []

    public init(patterns: [String], options: IngestOptions, graceSeconds: Double = 2, inputIndex: @escaping (String) -> Int32) {
        self.patterns = patterns
        self.options = options
        self.graceSeconds = graceSeconds
        self.inputIndex = inputIndex
    }

    /// The directories whose changes matter (to watch with inotify).
    public var directories: [String] {
        var seen: Set<String> = []
        return patterns.compactMap { p in
            let dir = p.contains("/") ? String(p[..<p.lastIndex(of: "/")!]) : "."
            let d = dir.isEmpty ? "/" : dir
            return d.contains(where: { "*?[".contains($0) }) || !seen.insert(d).inserted ? nil : d
        }
    }

    /// Every regular file the patterns name now, with its identity.
    private func expand() -> [(path: String, identity: FileIdentity, size: Int64)] {
        var out: [(String, FileIdentity, Int64)] = []
        var seen: Set<FileIdentity> = []
        for pattern in patterns {
            var paths: [String] = []
            if pattern.contains(where: { "*?[".contains($0) }) {
                var g = glob_t()
                if glob(pattern, 0, nil, &g) == 0 {
                    for i in 0..<Int(g.gl_pathc) { if let p = g.gl_pathv[i] { paths.append(String(cString: p)) } }
                }
                globfree(&g)
            } else {
                paths = [pattern]
            }
            for path in paths {
                var st = stat()
                guard stat(path, &st) == 0 else {
                    if errno == ELOOP, skippedPaths.insert(path).inserted { notices.append("\(path): a loop of symbolic links; not followed") }
                    continue
                }
                guard (st.st_mode & S_IFMT) == S_IFREG else {
                    if skippedPaths.insert(path).inserted {
                        notices.append("\(path): \(Self.kind(st.st_mode)), not a regular file; not followed")
                    }
                    continue
                }
                let id = FileIdentity(device: UInt64(st.st_dev), inode: UInt64(st.st_ino))
                if seen.insert(id).inserted { out.append((path, id, Int64(st.st_size))) }
            }
        }
        return out
    }

    /// What happened, for the operator: started, rotated, truncated, let go, skipped.
    public private(set) var notices: [String] = []

    public func takeNotices() -> [String] {
        defer { notices.removeAll() }
        return notices
    }

    public func takeForgotten() -> [FileIdentity] {
        defer { forgotten.removeAll() }
        return forgotten
    }

    /// Opens a file for following, unless it is compressed or a copy of one followed already.
    /// `resumeAt` nil means from the file's current end.
    private func open(_ path: String, _ id: FileIdentity, resumeAt: Int64?) -> FollowedFile? {
        if path.hasSuffix(".gz") || path.hasSuffix(".zst") || path.hasSuffix(".bz2") || path.hasSuffix(".xz") {
            if skippedPaths.insert(path).inserted { notices.append("\(path): compressed, not followed (use logwatch scan for rotated archives)") }
            return nil
        }
        let fd: Int32
        switch Self.openRegular(path) {
        case .opened(let opened): fd = opened
        case .notRegular(let kind):
            if skippedPaths.insert(path).inserted { notices.append("\(path): \(kind), not a regular file; not followed") }
            return nil
        case .failed(let reason):
            if skippedPaths.insert(path).inserted { notices.append("\(path): cannot open (\(reason))") }
            return nil
        }
        var st = stat()
        guard fstat(fd, &st) == 0, UInt64(st.st_dev) == id.device, UInt64(st.st_ino) == id.inode else {
            close(fd) // replaced between stat and open: the next rescan sees the new one
            return nil
        }
        let size = Int64(st.st_size)
        var magic = [UInt8](repeating: 0, count: 4)
        let got = magic.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, 4, 0) }
        if got > 0, magic.withUnsafeBytes({ StreamKind.detect(UnsafeRawBufferPointer(rebasing: $0[0..<got])) }) != .plain {
            close(fd)
            if skippedPaths.insert(path).inserted { notices.append("\(path): compressed, not followed (use logwatch scan for rotated archives)") }
            return nil
        }
        let fpLength = Int(min(size, Int64(Fingerprint.maxLength)))
        let fp = Fingerprint.of(fd, length: fpLength) ?? 0
        // A copy of a file followed already (copy-truncate rotation into a watched name).
        if fpLength > 0 {
            let original = files.first(where: { !$0.closed && $0.fingerprintLength == fpLength && $0.fingerprint == fp })?.path
                ?? truncatedRecently.first(where: { $0.length == fpLength && $0.hash == fp })?.path
            if let original {
                close(fd)
                if skippedPaths.insert(path).inserted { notices.append("\(path): same first bytes as \(original), taken as its copy and not read again") }
                return nil
            }
        }
        var start = resumeAt ?? size
        if start > size { start = 0 } // truncated while logwatch was stopped
        let reader = LogReader(following: fd, name: path, inputIndex: inputIndex(path), options: options, resumeAt: start)
        let file = FollowedFile(identity: id, path: path, inputIndex: reader.inputIndex, fd: fd, reader: reader, fingerprint: fp, fingerprintLength: fpLength)
        file.lastSize = size
        files.append(file)
        return file
    }

    /// The first look: a file with a checkpoint resumes there (if it is the same file: its
    /// first bytes match); any other is read from its end, or from its start with
    /// `fromBeginning`. A checkpointed file no pattern names any more (rotated while logwatch
    /// was stopped) is looked for in its directory and read to its end.
    public func start(checkpoints: [FileCheckpoint], fromBeginning: Bool) {
        let byIdentity = Dictionary(checkpoints.map { (FileIdentity(device: $0.device, inode: $0.inode), $0) }, uniquingKeysWith: { a, _ in a })
        var matched: Set<FileIdentity> = []
        // Rotated-away files first: their lines are older than the current file's.
        let found = expand()
        let foundIDs = Set(found.map(\.identity))
        for cp in checkpoints {
            let id = FileIdentity(device: cp.device, inode: cp.inode)
            guard !foundIDs.contains(id), let path = Self.locate(id, near: cp.path), Self.sameFile(cp, path: path),
                  let file = open(path, id, resumeAt: cp.offset) else { continue }
            file.goneSince = 0
            matched.insert(id)
            notices.append("\(path): rotated away while stopped; reading it to its end from byte \(cp.offset)")
        }
        let knownPaths = Set(checkpoints.map(\.path))
        // Where a checkpointed file was when logwatch stopped, now that rotation renamed it.
        let renamedFrom = Dictionary(checkpoints.map { ($0.path, FileIdentity(device: $0.device, inode: $0.inode)) }, uniquingKeysWith: { a, _ in a })
        for (path, id, _) in found {
            let cp = byIdentity[id].flatMap { Self.sameFile($0, path: path) ? $0 : nil }
            // A new file under a name followed before replaced that file while logwatch was
            // stopped (rotation): all of it is new. A name never seen starts at its end.
            let successor = cp == nil && knownPaths.contains(path)
            guard let file = open(path, id, resumeAt: cp?.offset ?? (fromBeginning || successor ? 0 : nil)) else { continue }
            matched.insert(id)
            if successor, let older = renamedFrom[path], older != id { file.waitsFor = older }
            let from = file.reader.resumePoint
            if cp != nil {
                notices.append("\(path): resuming at byte \(from)")
            } else if successor {
                notices.append("\(path): replaced while stopped (rotation); following from its start")
            } else {
                notices.append("\(path): following from \(from == 0 ? "its start" : "its end (byte \(from))")")
            }
        }
        for cp in checkpoints where !matched.contains(FileIdentity(device: cp.device, inode: cp.inode)) {
            forgotten.append(FileIdentity(device: cp.device, inode: cp.inode))
        }
    }

    enum Opening {
        case opened(Int32)
        case notRegular(String)
        case failed(String)
    }

    /// Opens `path` for reading if it is a regular file. Never blocks: a FIFO (or a device)
    /// put where a log was would block `open` until a writer came, so the open is
    /// non-blocking and the descriptor's own type decides, not a `stat` of the name before.
    static func openRegular(_ path: String) -> Opening {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard fd >= 0 else { return .failed(String(cString: strerror(errno))) }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            return .failed(reason)
        }
        guard (st.st_mode & S_IFMT) == S_IFREG else {
            close(fd)
            return .notRegular(kind(st.st_mode))
        }
        _ = fcntl(fd, F_SETFL, fcntl(fd, F_GETFL) & ~O_NONBLOCK)
        return .opened(fd)
    }

    /// What a non-regular file is, for a notice.
    static func kind(_ mode: mode_t) -> String {
        switch mode & S_IFMT {
        case S_IFDIR: "a directory"
        case S_IFIFO: "a FIFO"
        case S_IFSOCK: "a socket"
        case S_IFCHR, S_IFBLK: "a device"
        default: "of another kind"
        }
    }

    /// Whether the file at `path` starts with the bytes the checkpoint was taken over.
    private static func sameFile(_ cp: FileCheckpoint, path: String) -> Bool {
        guard case .opened(let fd) = openRegular(path) else { return false }
        defer { close(fd) }
        return Fingerprint.of(fd, length: cp.fingerprintLength) == cp.fingerprint
    }

    /// A file with this identity in the directory of `path` (where rotation renames it to).
    private static func locate(_ id: FileIdentity, near path: String) -> String? {
        let dir = path.contains("/") ? String(path[..<path.lastIndex(of: "/")!]) : "."
        guard let d = opendir(dir.isEmpty ? "/" : dir) else { return nil }
        defer { closedir(d) }
        while let entry = readdir(d) {
            guard UInt64(entry.pointee.d_ino) == id.inode else { continue }
            let name = withUnsafePointer(to: entry.pointee.d_name) { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
            let candidate = (dir.isEmpty ? "" : dir) + "/" + name
            var st = stat()
            if stat(candidate, &st) == 0 && UInt64(st.st_dev) == id.device { return candidate }
        }
        return nil
    }

    /// Looks again at what the patterns name: new files are followed from their start
    /// (they were created while logwatch ran), renamed ones keep being read under their new
    /// name, and ones no pattern names are let go once read to their end and quiet for the
    /// grace period.
    public func rescan(now: Double) {
        let found = expand()
        var byID: [FileIdentity: String] = [:]
        for f in found { byID[f.identity] = f.path }
        for file in files where !file.closed {
            if let path = byID[file.identity] {
                if path != file.path { file.path = path }
                file.goneSince = nil
            } else if file.goneSince == nil {
                file.goneSince = now
                notices.append("\(file.path): rotated away or deleted; reading it to its end")
            }
        }
        let followed = Set(files.filter { !$0.closed }.map(\.identity))
        for (path, id, _) in found where !followed.contains(id) {
            if open(path, id, resumeAt: 0) != nil {
                notices.append("\(path): new file, following from its start")
            }
        }
    }

    /// Reads what the files hold, handing each event to `body`, at most `budget` events per
    /// file (so one busy file cannot starve the others or delay a shutdown).
    /// - Returns: the number of events read.
    public func read(budget: Int, now: Double, _ body: (TransactionEvent) -> Void) -> Int {
        var total = 0
        for file in files where !file.closed {
            if let older = file.waitsFor {
                // Newer lines wait for the older file's rest, or they would make it late.
                if files.contains(where: { $0.identity == older && !$0.closed && !$0.caughtUp }) { continue }
                file.waitsFor = nil
            }
            checkReplaced(file)
            var n = 0
            do {
                while n < budget, let e = try file.reader.next() { body(e); n += 1 }
                file.caughtUp = n < budget
                if n < budget, let since = file.goneSince, now - since >= graceSeconds {
                    file.reader.finishFollowing()
                    while let e = try file.reader.next() { body(e); n += 1 }
                    letGo(file, "\(file.path): read to its end and let go")
                }
            } catch {
                letGo(file, "\(file.path): \(error); let go")
            }
            total += n
        }
        files.removeAll { $0.closed }
        return total
    }

    private func letGo(_ file: FollowedFile, _ notice: String) {
        endedSummary.add(file.reader)
        close(file.fd)
        file.closed = true
        forgotten.append(file.identity)
        notices.append(notice)
    }

    /// Copy-truncate rotation: the file shrank below what was read, or its first bytes
    /// changed (truncated and written again past that point). It is read again from its start.
    private func checkReplaced(_ file: FollowedFile) {
        var st = stat()
        guard fstat(file.fd, &st) == 0 else { return }
        let size = Int64(st.st_size)
        guard size != file.lastSize || st.st_mtim.tv_sec != file.lastModified.tv_sec || st.st_mtim.tv_nsec != file.lastModified.tv_nsec else { return }
        file.lastSize = size
        file.lastModified = st.st_mtim
        var replaced = size < file.reader.bytesRead
        if !replaced && file.fingerprintLength > 0 {
            replaced = Fingerprint.of(file.fd, length: file.fingerprintLength) != file.fingerprint
        }
        if replaced {
            truncatedRecently.append((file.fingerprint, file.fingerprintLength, file.path))
            if truncatedRecently.count > 16 { truncatedRecently.removeFirst() }
            lseek(file.fd, 0, SEEK_SET)
            endedSummary.add(file.reader)
            file.reader = LogReader(following: file.fd, name: file.path, inputIndex: file.inputIndex, options: options)
            file.fingerprintLength = 0
            file.fingerprint = 0
            notices.append("\(file.path): truncated (copy-truncate rotation); reading it again from its start")
        }
        if file.fingerprintLength < Fingerprint.maxLength && size > Int64(file.fingerprintLength) {
            let length = Int(min(size, Int64(Fingerprint.maxLength)))
            if let fp = Fingerprint.of(file.fd, length: length) {
                file.fingerprint = fp
                file.fingerprintLength = length
            }
        }
    }
}
