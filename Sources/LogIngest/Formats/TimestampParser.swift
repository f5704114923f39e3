import LogwatchCore
import Foundation

/// How to read timestamps that carry no UTC offset (`2025-11-28 09:00:00`).
public enum NaiveTimeZone: Sendable, Equatable {
    case utc
    case fixed(seconds: Int)
    case named(TimeZone)

    /// Parses `UTC`, `+02:00`, `-0530`, or an IANA name such as `Europe/Paris`.
    public init?(_ text: String) {
        if text.uppercased() == "UTC" || text == "Z" { self = .utc; return }
        if let first = text.first, first == "+" || first == "-" {
            let digits = text.dropFirst().filter { $0 != ":" }
            guard digits.count == 4, let value = Int(digits) else { return nil }
            let seconds = (value / 100) * 3600 + (value % 100) * 60
            self = .fixed(seconds: first == "-" ? -seconds : seconds)
            return
        }
        guard let zone = TimeZone(identifier: text) else { return nil }
        self = .named(zone)
    }

    /// The offset east of UTC, in seconds, for a wall-clock time given as if it were UTC.
    func offset(forLocalSeconds local: Int64) -> Int64 {
        switch self {
        case .utc: return 0
        case .fixed(let s): return Int64(s)
        case .named(let zone):
            // Two steps resolve the offset around transitions well enough for logs.
            let guess = Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(local))))
            return Int64(zone.secondsFromGMT(for: Date(timeIntervalSince1970: Double(local - guess))))
        }
    }
}

/// Parses a timestamp given by a user (`--since 2025-11-28`, `--until 2025-11-28T12:00:00Z`):
/// any notation logs use, or a bare date (midnight). Naive times are read in `zone`.
public func parseUserTimestamp(_ text: String, zone: NaiveTimeZone = .utc) -> Int64? {
    var text = text
    if text.count == 10, text.dropFirst(4).first == "-" { text += "T00:00:00" }
    var parser = TimestampParser(naiveZone: zone)
    return text.withUTF8 { parser.parse(UnsafeRawBufferPointer($0)) }
}

/// Parses the timestamp notations logs use, straight from bytes, into milliseconds since the epoch.
///
/// Consecutive lines share their second, so the seconds part of the last text is cached.
struct TimestampParser {
    var naiveZone: NaiveTimeZone
    /// The cached text (up to the seconds, 19 or 20 bytes) as three words: bytes 0-7, 8-15
    /// and the last eight (overlapping), so a hit costs three loads and compares.
    private var cachedKey: (UInt64, UInt64, UInt64) = (0, 0, 0)
    private var cachedKeyLength = 0
    private var cachedSeconds: Int64 = 0
    /// The last whole text parsed (16 to 32 bytes) and its result.
    private var lastText: (UInt64, UInt64, UInt64, UInt64) = (0, 0, 0, 0)
    private var lastTextLength = 0
    private var lastResult: Int64 = 0

    /// The format of display-value timestamps, tried before the notations logs use.
    var displayFormat: DisplayDateFormat?

    init(naiveZone: NaiveTimeZone, displayFormat: DisplayDateFormat? = nil) {
        self.naiveZone = naiveZone
        self.displayFormat = displayFormat
    }

    /// Any supported notation: RFC 3339 / ISO 8601 (with `T` or a space), the access-log
    /// form `10/Oct/2023:11:06:56 +0200`, or epoch seconds, milliseconds, microseconds or
    /// nanoseconds (told apart by magnitude), with an optional fraction.
    mutating func parse(_ text: UnsafeRawBufferPointer) -> Int64? {
        // The same text as the last one (a log's lines share their second): the same time.
        let n = text.count
        if n == lastTextLength, n >= 16, n <= 32, Self.words(text) == lastText { return lastResult }
        let result = parseUncached(text)
        if n >= 16, n <= 32, let result {
            lastText = Self.words(text)
            lastTextLength = n
            lastResult = result
        }
        return result
    }

    /// Four 8-byte words covering 16 to 32 bytes (the middle ones may overlap).
    @inline(__always)
    private static func words(_ s: UnsafeRawBufferPointer) -> (UInt64, UInt64, UInt64, UInt64) {
        (s.loadUnaligned(fromByteOffset: 0, as: UInt64.self), s.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
         s.loadUnaligned(fromByteOffset: s.count - 16, as: UInt64.self), s.loadUnaligned(fromByteOffset: s.count - 8, as: UInt64.self))
    }

