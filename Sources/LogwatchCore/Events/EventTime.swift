/// Calendar arithmetic on event times (milliseconds since the Unix epoch, UTC), without Foundation.
public enum EventTime {
    /// Days since 1970-01-01 for a proleptic Gregorian date (Howard Hinnant's algorithm).
    public static func daysFromCivil(year: Int, month: Int, day: Int) -> Int {
        let y = month <= 2 ? year - 1 : year
        let era = (y >= 0 ? y : y - 399) / 400
        let yoe = y - era * 400
        let mp = (month + 9) % 12
        let doy = (153 * mp + 2) / 5 + day - 1
        let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy
        return era * 146097 + doe - 719468
    }

    public static func civilFromDays(_ z: Int) -> (year: Int, month: Int, day: Int) {
        let z = z + 719468
        let era = (z >= 0 ? z : z - 146096) / 146097
        let doe = z - era * 146097
        let yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365
        let doy = doe - (365 * yoe + yoe / 4 - yoe / 100)
        let mp = (5 * doy + 2) / 153
        let day = doy - (153 * mp + 2) / 5 + 1
        let month = mp < 10 ? mp + 3 : mp - 9
        return (yoe + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    /// RFC 3339 UTC with milliseconds: `2025-11-28T00:00:01.144Z`.
    public static func rfc3339(_ millis: Int64) -> String {
        var buffer = [UInt8]()
        buffer.reserveCapacity(24)
        appendRFC3339(millis, to: &buffer)
        return String(decoding: buffer, as: UTF8.self)
    }

    /// Appends RFC 3339 UTC text with milliseconds to a byte buffer.
    public static func appendRFC3339(_ millis: Int64, to out: inout [UInt8]) {
        let ms = Int(((millis % 1000) + 1000) % 1000)
        let seconds = Int((millis - Int64(ms)) / 1000)
        let days = seconds >= 0 ? seconds / 86400 : (seconds - 86399) / 86400
        let secOfDay = seconds - days * 86400
        let (y, mo, d) = civilFromDays(days)
        func put(_ v: Int, _ width: Int) {
            var digits = [UInt8](repeating: 0x30, count: width)
            var v = v
            for i in stride(from: width - 1, through: 0, by: -1) { digits[i] = UInt8(0x30 + v % 10); v /= 10 }
            out.append(contentsOf: digits)
        }
        if y < 0 || y > 9999 {
            out.append(contentsOf: Array(String(y).utf8))
        } else {
            put(y, 4)
        }
        out.append(UInt8(ascii: "-")); put(mo, 2)
        out.append(UInt8(ascii: "-")); put(d, 2)
        out.append(UInt8(ascii: "T")); put(secOfDay / 3600, 2)
        out.append(UInt8(ascii: ":")); put(secOfDay / 60 % 60, 2)
        out.append(UInt8(ascii: ":")); put(secOfDay % 60, 2)
        out.append(UInt8(ascii: ".")); put(ms, 3)
        out.append(UInt8(ascii: "Z"))
    }
}
