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
///
/// A slot's hash, length, text and extra are one entry, and a pair's two entries are adjacent:
/// a hit reads one cache line of entries and one of bytes. (Kept in five arrays, a lookup read
/// five lines, and the reading thread spent a tenth of its time here.) The entries are in
/// memory allocated once and indexed within `pairMask`, so no bounds or uniqueness checks.
final class TextCache<Extra> {
    private struct Entry {
        /// The hash of the bytes held (0 for an empty slot) and their length.
        var hash: UInt64 = 0
        var length = 0
        /// The text's `storeHash` (0 for none), for the detectors' stores.
        var textHash: UInt32 = 0
        var text: String?
        var extra: Extra?
    }

    private let entries: UnsafeMutablePointer<Entry>
    /// Per pair: which of its two slots was used last (0 or 1).
    private let recent: UnsafeMutablePointer<UInt8>
    /// The bytes of each slot's text, `maxBytes` per slot.
    private let arena: UnsafeMutableRawPointer
    private let size: Int
    private let pairMask: Int
    private let maxBytes: Int

    init(capacity: Int = 1024, maxBytes: Int = 256) {
        var size = 2
        while size < capacity { size *= 2 }
        self.size = size
        entries = .allocate(capacity: size)
        entries.initialize(repeating: Entry(), count: size)
        recent = .allocate(capacity: size / 2)
        recent.initialize(repeating: 0, count: size / 2)
        arena = .allocate(byteCount: size * maxBytes, alignment: 8)
        pairMask = size / 2 - 1
        self.maxBytes = maxBytes
    }

    deinit {
        entries.deinitialize(count: size)
        entries.deallocate()
        recent.deallocate()
        arena.deallocate()
    }

    /// The cached text and extra for `bytes`, or the result of `make` (cached when short enough).
    func value(for bytes: UnsafeRawBufferPointer, make: (UnsafeRawBufferPointer) -> (String?, Extra)) -> (String?, Extra) {
        let found = valueAndHash(for: bytes, make: make)
        return (found.text, found.extra)
    }

    /// `value(for:make:)` and the text's `storeHash` (0 when there is no text), cached with it.
    @inline(__always)
    func valueAndHash(for bytes: UnsafeRawBufferPointer, make: (UnsafeRawBufferPointer) -> (String?, Extra)) -> (text: String?, hash: UInt32, extra: Extra) {
        let n = bytes.count
        guard n <= maxBytes, n > 0 else {
            let made = make(bytes)
            return (made.0, Self.hash(made.0), made.1)
        }
        let h = FastHash.bytes(bytes) | 1
        let pair = Int(truncatingIfNeeded: h) & pairMask
        for way in 0..<2 {
            let slot = pair * 2 + way
            let e = entries + slot
            if e.pointee.hash == h, e.pointee.length == n, ByteCursor.sameBytes(arena + slot * maxBytes, bytes.baseAddress!, count: n) {
                recent[pair] = UInt8(way)
                return (e.pointee.text, e.pointee.textHash, e.pointee.extra!)
            }
        }
        let made = make(bytes)
        let way = 1 - Int(recent[pair])
        let slot = pair * 2 + way
        (arena + slot * maxBytes).copyMemory(from: bytes.baseAddress!, byteCount: n)
        let textHash = Self.hash(made.0)
        entries[slot] = Entry(hash: h, length: n, textHash: textHash, text: made.0, extra: made.1)
        recent[pair] = UInt8(way)
        return (made.0, textHash, made.1)
    }

    /// The hash of the text made, not of the bytes: they differ where the bytes are not UTF-8.
    private static func hash(_ text: String?) -> UInt32 {
        guard let text else { return 0 }
        return UInt32(truncatingIfNeeded: text.storeHash)
    }
}
