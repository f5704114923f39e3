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
/// Two-way set-associative: each text may sit in either slot of the pair its hash chooses; a
/// miss replaces the one of the two used less recently. (Direct-mapped, the 306 principals of
/// the benchmark traffic missed on 29% of lines: a few busy ones collided.) Memory is fixed:
/// `capacity` entries of at most `maxBytes` bytes each.
final class TextCache<Extra> {
    /// Per slot: the hash of the bytes held (0 for an empty slot), their length, the text and
    /// the extra. The bytes themselves are in `arena`, `maxBytes` per slot.
    private var hashes: [UInt64]
    private var lengths: [Int]
    private var texts: [String?]
    private var extras: [Extra?]
    /// Per pair: which of its two slots was used last (0 or 1).
    private var recent: [UInt8]
    private let arena: UnsafeMutableRawPointer
    private let pairMask: Int
    private let maxBytes: Int

    init(capacity: Int = 1024, maxBytes: Int = 256) {
        var size = 2
        while size < capacity { size *= 2 }
        hashes = Array(repeating: 0, count: size)
        lengths = Array(repeating: 0, count: size)
        texts = Array(repeating: nil, count: size)
        extras = Array(repeating: nil, count: size)
        recent = Array(repeating: 0, count: size / 2)
        arena = .allocate(byteCount: size * maxBytes, alignment: 8)
        pairMask = size / 2 - 1
        self.maxBytes = maxBytes
    }

    deinit { arena.deallocate() }

    /// The cached text and extra for `bytes`, or the result of `make` (cached when short enough).
    func value(for bytes: UnsafeRawBufferPointer, make: (UnsafeRawBufferPointer) -> (String?, Extra)) -> (String?, Extra) {
        let n = bytes.count
        guard n <= maxBytes, n > 0 else { return make(bytes) }
        let h = FastHash.bytes(bytes) | 1
        let pair = Int(truncatingIfNeeded: h) & pairMask
        for way in 0..<2 {
            let slot = pair * 2 + way
            if hashes[slot] == h, lengths[slot] == n, ByteCursor.sameBytes(arena + slot * maxBytes, bytes.baseAddress!, count: n) {
                recent[pair] = UInt8(way)
                return (texts[slot], extras[slot]!)
            }
        }
        let made = make(bytes)
        let way = 1 - Int(recent[pair])
        let slot = pair * 2 + way
        (arena + slot * maxBytes).copyMemory(from: bytes.baseAddress!, byteCount: n)
        hashes[slot] = h
        lengths[slot] = n
        texts[slot] = made.0
        extras[slot] = made.1
        recent[pair] = UInt8(way)
        return made
    }
}
