import LogwatchCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Two words that hold all the bytes of a text of 1 to 16 bytes, given its length: the
/// first and the last 8 bytes (overlapping when shorter than 16), the first and last 4
/// below 8, and the first, middle and last byte below 4. For longer texts, a summary.
struct TextWords: Equatable {
    var a: UInt64
    var b: UInt64
    init(_ a: UInt64, _ b: UInt64) { self.a = a; self.b = b }

    @inline(__always)
    init(_ bytes: UnsafeRawBufferPointer) {
        let n = bytes.count
        if n >= 8 {
            a = bytes.loadUnaligned(as: UInt64.self)
            b = bytes.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
        } else if n >= 4 {
            a = UInt64(bytes.loadUnaligned(as: UInt32.self))
            b = UInt64(bytes.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self))
        } else {
            a = UInt64(bytes[0]) << 16 | UInt64(bytes[n / 2]) << 8 | UInt64(bytes[n - 1])
            b = 0
        }
    }
}

/// The memory of a two-way set-associative cache (`TextCache`, `AddressCache`): `size`
/// entries in adjacent pairs, allocated once and never grown, and per pair which of its two
/// entries was used last. A hash chooses a pair (`& pairMask`); a miss replaces the other one.
struct TwoWaySets<Entry>: ~Copyable {
    let entries: UnsafeMutablePointer<Entry>
    /// Per pair: which of its two entries was used last (0 or 1).
    let recent: UnsafeMutablePointer<UInt8>
    let size: Int
    let pairMask: Int

    init(capacity: Int, empty: Entry) {
        var size = 2
        while size < capacity { size *= 2 }
        self.size = size
        entries = .allocate(capacity: size)
        entries.initialize(repeating: empty, count: size)
        recent = .allocate(capacity: size / 2)
        recent.initialize(repeating: 0, count: size / 2)
        pairMask = size / 2 - 1
    }

    deinit {
        entries.deinitialize(count: size)
        entries.deallocate()
        recent.deallocate()
    }
}

/// Recently seen field texts (principals, paths), so a value repeated across lines costs a hash
/// and a byte comparison instead of a new `String` (a heap allocation past 15 bytes) and, for
/// paths, a new classification.
///
/// Two-way set-associative: each text may sit in either slot of the pair its hash chooses; a
/// miss replaces the one of the two used less recently, so a few busy texts that collide do
/// not evict each other on every line as in a direct-mapped cache. Memory is fixed:
/// `capacity` entries of at most `maxBytes` bytes each.
///
/// A slot's hash, length, text and extra are one entry, and a pair's two entries are adjacent:
/// a hit reads one cache line of entries and one of bytes, not one line per field. The entries are in
/// memory allocated once and indexed within `pairMask`, so no bounds or uniqueness checks.
final class TextCache<Extra> {
    private struct Entry {
        /// The hash of the bytes held (0 for an empty slot) and their length.
        var hash: UInt64 = 0
        var length: UInt32 = 0
        /// The text's `storeHash` (0 for none), for the detectors' stores.
        var textHash: UInt32 = 0
        /// The bytes' `TextWords`: for texts of at most 16 bytes, all of them, so that a hit
        /// reads this entry and not the arena.
        var words: TextWords = TextWords(0, 0)
        var text: String?
        var extra: Extra?
    }

    private let sets: TwoWaySets<Entry>
    /// The bytes of each slot's text, `maxBytes` per slot.
    private let arena: UnsafeMutableRawPointer
    private let maxBytes: Int
    /// `FastHash.seed`, read once: each read of another module's global goes through its
    /// lazy-initialisation check.
    private let seed = FastHash.seed

    init(capacity: Int = 1024, maxBytes: Int = 256) {
        sets = TwoWaySets(capacity: capacity, empty: Entry())
        arena = .allocate(byteCount: sets.size * maxBytes, alignment: 8)
        self.maxBytes = maxBytes
    }

    deinit {
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
        // Texts of up to 16 bytes (most principals) are hashed and compared as two words,
        // which spares FastHash.bytes and a comparison in the arena (and its cache miss).
        let words = TextWords(bytes)
        let h = (n <= 16 ? FastHash.mix(words.a ^ FastHash.mix(words.b ^ seed ^ UInt64(n))) : FastHash.bytes(bytes)) | 1
        let pair = Int(truncatingIfNeeded: h) & sets.pairMask
        for way in 0..<2 {
            let slot = pair * 2 + way
            let e = sets.entries + slot
            if e.pointee.hash == h, e.pointee.length == UInt32(n), e.pointee.words == words,
               n <= 16 || ByteCursor.sameBytes(arena + slot * maxBytes, bytes.baseAddress!, count: n) {
                sets.recent[pair] = UInt8(way)
                return (e.pointee.text, e.pointee.textHash, e.pointee.extra!)
            }
        }
        let made = make(bytes)
        let way = 1 - Int(sets.recent[pair])
        let slot = pair * 2 + way
        (arena + slot * maxBytes).copyMemory(from: bytes.baseAddress!, byteCount: n)
        let textHash = Self.hash(made.0)
        sets.entries[slot] = Entry(hash: h, length: UInt32(n), textHash: textHash, words: words, text: made.0, extra: made.1)
        sets.recent[pair] = UInt8(way)
        return (made.0, textHash, made.1)
    }

    /// The hash of the text made, not of the bytes: they differ where the bytes are not UTF-8.
    private static func hash(_ text: String?) -> UInt32 {
        guard let text else { return 0 }
        return UInt32(truncatingIfNeeded: text.storeHash)
    }
}

/// Recently seen address texts and the addresses they parse to: integrations call from a few
/// addresses, so most lines repeat a recent one. A hit is a hash of the text's two words and
/// one comparison (no `String`, no arena: an address text of at most 16 bytes is all in its
/// `TextWords`); longer texts (IPv6, lists) are parsed each time.
///
/// Two-way set-associative like `TextCache`, in memory allocated once; a text that is not an
/// address is remembered as none.
final class AddressCache {
    private struct Entry {
        var words = TextWords(0, 0)
        /// The text's length, 0 for an empty slot.
        var length = 0
        var address: IPAddress?
    }

    private let sets: TwoWaySets<Entry>
    private let seed = FastHash.seed

    init(capacity: Int = 2048) {
        sets = TwoWaySets(capacity: capacity, empty: Entry())
    }

    /// The address `bytes` parse to (by `parse`, or as they did when last seen).
    @inline(__always)
    func address(for bytes: UnsafeRawBufferPointer, parse: (UnsafeRawBufferPointer) -> IPAddress?) -> IPAddress? {
        let n = bytes.count
        guard n > 0 && n <= 16 else { return parse(bytes) }
        let words = TextWords(bytes)
        let pair = Int(truncatingIfNeeded: FastHash.mix(words.a ^ FastHash.mix(words.b ^ seed ^ UInt64(n)))) & sets.pairMask
        let e = sets.entries + pair * 2
        if e.pointee.length == n && e.pointee.words == words {
            sets.recent[pair] = 0
            return e.pointee.address
        }
        if e[1].length == n && e[1].words == words {
            sets.recent[pair] = 1
            return e[1].address
        }
        let made = parse(bytes)
        let way = 1 - Int(sets.recent[pair])
        e[way] = Entry(words: words, length: n, address: made)
        sets.recent[pair] = UInt8(way)
        return made
    }
}
