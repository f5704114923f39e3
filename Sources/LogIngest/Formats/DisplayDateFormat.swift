import LogwatchCore

/// A date and time format as ServiceNow's users set theirs (Java notation: `dd/MM/yyyy HH:mm:ss`,
/// `MM-dd-yyyy hh:mm:ss a`), for exports made with display values, whose times are written in
/// the exporting user's format and time zone rather than as UTC.
///
/// Letters: `yyyy` year, `MM` month, `dd` day, `HH` hour 0-23, `hh` hour 1-12 with `a` (AM or
/// PM), `mm` minutes, `ss` seconds, `SSS` milliseconds; numbers may have one digit fewer than
/// their letters (`5/3/2025`). Anything else must appear as written.
public struct DisplayDateFormat: Sendable, Equatable {
    enum Token: Sendable, Equatable {
        case year, month, day, hour24, hour12, minute, second, millis, meridiem
        case literal(UInt8)
    }

    let tokens: [Token]

    /// Parses a pattern; nil when it lacks a year, month, day, hour or minute, or has `hh` without `a`.
    public init?(_ pattern: String) {
        var tokens: [Token] = []
        let bytes = Array(pattern.utf8)
        var i = 0
        while i < bytes.count {
            let b = bytes[i]
            var run = 1
            while i + run < bytes.count && bytes[i + run] == b { run += 1 }
            switch (b, run) {
            case (UInt8(ascii: "y"), 4): tokens.append(.year)
            case (UInt8(ascii: "M"), 2): tokens.append(.month)
            case (UInt8(ascii: "d"), 2): tokens.append(.day)
            case (UInt8(ascii: "H"), 2): tokens.append(.hour24)
            case (UInt8(ascii: "h"), 2): tokens.append(.hour12)
            case (UInt8(ascii: "m"), 2): tokens.append(.minute)
            case (UInt8(ascii: "s"), 2): tokens.append(.second)
            case (UInt8(ascii: "S"), 3): tokens.append(.millis)
            case (UInt8(ascii: "a"), 1): tokens.append(.meridiem)
            default:
                guard !(b >= 0x41 && b <= 0x5A) && !(b >= 0x61 && b <= 0x7A) else { return nil }
                for _ in 0..<run { tokens.append(.literal(b)) }
            }
            i += run
        }
        let has = { (t: Token) in tokens.contains(t) }
        guard has(.year), has(.month), has(.day), has(.hour24) || has(.hour12), has(.minute),
              has(.hour12) == has(.meridiem) else { return nil }
        self.tokens = tokens
    }

    /// The wall-clock time written in this format, in seconds since the epoch as if it were
    /// UTC, and its milliseconds; nil when the text does not match.
    func parse(_ s: UnsafeRawBufferPointer) -> (local: Int64, millis: Int64)? {
        var i = 0
        var y = 0, mo = 0, d = 0, h = 0, mi = 0, se = 0, ms = 0
        var pm: Bool?
        func number(_ maxDigits: Int) -> Int? {
            var v = 0, n = 0
            while n < maxDigits, i < s.count, s[i] >= 48, s[i] <= 57 { v = v * 10 + Int(s[i] - 48); i += 1; n += 1 }
            return n >= max(1, maxDigits - 1) ? v : nil
        }
        for t in tokens {
            switch t {
            case .year: guard let v = number(4) else { return nil }; y = v
            case .month: guard let v = number(2) else { return nil }; mo = v
            case .day: guard let v = number(2) else { return nil }; d = v
            case .hour24, .hour12: guard let v = number(2) else { return nil }; h = v
            case .minute: guard let v = number(2) else { return nil }; mi = v
            case .second: guard let v = number(2) else { return nil }; se = v
            case .millis: guard let v = number(3) else { return nil }; ms = v
            case .meridiem:
                guard i + 1 < s.count else { return nil }
                let a = s[i] | 0x20, m = s[i + 1] | 0x20
                guard m == UInt8(ascii: "m"), a == UInt8(ascii: "a") || a == UInt8(ascii: "p") else { return nil }
                pm = a == UInt8(ascii: "p")
                i += 2
            case .literal(let c):
                guard i < s.count, s[i] == c else { return nil }
                i += 1
            }
        }
        guard i == s.count else { return nil }
        if let pm {
            guard (1...12).contains(h) else { return nil }
            h = h % 12 + (pm ? 12 : 0)
        }
        guard (1...12).contains(mo), (1...31).contains(d), (0...23).contains(h), (0...59).contains(mi), (0...60).contains(se),
              y >= 1, y <= 9999 else { return nil }
        return (Int64(EventTime.daysFromCivil(year: y, month: mo, day: d)) * 86400 + Int64(h * 3600 + mi * 60 + se), Int64(ms))
    }
}