    private mutating func parseUncached(_ text: UnsafeRawBufferPointer) -> Int64? {
        var s = text
        // Trim quotes, brackets and spaces that some producers keep.
        while let f = s.first, f == 0x20 || f == UInt8(ascii: "[") || f == UInt8(ascii: "\"") { s = UnsafeRawBufferPointer(rebasing: s.dropFirst()) }
        while let l = s.last, l == 0x20 || l == UInt8(ascii: "]") || l == UInt8(ascii: "\"") { s = UnsafeRawBufferPointer(rebasing: s.dropLast()) }
        guard s.count >= 1 else { return nil }
        if let format = displayFormat, let (local, millis) = format.parse(s) {
            return (local - naiveZone.offset(forLocalSeconds: local)) * 1000 + millis
        }
        if s.count >= 19 && s[4] == UInt8(ascii: "-") && s[7] == UInt8(ascii: "-") { return parseISO(s) }
        if s.count >= 20 && s[2] == UInt8(ascii: "/") && s[6] == UInt8(ascii: "/") { return parseCLF(s) }
        return parseEpoch(s)
    }

    @inline(__always)
    private func digits(_ s: UnsafeRawBufferPointer, _ from: Int, _ count: Int) -> Int? {
        var v = 0
        for i in from..<(from + count) {
            let d = Int(s[i]) &- 48
            guard d >= 0 && d <= 9 else { return nil }
            v = v * 10 + d
        }
        return v
    }

    @inline(__always)
    private static func key(_ s: UnsafeRawBufferPointer, _ length: Int) -> (UInt64, UInt64, UInt64) {
        (s.loadUnaligned(fromByteOffset: 0, as: UInt64.self), s.loadUnaligned(fromByteOffset: 8, as: UInt64.self),
         s.loadUnaligned(fromByteOffset: length - 8, as: UInt64.self))
    }

    /// `length` is 19 or 20, and `s` holds at least that many bytes.
    @inline(__always)
    private func cached(_ s: UnsafeRawBufferPointer, _ length: Int) -> Int64? {
        guard length == cachedKeyLength else { return nil }
        let k = Self.key(s, length)
        return k == cachedKey ? cachedSeconds : nil
    }

    private mutating func remember(_ s: UnsafeRawBufferPointer, _ length: Int, _ seconds: Int64) {
        cachedKey = Self.key(s, length)
        cachedKeyLength = length
        cachedSeconds = seconds
    }

    private static func validate(_ y: Int, _ mo: Int, _ d: Int, _ h: Int, _ mi: Int, _ se: Int) -> Bool {
        (1...12).contains(mo) && (1...31).contains(d) && (0...23).contains(h) && (0...59).contains(mi) && (0...60).contains(se) && y >= 1 && y <= 9999
    }

    /// `YYYY-MM-DD[T ]HH:MM:SS[.fff][Z|±HH:MM|±HHMM]`; without an offset, the naive zone applies.
    private mutating func parseISO(_ s: UnsafeRawBufferPointer) -> Int64? {
        guard s[10] == UInt8(ascii: "T") || s[10] == UInt8(ascii: " ") || s[10] == UInt8(ascii: "t"),
              s[13] == UInt8(ascii: ":"), s[16] == UInt8(ascii: ":") else { return nil }
        var local: Int64
        if let hit = cached(s, 19) {
            local = hit
        } else {
            guard let y = digits(s, 0, 4), let mo = digits(s, 5, 2), let d = digits(s, 8, 2),
                  let h = digits(s, 11, 2), let mi = digits(s, 14, 2), let se = digits(s, 17, 2),
                  Self.validate(y, mo, d, h, mi, se) else { return nil }
            local = Int64(EventTime.daysFromCivil(year: y, month: mo, day: d)) * 86400 + Int64(h * 3600 + mi * 60 + se)
            remember(s, 19, local)
        }
        var i = 19
        var millis: Int64 = 0
        if i < s.count && (s[i] == UInt8(ascii: ".") || s[i] == UInt8(ascii: ",")) {
            i += 1
            var scale: Int64 = 100
            let fractionStart = i
            while i < s.count, s[i] >= 48 && s[i] <= 57 {
                millis += Int64(s[i] - 48) * scale
                scale /= 10
                i += 1
            }
            guard i > fractionStart else { return nil }
        }
        if i == s.count {
            return (local - naiveZone.offset(forLocalSeconds: local)) * 1000 + millis
        }
        guard let offset = parseOffset(s, from: i) else { return nil }
        return (local - offset) * 1000 + millis
    }

    /// `Z`, `+HH:MM`, `+HHMM`, `+HH`, or ` UTC`; nil when anything else follows.
    private func parseOffset(_ s: UnsafeRawBufferPointer, from: Int) -> Int64? {
        var i = from
        if i < s.count && s[i] == 0x20 { i += 1 }
        let rest = s.count - i
        if rest == 1 && (s[i] == UInt8(ascii: "Z") || s[i] == UInt8(ascii: "z")) { return 0 }
        if rest == 3 && s[i] == UInt8(ascii: "U") && s[i + 1] == UInt8(ascii: "T") && s[i + 2] == UInt8(ascii: "C") { return 0 }
        guard rest >= 3, s[i] == UInt8(ascii: "+") || s[i] == UInt8(ascii: "-") else { return nil }
        let sign: Int64 = s[i] == UInt8(ascii: "-") ? -1 : 1
        guard let hh = digits(s, i + 1, 2) else { return nil }
        var mm = 0
        if rest == 6 && s[i + 3] == UInt8(ascii: ":") {
            guard let m = digits(s, i + 4, 2) else { return nil }
            mm = m
        } else if rest == 5 {
            guard let m = digits(s, i + 3, 2) else { return nil }
            mm = m
        } else if rest != 3 {
            return nil
        }
        guard hh <= 23, mm <= 59 else { return nil }
        return sign * Int64(hh * 3600 + mm * 60)
    }

