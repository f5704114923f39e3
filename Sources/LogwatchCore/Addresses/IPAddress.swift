/// An IPv4 or IPv6 address as a 128-bit integer.
///
/// IPv4 addresses are stored IPv4-mapped (`::ffff:a.b.c.d`), so an IPv4-mapped IPv6
/// address and the plain IPv4 address are the same value and print the same way.
public struct IPAddress: Hashable, Comparable, Sendable {
    public var high: UInt64
    public var low: UInt64

    @inlinable
    public init(high: UInt64, low: UInt64) {
        self.high = high
        self.low = low
    }

    @inlinable
    public init(ipv4: UInt32) {
        high = 0
        low = 0xffff_0000_0000 | UInt64(ipv4)
    }

    @inlinable
    public var isIPv4: Bool { high == 0 && (low >> 32) == 0xffff }

    /// One word into the hasher rather than two: dictionaries keyed by address hash half as
    /// many bytes. Equal addresses feed equal words.
    @inlinable
    public func hash(into hasher: inout Hasher) {
        hasher.combine(high &* 0x9E37_79B9_7F4A_7C15 ^ low)
    }

    @inlinable
    public static func == (a: IPAddress, b: IPAddress) -> Bool { a.high == b.high && a.low == b.low }

    @inlinable
    public var ipv4Value: UInt32 { UInt32(truncatingIfNeeded: low) }

    @inlinable
    public static func < (a: IPAddress, b: IPAddress) -> Bool {
        a.high != b.high ? a.high < b.high : a.low < b.low
    }

    /// The address with every bit after the first `bits` (of 128) cleared.
    @inlinable
    public func masked(toPrefix bits: Int) -> IPAddress {
        let bits = max(0, min(128, bits))
        if bits >= 128 { return self }
        if bits >= 64 {
            let keep = bits - 64
            let mask: UInt64 = keep == 0 ? 0 : ~UInt64(0) << (64 - keep)
            return IPAddress(high: high, low: low & mask)
        }
        let mask: UInt64 = bits == 0 ? 0 : ~UInt64(0) << (64 - bits)
        return IPAddress(high: high & mask, low: 0)
    }

    /// Parses dotted IPv4 or RFC 4291 IPv6 text (with `::`, embedded IPv4, and a zone
    /// index after `%`, which is dropped). Returns nil for anything else.
    public init?(_ text: String) {
        var text = text
        guard let parsed = text.withUTF8({ IPAddress(utf8: UnsafeRawBufferPointer($0)) }) else { return nil }
        self = parsed
    }

    /// Parses an address straight from bytes, without allocating.
    /// - Complexity: O(n) in the length of `utf8`.
    public init?(utf8 bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty, bytes.count <= 64 else { return nil }
        var hasColon = false
        for b in bytes where b == UInt8(ascii: ":") { hasColon = true; break }
        if hasColon {
            guard let v6 = IPAddress.parseIPv6(bytes) else { return nil }
            self = v6
        } else {
            guard let v4 = IPAddress.parseIPv4(bytes) else { return nil }
            self.init(ipv4: v4)
        }
    }

    /// Dotted IPv4 text, exactly (no leading zeros, no port), as a 32-bit integer.
    public static func parseIPv4(_ bytes: UnsafeRawBufferPointer) -> UInt32? {
        // Octet by octet rather than byte by byte with counters: this runs once per line.
        let n = bytes.count
        guard n >= 7 && n <= 15 else { return nil }
        var value: UInt32 = 0
        var p = 0
        for part in 0..<4 {
            guard p < n else { return nil }
            let d0 = bytes[p] &- 0x30
            guard d0 <= 9 else { return nil }
            var octet = UInt32(d0)
            p += 1
            if p < n, case let d1 = bytes[p] &- 0x30, d1 <= 9 {
                // "01" style leading zeros are ambiguous (octal in some parsers): refuse them.
                guard d0 != 0 else { return nil }
                octet = octet * 10 + UInt32(d1)
                p += 1
                if p < n, case let d2 = bytes[p] &- 0x30, d2 <= 9 {
                    octet = octet * 10 + UInt32(d2)
                    p += 1
                    guard octet <= 255 else { return nil }
                }
            }
            value = value << 8 | octet
            if part < 3 {
                guard p < n, bytes[p] == UInt8(ascii: ".") else { return nil }
                p += 1
            }
        }
        return p == n ? value : nil
    }

