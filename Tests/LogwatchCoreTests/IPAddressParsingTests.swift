@testable import LogwatchCore
import Testing
import TestSupport

@Suite struct IPAddressParsingTests {
    /// The first, byte-by-byte parser: the reference the octet-wise one must agree with.
    static func reference(_ bytes: [UInt8]) -> UInt32? {
        var value: UInt32 = 0, octet: UInt32 = 0, digits = 0, parts = 0
        for b in bytes {
            if b >= 0x30 && b <= 0x39 {
                if digits == 1 && octet == 0 { return nil }
                octet = octet * 10 + UInt32(b - 0x30)
                digits += 1
                if digits > 3 || octet > 255 { return nil }
            } else if b == UInt8(ascii: ".") {
                guard digits > 0, parts < 3 else { return nil }
                value = value << 8 | octet
                parts += 1
                octet = 0
                digits = 0
            } else {
                return nil
            }
        }
        guard digits > 0, parts == 3 else { return nil }
        return value << 8 | octet
    }

    static func parse(_ bytes: [UInt8]) -> UInt32? {
        bytes.withUnsafeBytes { IPAddress.parseIPv4($0) }
    }

    @Test func knownAddressesAndRefusals() {
        #expect(Self.parse(Array("10.0.130.121".utf8)) == 0x0A00_8279)
        #expect(Self.parse(Array("0.0.0.0".utf8)) == 0)
        #expect(Self.parse(Array("255.255.255.255".utf8)) == 0xFFFF_FFFF)
        for bad in ["256.1.1.1", "01.2.3.4", "1.2.3", "1.2.3.4.", ".1.2.3.4", "1.2.3.4.5", "1..2.3", "1.2.3.1000", "1.2.3.4 ", "a.b.c.d", "1.2.3.00", ""] {
            #expect(Self.parse(Array(bad.utf8)) == nil, "\(bad)")
        }
    }

    @Test func agreesWithTheByteByByteParser() {
        var g = SeededGenerator(seed: 4)
        let alphabet = Array("0123456789....x".utf8)
        for _ in 0..<200_000 {
            var bytes: [UInt8]
            if Bool.random(using: &g) {
                // Near-addresses: four numbers of 1 to 4 digits, sometimes mangled.
                bytes = Array((0..<4).map { _ in String(Int.random(in: 0...300, using: &g)) }.joined(separator: ".").utf8)
                if Int.random(in: 0..<3, using: &g) == 0 {
                    bytes[Int.random(in: 0..<bytes.count, using: &g)] = alphabet.randomElement(using: &g)!
                }
            } else {
                bytes = (0..<Int.random(in: 0...17, using: &g)).map { _ in alphabet.randomElement(using: &g)! }
            }
            #expect(Self.parse(bytes) == Self.reference(bytes), "\(String(decoding: bytes, as: UTF8.self))")
        }
    }
}
