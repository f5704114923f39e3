import Testing
@testable import LogwatchCore

/// FNV-1a, 64 bits, against the published test vectors (Fowler, Noll and Vo's FNV test suite,
/// http://www.isthe.com/chongo/tech/comp/fnv/): alert ids and file fingerprints depend on
/// these values staying the same on every machine and in every release.
@Suite struct StableHashTests {
    @Test(arguments: [
        ("", "cbf29ce484222325"),
        ("a", "af63dc4c8601ec8c"),
        ("foobar", "85944171f73967e8"),
    ])
    func matchesThePublishedVectors(text: String, hex: String) {
        #expect(StableHash.hex(StableHash.of(text)) == hex)
        #expect(StableHash.hex(StableHash.add(Array(text.utf8), to: StableHash.offsetBasis)) == hex)
    }

    @Test func hexIsAlwaysSixteenDigits() {
        #expect(StableHash.hex(0) == "0000000000000000")
        #expect(StableHash.hex(0xabc) == "0000000000000abc")
        #expect(StableHash.hex(UInt64.max) == "ffffffffffffffff")
    }

    @Test func anAlertIdIsTheHashOfDetectorScopeKeyAndStart() {
        let key = AlertKey(principal: "svc_payroll")
        let id = AlertID.make(.unexpectedSourceIP, .principal, key, start: 1_764_000_000_000)
        #expect(id == StableHash.hex(StableHash.of("unexpected_source_ip|principal|principal=svc_payroll|1764000000000")))
        #expect(id != AlertID.make(.unexpectedSourceIP, .principal, key, start: 1_764_000_060_000))
    }
}

@Suite struct FastHashTests {
    /// Every length from 0 to 40 bytes takes a different path through the word, half-word and
    /// tail loads: equal bytes must hash equal wherever they lie in memory, and a change to
    /// any one byte must change the hash.
    @Test func equalBytesHashEqualAndAnyChangedByteChangesTheHash() {
        for n in 0...40 {
            let bytes = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            let shifted = [0xAA] + bytes
            let h = bytes.withUnsafeBytes { FastHash.bytes($0) }
            let h2 = shifted.withUnsafeBytes { FastHash.bytes(UnsafeRawBufferPointer(rebasing: $0[1...])) }
            #expect(h == h2)
            for i in 0..<n {
                var changed = bytes
                changed[i] ^= 0x01
                #expect(changed.withUnsafeBytes { FastHash.bytes($0) } != h, "length \(n), byte \(i)")
            }
        }
    }

    @Test func aPrincipalsStoreHashIsThirtyTwoBitsOfItsFastHash() {
        var text = "svc_hr_sync"
        let full = text.withUTF8 { FastHash.bytes(UnsafeRawBufferPointer($0)) }
        #expect("svc_hr_sync".storeHash == UInt64(UInt32(truncatingIfNeeded: full)))
        #expect(TransactionEvent(time: 0, principal: "svc_hr_sync").principalHash == UInt32(truncatingIfNeeded: full))
        #expect(TransactionEvent(time: 0).principalHash == 0)
    }
}