    /// `10/Oct/2023:11:06:56 +0200`, optionally with a fraction after the seconds.
    private mutating func parseCLF(_ s: UnsafeRawBufferPointer) -> Int64? {
        guard s[11] == UInt8(ascii: ":"), s[14] == UInt8(ascii: ":"), s[17] == UInt8(ascii: ":") else { return nil }
        var local: Int64
        if let hit = cached(s, 20) {
            local = hit
        } else {
            guard let d = digits(s, 0, 2), let y = digits(s, 7, 4), let h = digits(s, 12, 2),
                  let mi = digits(s, 15, 2), let se = digits(s, 18, 2),
                  let mo = Self.month(s[3], s[4], s[5]), Self.validate(y, mo, d, h, mi, se) else { return nil }
            local = Int64(EventTime.daysFromCivil(year: y, month: mo, day: d)) * 86400 + Int64(h * 3600 + mi * 60 + se)
            remember(s, 20, local)
        }
        var i = 20
        var millis: Int64 = 0
        if i < s.count && s[i] == UInt8(ascii: ".") {
            i += 1
            var scale: Int64 = 100
            while i < s.count, s[i] >= 48 && s[i] <= 57 { millis += Int64(s[i] - 48) * scale; scale /= 10; i += 1 }
        }
        if i == s.count { return (local - naiveZone.offset(forLocalSeconds: local)) * 1000 + millis }
        guard let offset = parseOffset(s, from: i) else { return nil }
        return (local - offset) * 1000 + millis
    }

    private static func month(_ a: UInt8, _ b: UInt8, _ c: UInt8) -> Int? {
        switch (a | 0x20, b | 0x20, c | 0x20) {
        case (0x6A, 0x61, 0x6E): 1   // jan
        case (0x66, 0x65, 0x62): 2   // feb
        case (0x6D, 0x61, 0x72): 3   // mar
        case (0x61, 0x70, 0x72): 4   // apr
        case (0x6D, 0x61, 0x79): 5   // may
        case (0x6A, 0x75, 0x6E): 6   // jun
        case (0x6A, 0x75, 0x6C): 7   // jul
        case (0x61, 0x75, 0x67): 8   // aug
        case (0x73, 0x65, 0x70): 9   // sep
        case (0x6F, 0x63, 0x74): 10  // oct
        case (0x6E, 0x6F, 0x76): 11  // nov
        case (0x64, 0x65, 0x63): 12  // dec
        default: nil
        }
    }

    /// Epoch time as digits with an optional fraction: seconds below 1e11, milliseconds
    /// below 1e14, microseconds below 1e17, nanoseconds above.
    private func parseEpoch(_ s: UnsafeRawBufferPointer) -> Int64? {
        var whole: Int64 = 0
        var i = 0
        var count = 0
        while i < s.count, s[i] >= 48 && s[i] <= 57 {
            guard count < 19 else { return nil }
            whole = whole * 10 + Int64(s[i] - 48)
            i += 1
            count += 1
        }
        guard count > 0 else { return nil }
        var fraction = 0.0
        if i < s.count && s[i] == UInt8(ascii: ".") {
            i += 1
            var scale = 0.1
            while i < s.count, s[i] >= 48 && s[i] <= 57 { fraction += Double(s[i] - 48) * scale; scale /= 10; i += 1 }
        }
        // Numbers in exponent notation (1.7e9) from JSON encoders.
        if i < s.count && (s[i] == UInt8(ascii: "e") || s[i] == UInt8(ascii: "E")) {
            guard let text = String(bytes: s, encoding: .utf8), let value = Double(text), value.isFinite, value >= 0, value < 9e18 else { return nil }
            return Self.millis(fromEpoch: value)
        }
        guard i == s.count else { return nil }
        if whole < 100_000_000_000 { return whole * 1000 + Int64(fraction * 1000) }
        if whole < 100_000_000_000_000 { return whole + Int64(fraction) }
        if whole < 100_000_000_000_000_000 { return whole / 1000 }
        return whole / 1_000_000
    }

    private static func millis(fromEpoch value: Double) -> Int64 {
        if value < 1e11 { return Int64(value * 1000) }
        if value < 1e14 { return Int64(value) }
        if value < 1e17 { return Int64(value / 1000) }
        return Int64(value / 1e6)
    }
}
