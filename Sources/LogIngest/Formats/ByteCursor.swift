#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// A forward-only position in a line's bytes.
struct ByteCursor {
    let bytes: UnsafeRawBufferPointer
    var index = 0

    init(_ bytes: UnsafeRawBufferPointer) { self.bytes = bytes }

    var atEnd: Bool { index >= bytes.count }
    var current: UInt8 { bytes[index] }

    @inline(__always)
    mutating func skipSpaces() {
        while index < bytes.count && (bytes[index] == 0x20 || bytes[index] == 0x09) { index += 1 }
    }

    /// Whether the cursor is at the end or at a space or tab (where a token ends).
    @inline(__always)
    var atSeparator: Bool { index >= bytes.count || bytes[index] == 0x20 || bytes[index] == 0x09 }

    /// Moves past ASCII digits.
    @inline(__always)
    mutating func skipDigits() {
        while index < bytes.count && bytes[index] &- 48 <= 9 { index += 1 }
    }

    /// The bytes up to the next space or tab (or the end).
    @inline(__always)
    mutating func token() -> UnsafeRawBufferPointer {
        let start = index
        // Eight bytes at a time while eight are left (SWAR: a byte equal to a space or a tab
        // sets its high bit in the mask; the lowest set bit is the first such byte).
        while index + 8 <= bytes.count {
            let w = bytes.loadUnaligned(fromByteOffset: index, as: UInt64.self)
            let hits = Self.bytesEqual(w, 0x20) | Self.bytesEqual(w, 0x09)
            if hits != 0 {
                index += hits.littleEndian.trailingZeroBitCount / 8
                return UnsafeRawBufferPointer(rebasing: bytes[start..<index])
            }
            index += 8
        }
        while index < bytes.count && bytes[index] != 0x20 && bytes[index] != 0x09 { index += 1 }
        return UnsafeRawBufferPointer(rebasing: bytes[start..<index])
    }

    /// The high bit of each byte of `word` equal to `byte` (bytes after the first equal one may
    /// also be marked: only the lowest mark is exact, which is all `token` reads).
    @inline(__always)
    static func bytesEqual(_ word: UInt64, _ byte: UInt8) -> UInt64 {
        let x = word ^ (UInt64(byte) &* 0x0101_0101_0101_0101)
        return (x &- 0x0101_0101_0101_0101) & ~x & 0x8080_8080_8080_8080
    }

    /// Whether `count` bytes at `a` and `b` are equal: a word at a time, inline (a call to
    /// memcmp costs more than the comparison for the short keys and names compared per line).
    @inline(__always)
    static func sameBytes(_ a: UnsafeRawPointer, _ b: UnsafeRawPointer, count n: Int) -> Bool {
        if n >= 8 {
            var i = 0
            while i + 8 < n {
                guard a.loadUnaligned(fromByteOffset: i, as: UInt64.self) == b.loadUnaligned(fromByteOffset: i, as: UInt64.self) else { return false }
                i += 8
            }
            // The last word, overlapping the one before when `n` is not a multiple of 8.
            return a.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self) == b.loadUnaligned(fromByteOffset: n - 8, as: UInt64.self)
        }
        if n >= 4 {
            return a.loadUnaligned(as: UInt32.self) == b.loadUnaligned(as: UInt32.self)
                && a.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self) == b.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self)
        }
        for i in 0..<n where a.load(fromByteOffset: i, as: UInt8.self) != b.load(fromByteOffset: i, as: UInt8.self) { return false }
        return true
    }

    /// The bytes up to (not including) `terminator`, consuming it; nil if it never comes.
    @inline(__always)
    mutating func upTo(_ terminator: UInt8) -> UnsafeRawBufferPointer? {
        guard index < bytes.count, let hit = find(terminator, from: index) else { return nil }
        defer { index = hit + 1 }
        return UnsafeRawBufferPointer(rebasing: bytes[index..<hit])
    }

    /// A double-quoted string starting at the cursor, with `\"` and `\\` escapes left in place;
    /// the quotes are consumed. nil if the cursor is not at a quote or it never closes.
    @inline(__always)
    mutating func quoted() -> UnsafeRawBufferPointer? {
        guard index < bytes.count, bytes[index] == UInt8(ascii: "\"") else { return nil }
        let start = index + 1
        var from = start
        while let q = find(UInt8(ascii: "\""), from: from) {
            // Escaped when an odd number of backslashes (inside the string) precede it.
            var backslashes = 0
            while q - backslashes - 1 >= start && bytes[q - backslashes - 1] == UInt8(ascii: "\\") { backslashes += 1 }
            if backslashes % 2 == 0 {
                index = q + 1
                return UnsafeRawBufferPointer(rebasing: bytes[start..<q])
            }
            from = q + 1
        }
        return nil
    }

    /// The index of the first `byte` at or after `from`; memchr is vectorised in glibc.
    @inline(__always)
    private func find(_ byte: UInt8, from: Int) -> Int? {
        guard from < bytes.count, let base = bytes.baseAddress else { return nil }
        guard let hit = memchr(base + from, Int32(byte), bytes.count - from) else { return nil }
        return base.distance(to: UnsafeRawPointer(hit))
    }
}
