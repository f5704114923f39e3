/// FNV-1a, 64 bits: a hash that is the same on every platform and in every run (unlike
/// `hashValue` and `FastHash`), for what is stored or compared across processes: alert ids,
/// file fingerprints, and counting distinct values without keeping them.
public enum StableHash {
    public static let offsetBasis: UInt64 = 0xcbf2_9ce4_8422_2325
    public static let prime: UInt64 = 0x100_0000_01b3

    /// Folds `bytes` into `hash` (start from `offsetBasis`).
    @inlinable
    public static func add<Bytes: Sequence<UInt8>>(_ bytes: Bytes, to hash: UInt64) -> UInt64 {
        var h = hash
        for b in bytes { h = (h ^ UInt64(b)) &* prime }
        return h
    }

    /// The hash of a text's UTF-8.
    @inlinable
    public static func of(_ text: String) -> UInt64 {
        // Over the contiguous UTF-8: iterating `utf8` costs several times as much per byte.
        var text = text
        return text.withUTF8 { add($0, to: offsetBasis) }
    }

    /// The hash as 16 hex digits.
    public static func hex(_ h: UInt64) -> String {
        let digits = String(h, radix: 16)
        return String(repeating: "0", count: 16 - digits.count) + digits
    }
}
