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
final class TextCache<Extra> {
    /// Per slot: the hash of the bytes held (0 for an empty slot), their length, the text and
    /// the extra. The bytes themselves are in `arena`, `maxBytes` per slot.
    private var hashes: [UInt64]
    private var lengths: [Int]
    private var texts: [String?]
    private var extras: [Extra?]
    private let arena: UnsafeMutableRawPointer
    private let mask: Int
    private let maxBytes: Int

    init(capacity: Int = 1024, maxBytes: Int = 256) {
        var size = 1
        while size < capacity { size *= 2 }
        hashes = Array(repeating: 0, count: size)
        lengths = Array(repeating: 0, count: size)
        texts = Array(repeating: nil, count: size)
        extras = Array(repeating: nil, count: size)
        arena = .allocate(byteCount: size * maxBytes, alignment: 8)
        mask = size - 1
        self.maxBytes = maxBytes
    }

    deinit { arena.deallocate() }

    /// The cached text and extra for `bytes`, or the result of `make` (cached when short enough).
    func value(for bytes: UnsafeRawBufferPointer, make: (UnsafeRawBufferPointer) -> (String?, Extra)) -> (String?, Extra) {
        let n = bytes.count
        guard n <= maxBytes, n > 0 else { return make(bytes) }
        let h = FastHash.bytes(bytes) | 1
        let slot = Int(truncatingIfNeeded: h) & mask
        let stored = arena + slot * maxBytes
        if hashes[slot] == h, lengths[slot] == n, memcmp(stored, bytes.baseAddress!, n) == 0 {
            return (texts[slot], extras[slot]!)
        }
        let made = make(bytes)
        stored.copyMemory(from: bytes.baseAddress!, byteCount: n)
        hashes[slot] = h
        lengths[slot] = n
        texts[slot] = made.0
        extras[slot] = made.1
        return made
    }
}
