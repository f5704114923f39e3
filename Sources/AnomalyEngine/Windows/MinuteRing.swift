import LogwatchCore

/// Counts per event-time minute over the last `capacity` minutes, in a fixed ring.
///
/// - Complexity: `add` is O(1) amortised; `sum` is O(window).
struct MinuteRing {
    private var counts: [UInt32]
    /// Earliest event time per minute, when kept (for evidence).
    private var firstTimes: [Int64]
    /// The newest minute the ring holds, and its slot (`newest` modulo the capacity).
    private(set) var newest: Int64 = Int64.min
    private var newestSlot = 0
    /// The sum of every count held: no window can hold more, so a judge can stop early.
    private(set) var total = 0

    init(capacity: Int, keepFirstTimes: Bool = false) {
        counts = Array(repeating: 0, count: capacity)
        firstTimes = keepFirstTimes ? Array(repeating: Int64.max, count: capacity) : []
    }

    var capacity: Int { counts.count }

    @inline(__always)
    private func slot(_ minute: Int64) -> Int {
        let n = Int64(counts.count)
        // One division for minutes after 1970 (all of them in practice), two before.
        return minute >= 0 ? Int(minute % n) : Int(((minute % n) + n) % n)
    }

    /// The slot of `minute`, a minute the ring holds (at most `capacity - 1` before `newest`),
    /// from `newestSlot` without a division: the common case is the newest minute itself.
    @inline(__always)
    private func slotNearNewest(_ minute: Int64) -> Int {
        let s = newestSlot - Int(newest - minute)
        return s >= 0 ? s : s + counts.count
    }

    /// Adds to a minute's count; a minute older than the ring holds is ignored (returns false).
    @discardableResult
    mutating func add(_ minute: Int64, _ n: UInt32 = 1) -> Bool {
        if newest == Int64.min {
            newest = minute
            newestSlot = slot(minute)
        } else if minute > newest {
            let gap = minute - newest
            if gap >= Int64(counts.count) {
                for i in counts.indices { counts[i] = 0 }
                total = 0
                for i in firstTimes.indices { firstTimes[i] = Int64.max }
                newestSlot = slot(minute)
            } else {
                // Clear the minutes skipped over, stepping the slot along with wrap-around.
                var s = newestSlot
                for _ in 0..<Int(gap) {
                    s += 1
                    if s == counts.count { s = 0 }
                    total -= Int(counts[s])
                    counts[s] = 0
                    if !firstTimes.isEmpty { firstTimes[s] = Int64.max }
                }
                newestSlot = s
            }
            newest = minute
        } else if minute <= newest - Int64(counts.count) {
            return false
        }
        let s = slotNearNewest(minute)
        counts[s] = counts[s] &+ n
        total += Int(n)
        return true
    }

    /// Adds one event at `time` to the newest minute (there is one).
    @inline(__always)
    mutating func addToNewest(time: Int64) {
        counts[newestSlot] &+= 1
        total += 1
        if !firstTimes.isEmpty && time < firstTimes[newestSlot] { firstTimes[newestSlot] = time }
    }

    /// Adds one event at `time` (milliseconds) in `minute`, remembering the minute's earliest time.
    mutating func add(_ minute: Int64, time: Int64) {
        guard add(minute), !firstTimes.isEmpty else { return }
        let s = slotNearNewest(minute)
        if time < firstTimes[s] { firstTimes[s] = time }
    }

    /// The earliest event time kept for minutes `from...through`.
    func earliest(from: Int64, through: Int64) -> Int64? {
        guard !firstTimes.isEmpty, newest != Int64.min else { return nil }
        let low = max(from, newest - Int64(counts.count) + 1)
        let high = min(through, newest)
        guard high >= low else { return nil }
        var s = slotNearNewest(low)
        for _ in 0...Int(high - low) {
            if counts[s] > 0 { return firstTimes[s] }
            s += 1
            if s == counts.count { s = 0 }
        }
        return nil
    }

    /// The total over minutes `from...through` (minutes outside the ring count as 0).
    func sum(from: Int64, through: Int64) -> Int {
        guard total > 0, through >= from else { return 0 }
        let low = max(from, newest - Int64(counts.count) + 1)
        let high = min(through, newest)
        guard high >= low else { return 0 }
        return counts.withUnsafeBufferPointer { c in
            var sum = 0
            var s = slotNearNewest(low)
            for _ in 0...Int(high - low) {
                sum += Int(c[s])
                s += 1
                if s == c.count { s = 0 }
            }
            return sum
        }
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
        newestSlot = 0
        total = counts.reduce(0) { $0 + Int($1) }
        guard !counts.isEmpty, firstTimes.isEmpty || firstTimes.count == counts.count else {
            throw r.fail("minute ring of \(counts.count) minutes and \(firstTimes.count) first times")
        }
        if newest != Int64.min { newestSlot = slot(newest) }
    }
}
