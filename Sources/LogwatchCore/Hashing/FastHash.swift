/// A fast 64-bit hash of bytes: eight at a time, each folded in by a 128-bit multiply
/// (wyhash's mixing step), starting from a seed drawn at random for each process.
///
/// Principals and addresses come from logs, so from whoever sends requests: with a fixed
/// seed, names chosen to collide would turn every lookup of an open-addressing table into a
/// walk through all of them (hash flooding). The random seed makes collisions unpredictable
/// from outside, as the standard library's per-process SipHash seed does. Nothing depends on
/// the hash values themselves (tables keep slot numbers; snapshots store keys, not hashes).
public enum FastHash {
    /// This process's seed.
    public static let seed = UInt64.random(in: 1...UInt64.max)

    @inlinable @inline(__always)
    public static func mix(_ x: UInt64) -> UInt64 {
        let m = x.multipliedFullWidth(by: 0xA076_1D64_78BD_642F)
        return m.high ^ m.low
    }

    @inlinable
    public static func bytes(_ bytes: UnsafeRawBufferPointer) -> UInt64 {
        let n = bytes.count
        var h: UInt64 = seed ^ UInt64(n)
        var i = 0
        while i + 8 <= n {
            h = mix(h ^ bytes.loadUnaligned(fromByteOffset: i, as: UInt64.self))
            i += 8
        }
        let rest = n - i
        if rest >= 4 {
            // Two overlapping 4-byte loads cover 4 to 7 bytes.
            let a = UInt64(bytes.loadUnaligned(fromByteOffset: i, as: UInt32.self))
            let b = UInt64(bytes.loadUnaligned(fromByteOffset: n - 4, as: UInt32.self))
            h = mix(h ^ (a << 32 | b))
        } else if rest > 0 {
            let tail = UInt64(bytes[i]) << 16 | UInt64(bytes[i + rest / 2]) << 8 | UInt64(bytes[n - 1])
            h = mix(h ^ tail)
        }
        return h
    }
}

extension String {
    /// 32 bits of `FastHash` of the UTF-8 (enough for any table; an event carries it in the
    /// padding of its first cache line, see `TransactionEvent.principalHash`).
    @inlinable
    package var storeHash: UInt64 {
        var text = self
        return text.withUTF8 { UInt64(UInt32(truncatingIfNeeded: FastHash.bytes(UnsafeRawBufferPointer($0)))) }
    }
}
