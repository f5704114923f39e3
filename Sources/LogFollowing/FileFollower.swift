#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif
import CFileBirth
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
    /// Files holding older lines than this one (the unread rest of files rotated while
    /// logwatch was stopped, files created before it): it waits until they have caught up.
    var waitsFor: [FileIdentity] = []
    /// A compressed file holding a checkpointed file's rest, read once to its end (no
    /// descriptor of the follower's: its reader decodes it by path).
    var isArchive = false
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
        if !closed && fd >= 0 { close(fd) }
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

    /// A file a pattern names.
    struct Found {
        var path: String
        var identity: FileIdentity
        var size: Int64
        /// The first pattern that names it.
        var pattern: String
        /// Its status change time (wall clock, nanoseconds): never older than its creation,
        /// but a rename changes it too.
        var changed: Int64
        /// Its creation time (wall clock, nanoseconds), where the file system keeps one.
        var born: Int64?
        /// Its last modification (wall clock, nanoseconds): when its last line was written.
        /// Rotated files keep it through a rename, and gzip and zstd give an archive the time
        /// of the file they compressed; a copy-truncate copy has the time of the copy, and
        /// the truncated file a later one. (Birth times are not in that order: the file that
        /// copytruncate rotates keeps its birth while its copies are born later.)
        var modified: Int64 = 0

        /// Whether it was created after `look`: by its birth time where known; else, for a
        /// plain file, by its status change time (a file the look found would have a
        /// checkpoint), but not for a compressed one, which may be an archive only renamed
        /// since (its lines were read before it was compressed).
        func created(after look: Int64, compressed: Bool) -> Bool {
            if let born { return born > look }
            return !compressed && changed > look
        }
    }

    /// When each pattern was last expanded (wall clock, nanoseconds, taken before the listing):
    /// a file the pattern names that changed after a look that a checkpoint covers was not
    /// there at that look.
    public private(set) var lookedAt: [String: Int64] = [:]

    /// Every regular file the patterns name now, with its identity. `recordingLook`: the
    /// caller follows every file found (so `lookedAt` may say so).
    private func expand(recordingLook: Bool = true) -> [Found] {
        var out: [Found] = []
        var seen: Set<FileIdentity> = []
        for pattern in patterns {
            if recordingLook {
                var now = timespec()
                clock_gettime(CLOCK_REALTIME, &now)
                lookedAt[pattern] = Int64(now.tv_sec) * 1_000_000_000 + Int64(now.tv_nsec)
            }
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
                let changed = Int64(st.st_ctim.tv_sec) * 1_000_000_000 + Int64(st.st_ctim.tv_nsec)
                var born: Int64 = 0
                let known = logwatch_birth_time(path, &born) == 0
                if seen.insert(id).inserted {
                    var f = Found(path: path, identity: id, size: Int64(st.st_size), pattern: pattern, changed: changed, born: known ? born : nil)
                    f.modified = Int64(st.st_mtim.tv_sec) * 1_000_000_000 + Int64(st.st_mtim.tv_nsec)
                    out.append(f)
                }
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
    /// `isCopy`: the file is known to be a copy of a checkpointed one, and resumes it.
    private func open(_ path: String, _ id: FileIdentity, resumeAt: Int64?, isCopy: Bool = false) -> FollowedFile? {
        if Self.compressedName(path) {
            if skippedPaths.insert(path).inserted { notices.append("\(path): compressed, not followed (use logwatch scan for rotated archives)") }
            return nil
        }
        let fd: Int32
        switch Self.openRegular(path) {
        case .opened(let opened): fd = opened
        case .notRegular(let kind):
            if skippedPaths.insert(path).inserted { notices.append("\(path): \(kind), not a regular file; not followed") }
            return nil
        case .failed(let reason, let code):
            if code == ENOENT {
                renamedMeanwhile = true // renamed or deleted since the listing: looked for again
                return nil
            }
            if skippedPaths.insert(path).inserted { notices.append("\(path): cannot open (\(reason))") }
            return nil
        }
        var st = stat()
        guard fstat(fd, &st) == 0, UInt64(st.st_dev) == id.device, UInt64(st.st_ino) == id.inode else {
            close(fd) // replaced between stat and open: the next rescan sees the new one
            renamedMeanwhile = true
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
        if fpLength > 0 && !isCopy {
            // Over the other file's fingerprint length, which may be shorter than this one's
            // when it was smaller than a fingerprint: then only if it no longer starts so
            // (truncated), or a new file starting with the same short header (a CSV export's)
            // would be taken for its copy.
            func starts(with hash: UInt64, _ length: Int, truncated: () -> Bool) -> Bool {
                guard length > 0 && length <= fpLength else { return false }
                if length == fpLength { return fp == hash }
                return Fingerprint.of(fd, length: length) == hash && truncated()
            }
            let original = files.first(where: { f in
                !f.closed && !f.isArchive && starts(with: f.fingerprint, f.fingerprintLength) {
                    Fingerprint.of(f.fd, length: f.fingerprintLength) != f.fingerprint
                }
            })?.path ?? truncatedRecently.first(where: { starts(with: $0.hash, $0.length) { true } })?.path
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

    /// The first look. Each checkpointed file is found again by identity and first bytes,
    /// wherever rotation put it while logwatch was stopped: under its name (resumed), renamed
    /// in its directory (read to its end), copied before a truncation (the copy resumed at the
    /// checkpoint), or compressed (its rest read through the decoder); when it is nowhere,
    /// that is said. A file no checkpoint knows is new data, read from its start, if it
    /// replaced a checkpointed name or changed after the last look at its pattern
    /// (`lookedAt`, wall-clock nanoseconds by pattern); any other is read from its end, or
    /// from its start with `fromBeginning`. Newer files wait until the older rests are read.
    /// - Parameter readToTheEnd: files an earlier run let go of, read to their end (see
    ///   `readToTheEnd`): an archive of one of them made while stopped is not read again.
    public func start(checkpoints: [FileCheckpoint], lookedAt: [String: Int64] = [:], fromBeginning: Bool,
                      readToTheEnd: [ReadFile] = []) {
        letGoRecently = readToTheEnd.map { ($0.hash, $0.length, $0.path) }
        // A rotation running while this looks (a file renamed between the listing and its
        // opening) would make its files look new: the first look starts over, a few times.
        for attempt in 1...4 {
            renamedMeanwhile = false
            startOnce(checkpoints: checkpoints, lookedAt: lookedAt, fromBeginning: fromBeginning)
            guard renamedMeanwhile && attempt < 4 else { return }
            for file in files where file.fd >= 0 { close(file.fd); file.closed = true }
            files.removeAll()
            notices.removeAll()
            forgotten.removeAll()
            unmatched.removeAll()
            skippedPaths.removeAll()
            usleep(50_000)
        }
    }

    /// Set when a file listed could not be opened as listed (renamed or deleted meanwhile).
    private var renamedMeanwhile = false

    private func startOnce(checkpoints: [FileCheckpoint], lookedAt: [String: Int64], fromBeginning: Bool) {
        let found = expand()
        let foundByID = Dictionary(found.map { ($0.identity, $0) }, uniquingKeysWith: { a, _ in a })
        let checkpointed = Set(checkpoints.map { FileIdentity(device: $0.device, inode: $0.inode) })
        // Found files that a checkpoint of their own identity and content resumes.
        var resumedHere: [FileIdentity: FileCheckpoint] = [:]
        for cp in checkpoints {
            let id = FileIdentity(device: cp.device, inode: cp.inode)
            if let f = foundByID[id], Self.sameFile(cp, path: f.path) { resumedHere[id] = cp }
        }
        var claimed: Set<FileIdentity> = []
        // The files that now hold the unread rest of a checkpointed file: older than anything
        // a new file holds.
        var olderRests: [FileIdentity] = []
        for cp in checkpoints {
            let id = FileIdentity(device: cp.device, inode: cp.inode)
            if let f = foundByID[id], resumedHere[id] != nil, open(f.path, id, resumeAt: cp.offset) != nil {
                claimed.insert(id)
                olderRests.append(id)
                notices.append("\(f.path): resuming at byte \(cp.offset)")
                continue
            }
            // Not under the name the patterns gave (renamed since, even while this ran).
            if let path = Self.locate(id, near: cp.path), Self.sameFile(cp, path: path),
               let file = open(path, id, resumeAt: cp.offset) {
                file.goneSince = 0
                claimed.insert(id)
                olderRests.append(id)
                notices.append("\(path): rotated away while stopped; reading it to its end from byte \(cp.offset)")
                continue
            }
            let copy = findCopy(of: cp, found: found, excluding: claimed.union(resumedHere.keys))
            if let file = resume(cp, from: copy, while: "while stopped") {
                claimed.insert(file.identity)
                olderRests.append(file.identity)
            } else if copy == nil && cp.fingerprintLength > 0 {
                // Looked for again by the next looks at the patterns, in case it was being
                // renamed as this one looked. (A file empty at its checkpoint cannot be
                // recognised, and nothing of it was read: what it holds now is found, by its
                // birth, as new data.)
                unmatched[id] = (cp, 0)
            }
        }
        // Files no checkpoint resumes, those whose lines ended first first.
        let knownPaths = Set(checkpoints.map(\.path))
        var newFiles: [FollowedFile] = []
        let byAge = found.sorted { $0.modified < $1.modified }
        for f in byAge where !claimed.contains(f.identity) {
            // A file under a checkpointed name that is not the checkpointed file replaced it by
            // rotation; a file changed since its pattern was last looked at was not there then.
            let successor = knownPaths.contains(f.path)
            let compressed = Self.isCompressed(f.path)
            let created = lookedAt[f.pattern].map { f.created(after: $0, compressed: compressed) } ?? false
            let fromStart = successor || created || fromBeginning
            let file: FollowedFile
            if (successor || created) && compressed, let original = compressedOriginal(f.path).path {
                // The archive of a file an earlier run read to its end.
                claimed.insert(f.identity)
                notices.append("\(f.path): \(original) compressed; read already")
                continue
            }
            if (successor || created) && compressed {
                // Written and compressed while logwatch was stopped: its lines were never read.
                guard let archive = openArchive(f.path, f.identity, resumeAt: 0) else { continue }
                file = archive
            } else {
                guard let opened = open(f.path, f.identity, resumeAt: fromStart ? 0 : nil) else { continue }
                file = opened
            }
            claimed.insert(f.identity)
            if successor || created {
                file.waitsFor = olderRests + newFiles.map(\.identity)
                newFiles.append(file)
            }
            let from = file.reader.resumePoint
            if successor {
                notices.append("\(f.path): replaced while stopped (rotation); following from its start")
            } else if created {
                notices.append("\(f.path): created while stopped; following from its start")
            } else {
                notices.append("\(f.path): following from \(from == 0 ? "its start" : "its end (byte \(from))")")
            }
        }
        let following = Set(files.map(\.identity))
        for id in checkpointed where !following.contains(id) && unmatched[id] == nil { forgotten.append(id) }
    }

    /// Checkpointed files not found by the first look, by identity, with the number of looks
    /// since that did not find them either.
    private var unmatched: [FileIdentity: (checkpoint: FileCheckpoint, misses: Int)] = [:]

    /// The file `found` names, if it is a checkpointed one the first look missed: resumed at
    /// its checkpoint. Entries missed by two more looks are given up, and said.
    private func resumeUnmatched(_ found: [Found]) -> Set<FileIdentity> {
        guard !unmatched.isEmpty else { return [] }
        var resumed: Set<FileIdentity> = []
        let followed = Set(files.filter { !$0.closed }.map(\.identity))
        for f in found where !followed.contains(f.identity) {
            guard let (cp, _) = unmatched[f.identity], Self.sameFile(cp, path: f.path),
                  open(f.path, f.identity, resumeAt: cp.offset) != nil else { continue }
            unmatched[f.identity] = nil
            resumed.insert(f.identity)
            notices.append("\(f.path): resuming at byte \(cp.offset)")
        }
        for (id, entry) in unmatched {
            if entry.misses >= 2 {
                unmatched[id] = nil
                forgotten.append(id)
                let cp = entry.checkpoint
                notices.append("\(cp.path): the file read to byte \(cp.offset) was rotated away while stopped and is not found in its directory (not under its name, renamed, copied or compressed): any lines it had after that byte are not read")
            } else {
                unmatched[id]?.misses += 1
            }
        }
        return resumed
    }

    /// Where a checkpointed file's content is now, when it is neither under its name nor
    /// renamed: a plain copy (among the files the patterns name, or beside the checkpointed
    /// path), or a compressed file beside it whose decoded start matches.
    private enum Copy {
        case plain(path: String, identity: FileIdentity, named: Bool)
        case compressed(path: String, identity: FileIdentity)
        case unreadable(path: String, reason: String)
    }

    /// Follows the copy that holds the rest of the file `cp` describes, from `cp.offset`: a
    /// plain copy like any followed file (let go once read, if no pattern names it), a
    /// compressed one through the decoder, once. Says what it does, or why it cannot.
    private func resume(_ cp: FileCheckpoint, from copy: Copy?, while when: String) -> FollowedFile? {
        switch copy {
        case .plain(let path, let id, let named):
            guard let file = open(path, id, resumeAt: cp.offset, isCopy: true) else { return nil }
            if !named { file.goneSince = 0 }
            notices.append("\(path): a copy of \(cp.path) as it was (copy-truncate rotation \(when)); reading it from byte \(cp.offset)")
            return file
        case .compressed(let path, let id):
            guard let file = openArchive(path, id, resumeAt: cp.offset, fingerprint: (cp.fingerprint, cp.fingerprintLength)) else { return nil }
            notices.append("\(path): \(cp.path) compressed \(when); reading its rest from byte \(cp.offset) of its content")
            return file
        case .unreadable(let path, let reason):
            notices.append("\(path): may hold \(cp.path) (compressed \(when)), but cannot be decoded (\(reason)): whatever it held after byte \(cp.offset) is not read")
            return nil
        case nil:
            return nil
        }
    }

    /// Reads a compressed file once, through the decoder, from `resumeAt` in its decoded
    /// bytes (its checkpoints count decoded bytes; its fingerprint is of its decoded start).
    private func openArchive(_ path: String, _ id: FileIdentity, resumeAt: Int64,
                             fingerprint: (hash: UInt64, length: Int)? = nil) -> FollowedFile? {
        let reader: LogReader
        do {
            reader = try LogReader(path: path, inputIndex: inputIndex(path), options: options, resumeAt: resumeAt)
        } catch {
            notices.append("\(path): cannot be read (\(error)): whatever it held after byte \(resumeAt) of its content is not read")
            return nil
        }
        // Known again after a restart by the hash of its decoded start, as the file it was.
        let start = fingerprint ?? Self.decodedPrefix(path)
        let file = FollowedFile(identity: id, path: path, inputIndex: reader.inputIndex, fd: -1, reader: reader,
                                fingerprint: start.hash, fingerprintLength: start.length)
        file.isArchive = true
        files.append(file)
        return file
    }

    private static func isCompressed(_ path: String) -> Bool {
        if compressedName(path) { return true }
        guard case .opened(let fd) = openRegular(path) else { return false }
        defer { close(fd) }
        var magic = [UInt8](repeating: 0, count: 4)
        let got = magic.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, 4, 0) }
        return got > 0 && magic.withUnsafeBytes { StreamKind.detect(UnsafeRawBufferPointer(rebasing: $0[0..<got])) } != .plain
    }

    private func findCopy(of cp: FileCheckpoint, found: [Found], excluding: Set<FileIdentity>) -> Copy? {
        guard cp.fingerprintLength > 0 else { return nil } // an empty file cannot be recognised
        for f in found where !excluding.contains(f.identity) && f.size >= cp.offset && !Self.compressedName(f.path) {
            if Self.sameFile(cp, path: f.path) { return .plain(path: f.path, identity: f.identity, named: true) }
        }
        let dir = Self.directory(of: cp.path)
        var siblings: [(path: String, identity: FileIdentity, size: Int64, modified: Int)] = []
        if let d = opendir(dir) {
            while let entry = readdir(d) {
                let name = withUnsafePointer(to: entry.pointee.d_name) { String(cString: UnsafeRawPointer($0).assumingMemoryBound(to: CChar.self)) }
                guard name != "." && name != ".." else { continue }
                let path = (dir == "/" ? "" : dir) + "/" + name
                var st = stat()
                guard stat(path, &st) == 0, (st.st_mode & S_IFMT) == S_IFREG else { continue }
                siblings.append((path, FileIdentity(device: UInt64(st.st_dev), inode: UInt64(st.st_ino)), Int64(st.st_size), st.st_mtim.tv_sec))
            }
            closedir(d)
        }
        // The most recently written first: rotation just made the copy.
        siblings.sort { $0.modified > $1.modified }
        let named = Set(found.map(\.identity))
        var unreadable: Copy?
        for s in siblings where !excluding.contains(s.identity) {
            switch Self.decodedStart(s.path, length: cp.fingerprintLength) {
            case .plain(let hash):
                if hash == cp.fingerprint && s.size >= cp.offset { return .plain(path: s.path, identity: s.identity, named: named.contains(s.identity)) }
            case .compressed(let hash):
                if hash == cp.fingerprint { return .compressed(path: s.path, identity: s.identity) }
            case .undecodable(let reason):
                if unreadable == nil && Self.compressedName(s.path) { unreadable = .unreadable(path: s.path, reason: reason) }
            case .short:
                break
            }
        }
        return unreadable
    }

    private enum DecodedStart {
        case plain(UInt64)
        case compressed(UInt64)
        case short
        case undecodable(String)
    }

    /// The hash of a compressed file's first decoded bytes, up to a fingerprint's length.
    private static func decodedPrefix(_ path: String) -> (hash: UInt64, length: Int) {
        guard let start = try? decodedFirstBytes(path, upTo: Fingerprint.maxLength) else { return (0, 0) }
        return (StableHash.add(start.bytes, to: StableHash.offsetBasis), start.bytes.count)
    }

    /// A compressed file's first decoded bytes, up to `length` (fewer at its end, or where it
    /// is damaged: then with the error).
    /// - Throws: `IngestError` when it cannot be opened.
    private static func decodedFirstBytes(_ path: String, upTo length: Int) throws(IngestError) -> (bytes: [UInt8], damage: (any Error)?) {
        let input = try DecodedInput(path: path)
        var buffer = [UInt8](repeating: 0, count: length)
        var filled = 0
        do {
            while filled < length {
                let n = try buffer.withUnsafeMutableBytes { b throws(IngestError) in
                    try input.read(into: UnsafeMutableRawBufferPointer(rebasing: b[filled...]))
                }
                if n == 0 { break }
                filled += n
            }
        } catch {
            return (Array(buffer[..<filled]), error)
        }
        return (Array(buffer[..<filled]), nil)
    }

    /// The hash of a file's first `length` bytes, decompressed if it is compressed.
    private static func decodedStart(_ path: String, length: Int) -> DecodedStart {
        guard case .opened(let fd) = openRegular(path) else { return .short }
        var magic = [UInt8](repeating: 0, count: 4)
        let got = magic.withUnsafeMutableBytes { pread(fd, $0.baseAddress!, 4, 0) }
        let kind = got > 0 ? magic.withUnsafeBytes { StreamKind.detect(UnsafeRawBufferPointer(rebasing: $0[0..<got])) } : .plain
        if kind == .plain {
            defer { close(fd) }
            return Fingerprint.of(fd, length: length).map(DecodedStart.plain) ?? .short
        }
        close(fd)
        do {
            let start = try decodedFirstBytes(path, upTo: length)
            if let damage = start.damage { return .undecodable("\(damage)") }
            guard start.bytes.count == length else { return .short }
            return .compressed(StableHash.add(start.bytes, to: StableHash.offsetBasis))
        } catch {
            return .undecodable("\(error)")
        }
    }

    private static func compressedName(_ path: String) -> Bool {
        path.hasSuffix(".gz") || path.hasSuffix(".zst") || path.hasSuffix(".bz2") || path.hasSuffix(".xz")
    }

    private static func directory(of path: String) -> String {
        guard let slash = path.lastIndex(of: "/") else { return "." }
        let dir = String(path[..<slash])
        return dir.isEmpty ? "/" : dir
    }

    enum Opening {
        case opened(Int32)
        case notRegular(String)
        case failed(String, code: Int32)
    }

    /// Opens `path` for reading if it is a regular file. Never blocks: a FIFO (or a device)
    /// put where a log was would block `open` until a writer came, so the open is
    /// non-blocking and the descriptor's own type decides, not a `stat` of the name before.
    static func openRegular(_ path: String) -> Opening {
        let fd = Glibc.open(path, O_RDONLY | O_CLOEXEC | O_NONBLOCK | O_NOCTTY)
        guard fd >= 0 else {
            let code = errno
            return .failed(String(cString: strerror(code)), code: code)
        }
        var st = stat()
        guard fstat(fd, &st) == 0 else {
            let reason = String(cString: strerror(errno))
            close(fd)
            return .failed(reason, code: 0)
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
        let previousLooks = lookedAt
        let found = expand()
        var byID: [FileIdentity: String] = [:]
        for f in found { byID[f.identity] = f.path }
        for file in files where !file.closed && !file.isArchive {
            if let path = byID[file.identity] {
                if path != file.path { file.path = path }
                file.goneSince = nil
            } else if file.goneSince == nil {
                file.goneSince = now
                notices.append("\(file.path): rotated away or deleted; reading it to its end")
            }
        }
        let resumed = resumeUnmatched(found)
        let followed = Set(files.filter { !$0.closed }.map(\.identity))
        for f in found where !followed.contains(f.identity) && !resumed.contains(f.identity) && !judgedCompressed.contains(f.identity) {
            if let look = previousLooks[f.pattern], let born = f.born, born > look, Self.isCompressed(f.path) {
                // Created since the last look and compressed already: the compressed form of
                // a file read here (delaycompress), or a file written, rotated and compressed
                // between two looks, whose lines nobody read. One still being written (its
                // stream ends early) is judged at a later look, once whole, for a while.
                let started = compressingSince[f.identity] ?? now
                compressingSince[f.identity] = started
                let original = compressedOriginal(f.path)
                if original.unfinished && now - started < graceSeconds * 3 { continue }
                compressingSince[f.identity] = nil
                judgedCompressed.insert(f.identity)
                if let original = original.path {
                    notices.append("\(f.path): \(original) compressed; read already")
                } else if let file = openArchive(f.path, f.identity, resumeAt: 0) {
                    file.waitsFor = files.filter { !$0.closed && !$0.isArchive }.map(\.identity)
                    notices.append("\(f.path): new, and compressed before it was looked at; reading it through the decoder")
                }
                continue
            }
            if let original = copyOf(f) {
                // copytruncate caught between its copy and its truncation, or a backup copy:
                // what it holds is read from the original. If the original is truncated, the
                // rest of it is read from here (`findCopy`).
                if copies.updateValue(original, forKey: f.identity) == nil {
                    notices.append("\(f.path): a copy of \(original.path) (the same first bytes); not read while that is followed")
                }
                continue
            }
            copies[f.identity] = nil
            if open(f.path, f.identity, resumeAt: 0) != nil {
                notices.append("\(f.path): new file, following from its start")
            }
        }
    }

    /// New files judged copies of a followed one, and the first bytes of what they copy.
    private var copies: [FileIdentity: (path: String, hash: UInt64, length: Int, followed: FileIdentity)] = [:]

    /// The followed file that `f` is a copy of: it starts with that file's first bytes, all
    /// `Fingerprint.maxLength` of them, or is exactly as long as that file's fingerprint (a
    /// shorter file's whole content; a file that goes on growing past it is no copy). Once
    /// its original is let go, read to its end, a copy stays a copy.
    private func copyOf(_ f: Found) -> (path: String, hash: UInt64, length: Int, followed: FileIdentity)? {
        let fd = Glibc.open(f.path, O_RDONLY | O_CLOEXEC | O_NONBLOCK)
        guard fd >= 0 else { return nil }
        defer { close(fd) }
        func starts(_ hash: UInt64, _ length: Int) -> Bool {
            length > 0 && (length == Fingerprint.maxLength || f.size == Int64(length)) && Fingerprint.of(fd, length: length) == hash
        }
        for file in files where !file.closed && !file.isArchive && starts(file.fingerprint, file.fingerprintLength) {
            return (file.path, file.fingerprint, file.fingerprintLength, file.identity)
        }
        if let known = copies[f.identity], !files.contains(where: { $0.identity == known.followed && !$0.closed }), starts(known.hash, known.length) {
            return known
        }
        return nil
    }

    /// Compressed files created while following, judged once (read, or the compressed form of
    /// a file read already).
    private var judgedCompressed: Set<FileIdentity> = []
    /// First bytes of files let go of lately: a compressed file created since may be one of them.
    private var letGoRecently: [(hash: UInt64, length: Int, path: String)] = []
    private var readToTheEndChanged = false

    /// The files let go of lately, read to their end, when that changed since the last call
    /// (nil otherwise): kept with the checkpoints, so that the next run knows their archives.
    public func takeReadToTheEnd() -> [ReadFile]? {
        guard readToTheEndChanged else { return nil }
        readToTheEndChanged = false
        return letGoRecently.map { ReadFile(hash: $0.hash, length: $0.length, path: $0.path) }
    }

    /// Compressed files seen being written, and since when (`now`).
    private var compressingSince: [FileIdentity: Double] = [:]

    /// The file read here (followed, let go of lately, or truncated lately) whose first bytes
    /// the compressed file at `path` starts with when decoded, if any; `unfinished` when its
    /// stream ended early (the compressor is still writing it) before any match.
    private func compressedOriginal(_ path: String) -> (path: String?, unfinished: Bool) {
        guard let decoded = try? Self.decodedFirstBytes(path, upTo: Fingerprint.maxLength) else { return (nil, true) }
        let start = decoded.bytes
        func starts(_ hash: UInt64, _ length: Int) -> Bool {
            length > 0 && length <= start.count && StableHash.add(start[..<length], to: StableHash.offsetBasis) == hash
        }
        let known = files.filter { !$0.closed && !$0.isArchive }.map { ($0.fingerprint, $0.fingerprintLength, $0.path) }
            + letGoRecently + truncatedRecently
        if let match = known.first(where: { starts($0.0, $0.1) }) { return (match.2, false) }
        return (nil, decoded.damage != nil && start.count < Fingerprint.maxLength)
    }

    /// Bytes of the followed file `reader` reads that are not read yet (0 for a compressed one).
    public func bytesBehind(_ reader: LogReader) -> Int64 {
        guard let file = files.first(where: { $0.reader === reader }), file.fd >= 0 else { return 0 }
        var st = stat()
        guard fstat(file.fd, &st) == 0 else { return 0 }
        return max(0, Int64(st.st_size) - reader.bytesRead)
    }

    /// Reads what the files hold, handing each event to `body`, at most `budget` events per
    /// file (so one busy file cannot starve the others or delay a shutdown).
    /// - Returns: the number of events read.
    public func read(budget: Int, now: Double, _ body: (TransactionEvent) -> Void) -> Int {
        var total = 0
        for file in files where !file.closed {
            if !file.isArchive { checkReplaced(file) }
            if !file.waitsFor.isEmpty {
                // Newer lines wait for the older files' rest, or they would make it late.
                if files.contains(where: { file.waitsFor.contains($0.identity) && !$0.closed && !$0.caughtUp }) { continue }
                file.waitsFor = []
            }
            var n = 0
            do {
                while n < budget, let e = try file.reader.next() { body(e); n += 1 }
                file.caughtUp = n < budget
                if file.isArchive && n < budget {
                    letGo(file, "\(file.path): read to its end")
                } else if n < budget, let since = file.goneSince, now - since >= graceSeconds {
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
        if !file.isArchive && file.fingerprintLength > 0 {
            letGoRecently.append((file.fingerprint, file.fingerprintLength, file.path))
            if letGoRecently.count > 64 { letGoRecently.removeFirst() }
            readToTheEndChanged = true
        }
        endedSummary.add(file.reader)
        if file.fd >= 0 { close(file.fd) }
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
            // logrotate's copytruncate copied the file before truncating it: what of it was
            // not read yet is in the copy (plain, or compressed since), and older than what
            // the truncated file gets now.
            let before = file.checkpoint
            let followed = Set(files.filter { !$0.closed }.map(\.identity))
            if let copy = resume(before, from: findCopy(of: before, found: expand(recordingLook: false), excluding: followed), while: "while following") {
                file.waitsFor.append(copy.identity)
            }
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
