/// What an input's bytes are, told from its first bytes (never from its name).
public enum StreamKind: String, Sendable {
    case plain, gzip, zstd

    /// Detects zstd (a frame or a skippable frame) and gzip by their magic numbers.
    /// - Parameter prefix: the first bytes of the input (at least 4 when the input has them).
    package static func detect(_ prefix: UnsafeRawBufferPointer) -> StreamKind {
        if prefix.count >= 4 {
            // zstd frame magic 0xFD2FB528, little-endian.
            if prefix[0] == 0x28 && prefix[1] == 0xB5 && prefix[2] == 0x2F && prefix[3] == 0xFD { return .zstd }
            // zstd skippable frames: 0x184D2A50 ... 0x184D2A5F.
            if prefix[0] & 0xF0 == 0x50 && prefix[1] == 0x2A && prefix[2] == 0x4D && prefix[3] == 0x18 { return .zstd }
        }
        if prefix.count >= 2 && prefix[0] == 0x1F && prefix[1] == 0x8B { return .gzip }
        return .plain
    }
}
