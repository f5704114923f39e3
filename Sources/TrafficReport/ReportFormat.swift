import LogwatchCore
import Foundation

/// Numbers, times and durations as the report prints them.
public enum ReportFormat {
    /// 950, 12.3k, 4.5M: for axes.
    static func short(_ v: Double) -> String {
        let a = abs(v)
        if a >= 1e9 { return trim(v / 1e9) + "G" }
        if a >= 1e6 { return trim(v / 1e6) + "M" }
        if a >= 1e4 { return trim(v / 1e3) + "k" }
        return trim(v)
    }

    private static func trim(_ v: Double) -> String {
        if v == v.rounded() { return String(Int64(v)) }
        return String(format: abs(v) < 10 ? "%.2f" : "%.1f", v).replacingOccurrences(of: #"\.?0+$"#, with: "", options: .regularExpression)
    }

    static func percent(_ part: Int64, of whole: Int64) -> String {
        guard whole > 0 else { return "–" }
        return String(format: "%.1f%%", Double(part) * 100 / Double(whole))
    }

    /// 0.4 ms, 38 ms, 1.2 s
    static func duration(_ ms: Double) -> String {
        if ms >= 1000 { return String(format: "%.1f s", ms / 1000) }
        if ms >= 10 { return String(format: "%.0f ms", ms) }
        return String(format: "%.1f ms", ms)
    }

    /// 2025-11-24 06:00 (UTC)
    static func minute(_ t: Int64) -> String {
        let s = EventTime.rfc3339(t)
        return s.count >= 16 ? String(s.prefix(16)).replacingOccurrences(of: "T", with: " ") : s
    }

    /// The time alone when it falls on the same day as `after`, else the full minute.
    static func minute(_ t: Int64, after: Int64) -> String {
        let full = minute(t)
        return full.prefix(10) == minute(after).prefix(10) ? String(full.dropFirst(11)) : full
    }

    static func second(_ t: Int64, after: Int64) -> String {
        let full = second(t)
        return full.prefix(10) == second(after).prefix(10) ? String(full.dropFirst(11)) : full
    }

    static func second(_ t: Int64) -> String {
        let s = EventTime.rfc3339(t)
        return s.count >= 19 ? String(s.prefix(19)).replacingOccurrences(of: "T", with: " ") : s
    }

    static func tickLabel(_ t: Int64, step: Int64) -> String {
        let s = EventTime.rfc3339(t)
        guard s.count >= 16 else { return s }
        let chars = Array(s)
        let date = String(chars[5..<10]), time = String(chars[11..<16])
        if step >= 364 * 86_400_000 { return String(chars[0..<4]) }
        if step >= 86_400_000 { return String(chars[0..<10]) }
        return time == "00:00" ? date : time
    }

    /// 5 min, 3 h, 1 day, 7 days
    static func span(_ ms: Int64) -> String {
        let minutes = ms / 60_000
        if minutes < 60 { return "\(minutes) min" }
        if minutes < 1440 { return "\(minutes / 60) h" }
        let days = minutes / 1440
        return days == 1 ? "1 day" : "\(days) days"
    }

    static func bytes(_ n: Int64) -> String {
        let v = Double(n)
        if v >= 1_073_741_824 { return String(format: "%.2f GiB", v / 1_073_741_824) }
        if v >= 1_048_576 { return String(format: "%.1f MiB", v / 1_048_576) }
        if v >= 1024 { return String(format: "%.1f KiB", v / 1024) }
        return "\(n) B"
    }
}
