/// Where a followed file had been read to, and how to recognise it again.
public struct FileCheckpoint: Sendable, Equatable {
    public var device: UInt64
    public var inode: UInt64
    /// A hash of the file's first `fingerprintLength` bytes: inodes are reused, contents are not.
    public var fingerprint: UInt64
    public var fingerprintLength: Int
    public var path: String
    /// Every line ending at or before this offset went through the engine, and its alerts out.
    public var offset: Int64

    public init(device: UInt64, inode: UInt64, fingerprint: UInt64, fingerprintLength: Int, path: String, offset: Int64) {
        self.device = device
        self.inode = inode
        self.fingerprint = fingerprint
        self.fingerprintLength = fingerprintLength
        self.path = path
        self.offset = offset
    }
}


/// A followed file read to its end and let go of (rotated away, quiet): its first bytes, so
/// that its archive, made later, is known as read.
public struct ReadFile: Sendable, Equatable {
    public var hash: UInt64
    public var length: Int
    public var path: String

    public init(hash: UInt64, length: Int, path: String) {
        self.hash = hash
        self.length = length
        self.path = path
    }
}
