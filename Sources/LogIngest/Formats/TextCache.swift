import AnomalyEngine
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Recently seen field texts (principals, paths), so a value repeated across lines costs a hash
/// and a byte comparison instead of a new `String` (a heap allocation past 15 bytes) and, for
/// paths, a new classification.
///
/// Direct-mapped: each text has one slot, chosen by its hash; a collision replaces the entry.
/// Memory is fixed: `capacity` entries of at most `maxBytes` bytes each.
struct TextCache<Extra> {
    private struct Entry {
        var hash: UInt64
        var bytes: [UInt8]
        var text: String?
        var extra: Extra
    }

    private var entries: [Entry?]
    private let mask: Int
    private let maxBytes: Int

    init(capacity: Int = 1024, maxBytes: Int = 256) {
        var size = 1
        while size < capacity { size *= 2 }
        entries = Array(repeating: nil, count: size)
        mask = size - 1
        self.maxBytes = maxBytes
    }

    /// The cached text and extra for `bytes`, or the result of `make` (cached when short enough).
    mutating func value(for bytes: UnsafeRawBufferPointer, make: (UnsafeRawBufferPointer) -> (String?, Extra)) -> (String?, Extra) {
        guard bytes.count <= maxBytes else { return make(bytes) }
        var h: UInt64 = 0xcbf2_9ce4_8422_2325
        for b in bytes { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
        let slot = Int(truncatingIfNeeded: h) & mask
        if let e = entries[slot], e.hash == h, e.bytes.count == bytes.count,
           bytes.isEmpty || e.bytes.withUnsafeBytes({ memcmp($0.baseAddress!, bytes.baseAddress!, bytes.count) == 0 }) {
            return (e.text, e.extra)
        }
        let made = make(bytes)
        entries[slot] = Entry(hash: h, bytes: Array(bytes), text: made.0, extra: made.1)
        return made
    }
}
