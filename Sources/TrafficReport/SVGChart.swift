import LogwatchCore
import Foundation

/// One series of a chart: a value per bucket (nil where there is nothing to draw).
struct ChartSeries {
    var name: String
    var cssClass: String
    var values: [Double?]
}

/// A span of time to mark on a chart: an incident from its start to its end.
struct ChartMark {
    var start: Int64
    var end: Int64
    var cssClass: String
    var title: String
}

/// Inline SVG charts over time buckets: stacked bars or lines, with time and value axes and
/// incidents marked as shaded spans. Everything is computed here; the page runs no script.
struct SVGChart {
    enum Kind { case stackedBars, lines }

    static let width = 1160.0
    static let height = 230.0
    static let left = 64.0, right = 14.0, top = 12.0, bottom = 30.0
    static var plotWidth: Double { width - left - right }
    static var plotHeight: Double { height - top - bottom }

    var kind: Kind
    var label: String
    var series: [ChartSeries]
    /// Start time of the first bucket, the bucket width, and the bucket count.
    var start: Int64
    var bucketWidth: Int64
    var count: Int
    var marks: [ChartMark]
    var unit: (Double) -> String

    private var end: Int64 { start + bucketWidth * Int64(count) }

    private func x(_ t: Int64) -> Double {
        let span = Double(max(1, end - start))
        return Self.left + Double(t - start) / span * Self.plotWidth
    }

    private func maxValue() -> Double {
        var m = 0.0
        if kind == .stackedBars {
            for i in 0..<count { m = max(m, series.reduce(0) { $0 + ($1.values[i] ?? 0) }) }
        } else {
            for s in series { for v in s.values { if let v { m = max(m, v) } } }
        }
        return m
    }

    /// 1, 2, 2.5 or 5 times a power of ten, at least `v`.
    static func niceCeiling(_ v: Double) -> Double {
        guard v > 0 else { return 1 }
        let p = pow(10, floor(log10(v)))
        for f in [1.0, 2.0, 2.5, 5.0, 10.0] where f * p >= v * 0.999_999 { return f * p }
        return 10 * p
    }

    func render() -> String {
        var out = "<svg class=\"chart\" viewBox=\"0 0 \(Int(Self.width)) \(Int(Self.height))\" role=\"img\" aria-label=\"\(TextSafety.html(label))\" preserveAspectRatio=\"xMidYMid meet\">"
        let yMax = Self.niceCeiling(maxValue())
        func y(_ v: Double) -> Double { Self.top + Self.plotHeight * (1 - v / yMax) }
        // Value axis: four steps.
        for step in 0...4 {
            let v = yMax * Double(step) / 4
            let yy = f(y(v))
            out += "<line class=\"grid\" x1=\"\(f(Self.left))\" x2=\"\(f(Self.width - Self.right))\" y1=\"\(yy)\" y2=\"\(yy)\"/>"
            out += "<text class=\"ylabel\" x=\"\(f(Self.left - 6))\" y=\"\(f(y(v) + 4))\">\(TextSafety.html(unit(v)))</text>"
        }
        // Incidents under the data.
        for m in marks {
            let x0 = max(Self.left, x(m.start)), x1 = min(Self.width - Self.right, max(x(m.end), x0 + 2))
            guard x1 > Self.left, x0 < Self.width - Self.right else { continue }
            out += "<g class=\"mark \(m.cssClass)\"><title>\(TextSafety.html(m.title))</title>"
            out += "<rect x=\"\(f(x0))\" y=\"\(f(Self.top))\" width=\"\(f(x1 - x0))\" height=\"\(f(Self.plotHeight))\"/>"
            out += "<line x1=\"\(f(x0))\" x2=\"\(f(x0))\" y1=\"\(f(Self.top))\" y2=\"\(f(Self.top + Self.plotHeight))\"/></g>"
        }
        let slot = Self.plotWidth / Double(max(1, count))
        switch kind {
        case .stackedBars:
            let gap = slot > 4 ? 1.0 : 0
            for s in series.indices {
                out += "<g class=\"series \(series[s].cssClass)\">"
                for i in 0..<count {
                    guard let v = series[s].values[i], v > 0 else { continue }
                    let below = series[..<s].reduce(0) { $0 + ($1.values[i] ?? 0) }
                    let x0 = Self.left + Double(i) * slot
                    out += "<rect x=\"\(f(x0))\" y=\"\(f(y(below + v)))\" width=\"\(f(max(0.5, slot - gap)))\" height=\"\(f(y(below) - y(below + v)))\"/>"
                }
                out += "</g>"
            }
        case .lines:
            for s in series {
                var runs: [[String]] = [[]]
                for i in 0..<count {
                    if let v = s.values[i] {
                        runs[runs.count - 1].append("\(f(Self.left + (Double(i) + 0.5) * slot)),\(f(y(v)))")
                    } else if !runs[runs.count - 1].isEmpty {
                        runs.append([])
                    }
                }
                out += "<g class=\"series \(s.cssClass)\">"
                for run in runs where !run.isEmpty {
                    if run.count == 1 {
                        let xy = run[0].split(separator: ",")
                        out += "<circle cx=\"\(xy[0])\" cy=\"\(xy[1])\" r=\"1.5\"/>"
                    } else {
                        out += "<polyline points=\"\(run.joined(separator: " "))\"/>"
                    }
                }
                out += "</g>"
            }
        }
        // Time axis.
        out += "<line class=\"axis\" x1=\"\(f(Self.left))\" x2=\"\(f(Self.width - Self.right))\" y1=\"\(f(Self.top + Self.plotHeight))\" y2=\"\(f(Self.top + Self.plotHeight))\"/>"
        for (t, text) in timeTicks() where x(t) <= Self.width - Self.right - 18 {
            let xx = f(x(t))
            out += "<line class=\"tick\" x1=\"\(xx)\" x2=\"\(xx)\" y1=\"\(f(Self.top + Self.plotHeight))\" y2=\"\(f(Self.top + Self.plotHeight + 4))\"/>"
            out += "<text class=\"xlabel\" x=\"\(xx)\" y=\"\(f(Self.height - 10))\">\(text)</text>"
        }
        out += "</svg>"
        return out
    }

    /// Ticks on whole hours or days, at most about nine of them.
    private func timeTicks() -> [(Int64, String)] {
        let hour: Int64 = 3_600_000, day = 24 * hour
        let steps: [Int64] = [60_000 * 5, 60_000 * 15, 60_000 * 30, hour, 3 * hour, 6 * hour, 12 * hour, day, 2 * day, 7 * day, 14 * day, 28 * day, 91 * day, 364 * day, 3640 * day]
        let span = end - start
        let step: Int64 = steps.first { span / $0 <= 9 } ?? steps[steps.count - 1]
        var t = (start + step - 1) / step * step
        if start < 0 { t = start - start % step }
        var ticks: [(Int64, String)] = []
        while t <= end && ticks.count < 12 {
            ticks.append((t, ReportFormat.tickLabel(t, step: step)))
            t += step
        }
        return ticks
    }

    private func f(_ v: Double) -> String { String(format: "%.1f", v) }
}
