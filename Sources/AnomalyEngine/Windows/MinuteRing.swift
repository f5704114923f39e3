/// Counts per event-time minute over the last `capacity` minutes, in a fixed ring.
///
/// - Complexity: `add` is O(1) amortised; `sum` is O(window).
struct MinuteRing {
    private var counts: [UInt32]
    /// Earliest event time per minute, when kept (for evidence).
    private var firstTimes: [Int64]
    /// The newest minute the ring holds (its slot is `newest % capacity`).
    private(set) var newest: Int64 = Int64.min

    init(capacity: Int, keepFirstTimes: Bool = false) {
        counts = Array(repeating: 0, count: capacity)
        firstTimes = keepFirstTimes ? Array(repeating: Int64.max, count: capacity) : []
    }

    var capacity: Int { counts.count }

    @inline(__always)
    private func slot(_ minute: Int64) -> Int {
        Int(((minute % Int64(counts.count)) + Int64(counts.count)) % Int64(counts.count))
    }

    /// Adds to a minute's count; a minute older than the ring holds is ignored (returns false).
    @discardableResult
    mutating func add(_ minute: Int64, _ n: UInt32 = 1) -> Bool {
        if newest == Int64.min {
            newest = minute
        } else if minute > newest {
            let gap = minute - newest
            if gap >= Int64(counts.count) {
                for i in counts.indices { counts[i] = 0 }
                for i in firstTimes.indices { firstTimes[i] = Int64.max }
            } else {
                var m = newest + 1
                while m <= minute {
                    counts[slot(m)] = 0
                    if !firstTimes.isEmpty { firstTimes[slot(m)] = Int64.max }
                    m += 1
                }
            }
            newest = minute
        } else if minute <= newest - Int64(counts.count) {
            return false
        }
        let s = slot(minute)
        counts[s] = counts[s] &+ n
        return true
    }

    /// Adds one event at `time` (milliseconds) in `minute`, remembering the minute's earliest time.
    mutating func add(_ minute: Int64, time: Int64) {
        guard add(minute), !firstTimes.isEmpty else { return }
        let s = slot(minute)
        if time < firstTimes[s] { firstTimes[s] = time }
    }

    /// The earliest event time kept for minutes `from...through`.
    func earliest(from: Int64, through: Int64) -> Int64? {
        guard !firstTimes.isEmpty, newest != Int64.min else { return nil }
        let low = max(from, newest - Int64(counts.count) + 1)
        let high = min(through, newest)
        guard high >= low else { return nil }
        var m = low
        while m <= high {
            let s = slot(m)
            if counts[s] > 0 { return firstTimes[s] }
            m += 1
        }
        return nil
    }

    /// The total over minutes `from...through` (minutes outside the ring count as 0).
    func sum(from: Int64, through: Int64) -> Int {
        guard newest != Int64.min, through >= from else { return 0 }
        let low = max(from, newest - Int64(counts.count) + 1)
        let high = min(through, newest)
        guard high >= low else { return 0 }
        var total = 0
        var m = low
        while m <= high { total += Int(counts[slot(m)]); m += 1 }
        return total
    }
}

extension MinuteRing: SnapshotCodable {
    func write(to w: inout SnapshotWriter) {
        w.array(counts) { $0.uint(UInt64($1)) }
        w.array(firstTimes) { $0.int($1) }
        w.int(newest)
    }

    init(from r: inout SnapshotReader) throws(SnapshotError) {
        counts = try r.array { r throws(SnapshotError) in
            guard let c = UInt32(exactly: try r.uint()) else { throw r.fail("minute count out of range") }
            return c
        }
        firstTimes = try r.array { r throws(SnapshotError) in try r.time() }
        newest = try r.time()
        guard !counts.isEmpty, firstTimes.isEmpty || firstTimes.count == counts.count else {
            throw r.fail("minute ring of \(counts.count) minutes and \(firstTimes.count) first times")
        }
    }
}
