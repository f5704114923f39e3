import LogwatchCore
import Histogram

/// What one time bucket of traffic holds.
public struct BucketCounts: Sendable {
    public var byProtocol: [Int64] = [Int64](repeating: 0, count: APIProtocol.allCases.count)
    public var authFailures: Int64 = 0
    public var errors: Int64 = 0
    /// Durations in tenths of a millisecond; nil until the bucket sees its first duration.
    public var durations: Histogram<UInt64>?

    public var requests: Int64 { byProtocol.reduce(0, +) }

    mutating func merge(_ other: BucketCounts) {
        for i in byProtocol.indices { byProtocol[i] += other.byProtocol[i] }
        authFailures += other.authFailures
        errors += other.errors
        if let d = other.durations {
            if durations == nil { durations = d } else { durations!.add(d) }
        }
    }
}

/// Durations are kept in tenths of a millisecond, from 0.1 ms to one hour (longer ones count
/// as one hour), with two significant digits: about 20 KB per histogram.
enum DurationScale {
    static let unitsPerMillisecond = 10.0
    static let highest: UInt64 = 36_000_000

    static func units(_ ms: Double) -> UInt64? {
        guard ms.isFinite, ms >= 0 else { return nil }
        let v = ms * unitsPerMillisecond
        return v >= Double(highest) ? highest : UInt64(v)
    }

    static func milliseconds(_ units: UInt64) -> Double { Double(units) / unitsPerMillisecond }

    static func histogram() -> Histogram<UInt64> {
        Histogram<UInt64>(lowestDiscernibleValue: 1, highestTrackableValue: highest, numberOfSignificantValueDigits: .two)
    }
}

/// Traffic counted in time buckets whose width grows with the time range, so that a year of
/// logs takes no more buckets than an hour does.
///
/// Buckets start one minute wide. Whenever the range would need more than `maxBuckets`, the
/// width moves up a ladder of sensible sizes (each a multiple of the one before, so buckets
/// merge exactly) until it fits. Memory is bounded by `maxBuckets` whatever the input.
public struct TimeBuckets: Sendable {
    /// Bucket widths in milliseconds: 1, 5, 15, 30 min; 1, 3, 6, 12 h; 1, 7, 28, 364 days.
    public static let ladder: [Int64] = [1, 5, 15, 30, 60, 180, 360, 720, 1440, 10_080, 40_320, 524_160].map { Int64($0) * 60_000 }

    public let maxBuckets: Int
    public private(set) var width: Int64 = ladder[0]
    private var buckets: [Int64: BucketCounts] = [:]
    private var lowIndex = Int64.max
    private var highIndex = Int64.min

    public init(maxBuckets: Int = 480) {
        self.maxBuckets = max(8, maxBuckets)
    }

    public var isEmpty: Bool { buckets.isEmpty }

    /// Start time of the first bucket and the number of buckets from it to the last one.
    public var span: (start: Int64, count: Int) {
        guard !buckets.isEmpty else { return (0, 0) }
        return (lowIndex * width, Int(highIndex - lowIndex + 1))
    }

    /// The bucket at `offset` from the first one (empty buckets are zeros).
    public subscript(offset: Int) -> BucketCounts {
        buckets[lowIndex + Int64(offset)] ?? BucketCounts()
    }

    private static func index(_ time: Int64, _ width: Int64) -> Int64 {
        time >= 0 ? time / width : -((-time + width - 1) / width)
    }

    /// Counts the event; false (and not counted) only when even the widest bucket could not
    /// fit it in the range with the others (events thousands of years apart).
    @discardableResult
    public mutating func add(_ event: TransactionEvent) -> Bool {
        var i = Self.index(event.time, width)
        if i < lowIndex || i > highIndex {
            let low = min(lowIndex, i), high = max(highIndex, i)
            if high - low + 1 > Int64(maxBuckets) {
                coarsen(toFit: min(low * width, event.time), max((high + 1) * width - 1, event.time))
                i = Self.index(event.time, width)
                if max(highIndex, i) - min(lowIndex, i) + 1 > Int64(maxBuckets) { return false }
            }
            lowIndex = min(lowIndex, i)
            highIndex = max(highIndex, i)
        }
        buckets[i, default: BucketCounts()].count(event)
        return true
    }

    private mutating func coarsen(toFit start: Int64, _ end: Int64) {
        var next = width
        for w in Self.ladder where w > width {
            next = w
            if Self.index(end, w) - Self.index(start, w) + 1 <= Int64(maxBuckets) { break }
        }
        guard next != width else { return }
        var merged: [Int64: BucketCounts] = [:]
        for (i, b) in buckets {
            merged[Self.index(i * width, next), default: BucketCounts()].merge(b)
        }
        buckets = merged
        width = next
        if buckets.isEmpty {
            lowIndex = .max; highIndex = .min
        } else {
            lowIndex = buckets.keys.min()!
            highIndex = buckets.keys.max()!
        }
    }
}

extension BucketCounts {
    mutating func count(_ event: TransactionEvent) {
        byProtocol[Int(event.apiProtocol.rawValue)] += 1
        switch event.outcome {
        case .authFailure: authFailures += 1
        case .error, .denied: errors += 1
        case .success, .challenge, .unauthenticated, .unknown: break
        }
        if let ms = event.durationMs, let units = DurationScale.units(ms) {
            if durations == nil { durations = DurationScale.histogram() }
            _ = durations!.record(units)
        }
    }
}