    static func parseIPv6(_ input: UnsafeRawBufferPointer) -> IPAddress? {
        var end = input.count
        // Drop a zone index ("fe80::1%eth0").
        for i in 0..<input.count where input[i] == UInt8(ascii: "%") { end = i; break }
        guard end >= 2 else { return nil }
        var groups = [UInt16](repeating: 0, count: 8)
        var count = 0
        var doubleColonAt = -1
        var i = 0
        if input[0] == UInt8(ascii: ":") {
            guard input[1] == UInt8(ascii: ":") else { return nil }
            doubleColonAt = 0
            i = 2
            if i == end { return IPAddress(high: 0, low: 0) }
        }
        while i < end {
            // Parse one group, or an embedded IPv4 address at the end.
            let start = i
            var value: UInt32 = 0
            var digits = 0
            while i < end, let h = hexValue(input[i]) {
                value = value << 4 | UInt32(h)
                digits += 1
                i += 1
                if digits > 4 { return nil }
            }
            if i < end && input[i] == UInt8(ascii: ".") {
                // Embedded IPv4 takes the last two groups.
                guard count <= 6, let v4 = parseIPv4(UnsafeRawBufferPointer(rebasing: input[start..<end])) else { return nil }
                groups[count] = UInt16(v4 >> 16)
                groups[count + 1] = UInt16(v4 & 0xffff)
                count += 2
                i = end
                break
            }
            guard digits > 0, count < 8 else { return nil }
            groups[count] = UInt16(value)
            count += 1
            if i == end { break }
            guard input[i] == UInt8(ascii: ":") else { return nil }
            i += 1
            if i < end && input[i] == UInt8(ascii: ":") {
                guard doubleColonAt < 0 else { return nil }
                doubleColonAt = count
                i += 1
                if i == end { break }
            } else if i == end {
                return nil // trailing single colon
            }
        }
        if doubleColonAt >= 0 {
            guard count < 8 else { return nil }
            let tail = count - doubleColonAt
            var expanded = [UInt16](repeating: 0, count: 8)
            for k in 0..<doubleColonAt { expanded[k] = groups[k] }
            for k in 0..<tail { expanded[8 - tail + k] = groups[doubleColonAt + k] }
            groups = expanded
        } else if count != 8 {
            return nil
        }
        var high: UInt64 = 0
        var low: UInt64 = 0
        for k in 0..<4 { high = high << 16 | UInt64(groups[k]) }
        for k in 4..<8 { low = low << 16 | UInt64(groups[k]) }
        return IPAddress(high: high, low: low)
    }

    /// The value of one hex digit (shared with LogIngest's JSON escapes).
    @inline(__always)
    package static func hexValue(_ b: UInt8) -> UInt8? {
        switch b {
        case 0x30...0x39: return b - 0x30
        case 0x41...0x46: return b - 0x41 + 10
        case 0x61...0x66: return b - 0x61 + 10
        default: return nil
        }
    }
}

extension IPAddress: CustomStringConvertible {
    /// Canonical text: dotted quad for IPv4, RFC 5952 for IPv6 (lower case, the longest
    /// run of two or more zero groups shortened to `::`).
    public var description: String {
        if isIPv4 {
            let v = ipv4Value
            return "\(v >> 24).\((v >> 16) & 0xff).\((v >> 8) & 0xff).\(v & 0xff)"
        }
        var groups = [UInt16](repeating: 0, count: 8)
        for k in 0..<4 { groups[k] = UInt16(truncatingIfNeeded: high >> (48 - 16 * UInt64(k))) }
        for k in 0..<4 { groups[4 + k] = UInt16(truncatingIfNeeded: low >> (48 - 16 * UInt64(k))) }
        var bestStart = -1, bestLength = 0, runStart = -1
        for k in 0...8 {
            if k < 8 && groups[k] == 0 {
                if runStart < 0 { runStart = k }
            } else if runStart >= 0 {
                let length = k - runStart
                if length > bestLength && length >= 2 { bestStart = runStart; bestLength = length }
                runStart = -1
            }
        }
        var out = ""
        var k = 0
        while k < 8 {
            if k == bestStart {
                out += "::"
                k += bestLength
                continue
            }
            if !out.isEmpty && !out.hasSuffix(":") { out += ":" }
            out += String(groups[k], radix: 16)
            k += 1
        }
        return out
    }
}

/// A network in CIDR notation, IPv4 or IPv6.
public struct IPNetwork: Hashable, Sendable, CustomStringConvertible {
    /// The network address, with host bits cleared.
    public let address: IPAddress
    /// Prefix length in the 128-bit space (an IPv4 /24 is 120 here).
    public let prefixLength128: Int

    public init(containing address: IPAddress, prefixLength128: Int) {
        self.address = address.masked(toPrefix: prefixLength128)
        self.prefixLength128 = prefixLength128
    }

    /// Parses `10.0.0.0/8`, `2001:db8::/32` or a bare address (a host network).
    public init?(_ text: String) {
        let parts = text.split(separator: "/", omittingEmptySubsequences: false)
        guard parts.count == 1 || parts.count == 2, let address = IPAddress(String(parts[0])) else { return nil }
        var prefix = address.isIPv4 ? 32 : 128
        if parts.count == 2 {
            guard let p = Int(parts[1]), p >= 0, p <= prefix, !parts[1].hasPrefix("+") else { return nil }
            prefix = p
        }
        self.init(containing: address, prefixLength128: address.isIPv4 ? 96 + prefix : prefix)
    }

    @inlinable
    public func contains(_ ip: IPAddress) -> Bool {
        ip.masked(toPrefix: prefixLength128) == address
    }

    public var description: String {
        address.isIPv4 && prefixLength128 >= 96 ? "\(address)/\(prefixLength128 - 96)" : "\(address)/\(prefixLength128)"
    }
}
