import Foundation

/// Numbers as logwatch prints them, in messages, summaries, reports and JSON.
public enum NumberFormat {
    /// 12,345: counts, with thousands separators.
    public static func grouped<I: BinaryInteger>(_ n: I) -> String {
        let digits = String(n.magnitude)
        var out = ""
        out.reserveCapacity(digits.count + digits.count / 3)
        for (i, ch) in digits.enumerated() {
            if i > 0 && (digits.count - i) % 3 == 0 { out.append(",") }
            out.append(ch)
        }
        return n < 0 ? "-" + out : out
    }

    /// For alert messages: whole numbers grouped (`1,204`), others with one decimal (`14.7`).
    public static func message(_ v: Double) -> String {
        if v == v.rounded() && abs(v) < 1e15 { return grouped(Int64(v)) }
        let tenths = (v * 10).rounded() / 10
        return tenths == tenths.rounded() ? message(tenths) : String(tenths)
    }

    /// For JSON and machine-read text: at most three decimals, whole numbers without a
    /// fraction, never an exponent.
    public static func decimal(_ v: Double) -> String {
        // From 1e15 on a Double has no thousandths to keep, and past 1e16 it prints with an
        // exponent and may not fit an Int64: all its digits.
        guard abs(v) < 1e15 else { return String(format: "%.0f", v) }
        let rounded = (v * 1000).rounded() / 1000
        return rounded == rounded.rounded() ? String(Int64(rounded)) : String(rounded)
    }

    /// `1 event`, `2 events`: a grouped count and its noun, singular for one.
    public static func count<I: BinaryInteger>(_ n: I, _ singular: String, _ plural: String? = nil) -> String {
        grouped(n) + " " + (n == 1 ? singular : plural ?? singular + "s")
    }
}
