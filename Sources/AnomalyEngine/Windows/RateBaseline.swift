import LogwatchCore
import Foundation

/// A count over a sliding window, and what is usual for it: the mean count per window (an EWMA
/// that starts as a plain average) and a slowly forgotten peak.
///
/// The baseline learns from whole buckets of `window` minutes that end before the window being
/// judged, so the surge under judgement never raises its own bar; it is frozen while an
/// incident is open.
struct RateBaseline {
    private var minutes: MinuteRing
    /// The last few buckets' counts, tagged with their bucket index.
    private var bucketIndex = Four<Int64>(Int64.min)
    private var bucketCount = Four<UInt32>(0)
    private var lastFolded: Int64 = Int64.min
    private(set) var mean = 0.0
    private(set) var peak = 0.0
    private var folded = 0
    let firstSeen: Int64
    var frozen = false
    /// The minute of the last `add` that counted in its bucket, and that bucket's slot: the
    /// next add in the same minute (most of them) needs no division and no bucket check.
    /// Cleared when learning moves on (`fold`); never saved.
    private var hotMinute = Int64.min
    private var hotSlot = 0
    /// Off only in tests, which compare the two paths.
    var usesHotMinute = true

    init(windowMinutes: Int, firstSeen: Int64) {
        minutes = MinuteRing(capacity: windowMinutes + 8, keepFirstTimes: true)
        self.firstSeen = firstSeen
    }

    @inline(__always)
    static func floorDiv(_ a: Int64, _ b: Int64) -> Int64 {
        a >= 0 ? a / b : -((-a + b - 1) / b)
    }

    /// Inlined for the common case, an event in the minute of the one before, where a call's
    /// prologue and epilogue would be a large share of the work.
    @inline(__always)
    mutating func add(minute: Int64, time: Int64, window: Int, decay: (mean: Double, peak: Double)) {
        if minute == hotMinute && usesHotMinute {
            // The ring's newest minute (only a later minute moves it, and that comes here
            // with another minute), in a bucket not learned from yet.
            minutes.addToNewest(time: time)
            bucketCount[hotSlot] &+= 1
            return
        }
        addToOtherMinute(minute: minute, time: time, window: window, decay: decay)
    }

    @inline(never)
    private mutating func addToOtherMinute(minute: Int64, time: Int64, window: Int, decay: (mean: Double, peak: Double)) {
        hotMinute = Int64.min
        minutes.add(minute, time: time)
        let bucket = Self.floorDiv(minute, Int64(window))
        if lastFolded == Int64.min { lastFolded = bucket - 1 }
        guard bucket > lastFolded else { return } // already learned from; the window still counts it
        let slot = Int(bucket & 3)
        if bucketIndex[slot] != bucket {
            if bucketIndex[slot] != Int64.min && bucketIndex[slot] > lastFolded {
                if bucketIndex[slot] > bucket { return } // older than the ring: too late to learn from
                fold(through: bucketIndex[slot], decay: decay)
            }
            bucketIndex[slot] = bucket
            bucketCount[slot] = 0
        }
        bucketCount[slot] &+= 1
        if minute == minutes.newest {
            hotMinute = minute
            hotSlot = slot
        }
    }

    /// Learns from every bucket up to and including `bucket`.
    mutating func fold(through bucket: Int64, decay: (mean: Double, peak: Double)) {
        guard lastFolded != Int64.min, bucket > lastFolded else { return }
        hotMinute = Int64.min
        var b = lastFolded + 1
        // A long silence is many empty buckets: apply them in closed form.
        while b <= bucket {
            let slot = Int(b & 3)
            let count = bucketIndex[slot] == b ? Double(bucketCount[slot]) : 0
            if count == 0 && bucket - b > 64 && folded > 100 {
                let k = Double(bucket - b)
                if !frozen {
                    mean *= pow(decay.mean, k)
                    peak *= pow(decay.peak, k)
                }
                folded += Int(k)
                b = bucket
                continue
            }
            if !frozen {
                folded += 1
                // A plain average while young, then an EWMA.
                let alpha = max(1 - decay.mean, 1 / Double(folded))
                mean += alpha * (count - mean)
                peak = max(peak * decay.peak, count)
            }
            b += 1
        }
        lastFolded = bucket
    }

    /// The window ending at minute `m` (inclusive), after learning from the buckets before it.
    mutating func window(endingAt m: Int64, window: Int, decay: (mean: Double, peak: Double)) -> Int {
        let start = m - Int64(window) + 1
        fold(through: Self.floorDiv(start, Int64(window)) - 1, decay: decay)
        return minutes.sum(from: start, through: m)
    }

    func earliest(from: Int64, through: Int64) -> Int64? { minutes.earliest(from: from, through: through) }

    func count(minute m: Int64) -> Int { minutes.sum(from: m, through: m) }

    static func decay(_ t: RateThresholds) -> (mean: Double, peak: Double) {
        let bucketSeconds = Double(t.windowMinutes * 60)
        return (pow(0.5, bucketSeconds / Double(max(1, t.baselineHalfLifeSeconds))),
                pow(0.5, bucketSeconds / Double(max(1, t.peakHalfLifeSeconds))))
    }

    /// The count at which the window alerts.
    func threshold(_ t: RateThresholds) -> Double {
        max(Double(t.minCount), t.ratio * mean, t.peakRatio * peak)
    }
}

extension RateBaseline: SnapshotCodable {
    func write(to w: inout SnapshotWriter) {
        w.write(minutes)
        w.array(bucketIndex.elements) { $0.int($1) }
        w.array(bucketCount.elements) { $0.uint(UInt64($1)) }
        w.int(lastFolded)
        w.double(mean)
        w.double(peak)
        w.int(folded)
        w.int(firstSeen)
        w.bool(frozen)
    }

    init(from r: inout SnapshotReader) throws(SnapshotError) {
        minutes = try r.read()
        let indices = try r.array { r throws(SnapshotError) in try r.time() }
        let counts = try r.array { r throws(SnapshotError) in
            guard let c = UInt32(exactly: try r.uint()) else { throw r.fail("bucket count out of range") }
            return c
        }
        guard indices.count == 4, counts.count == 4 else { throw r.fail("baseline without its four buckets") }
        bucketIndex = Four(indices)
        bucketCount = Four(counts)
        lastFolded = try r.time()
        mean = try r.double()
        peak = try r.double()
        folded = try r.intValue()
        firstSeen = try r.time()
        frozen = try r.bool()
    }
}

/// Four values held inline (no array: no allocation, no uniqueness check on each write).
struct Four<T> {
    private var a, b, c, d: T

    init(_ value: T) { (a, b, c, d) = (value, value, value, value) }

    /// `values` has four elements.
    init(_ values: [T]) { (a, b, c, d) = (values[0], values[1], values[2], values[3]) }

    var elements: [T] { [a, b, c, d] }

    subscript(i: Int) -> T {
        get {
            switch i & 3 {
            case 0: a
            case 1: b
            case 2: c
            default: d
            }
        }
        set {
            switch i & 3 {
            case 0: a = newValue
            case 1: b = newValue
            case 2: c = newValue
            default: d = newValue
            }
        }
    }
}
