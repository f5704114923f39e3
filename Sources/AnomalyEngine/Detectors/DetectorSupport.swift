import LogwatchCore

/// Keys with events in a minute that has not closed yet, so each is judged once when it closes.
///
/// A short list of minutes (those within the allowed lateness), each with the slots marked in
/// it; marking appends (the newest minute is found first), and `take` drops repeats.
struct PendingMinutes {
    private var minutes: [(minute: Int64, slots: [Int])] = []
    /// Per slot, the round of `unique` that last kept it (never saved).
    private var seen: [UInt32] = []
    private var round: UInt32 = 0

    mutating func mark(_ slot: Int, minute: Int64) {
        var i = minutes.count - 1
        while i >= 0 && minutes[i].minute != minute { i -= 1 }
        if i >= 0 {
            minutes[i].slots.append(slot)
        } else {
            minutes.append((minute, [slot]))
        }
    }

    /// The slots marked in `minute`, each once, in the order first marked; the minute is
    /// forgotten.
    mutating func take(_ minute: Int64) -> [Int] {
        guard let i = minutes.firstIndex(where: { $0.minute == minute }) else { return [] }
        var slots = minutes.remove(at: i).slots
        unique(&slots)
        return slots
    }

    /// Drops repeated slots, keeping the first of each, in place. (A sort to find repeats
    /// cost about 190 instructions per slot; judging a minute's keys does not depend on their
    /// order, as the engine orders each minute's alerts.)
    mutating func unique(_ slots: inout [Int]) {
        round &+= 1
        if round == 0 {
            for i in seen.indices { seen[i] = 0 }
            round = 1
        }
        var kept = 0
        for i in slots.indices {
            let slot = slots[i]
            if slot >= seen.count { seen.append(contentsOf: repeatElement(0, count: slot + 1 - seen.count)) }
            guard seen[slot] != round else { continue }
            seen[slot] = round
            slots[kept] = slot
            kept += 1
        }
        slots.removeLast(slots.count - kept)
    }

    static func sortedUnique(_ slots: [Int]) -> [Int] {
        var sorted = slots.sorted()
        var kept = 0
        for i in sorted.indices where i == 0 || sorted[i] != sorted[i - 1] {
            sorted[kept] = sorted[i]
            kept += 1
        }
        sorted.removeLast(sorted.count - kept)
        return sorted
    }

    /// Every slot with events in a minute not yet closed.
    var allSlots: Set<Int> { Set(minutes.lazy.flatMap(\.slots)) }
}

/// The last few origins seen (at most five), for evidence: a ring held inline, so adding one
/// moves nothing and checks no array's uniqueness (it is added to on every event).
struct RecentOrigins {
    private var e0 = Entry(), e1 = Entry(), e2 = Entry(), e3 = Entry(), e4 = Entry()
    private var count = 0
    /// Where the oldest item is, once the ring is full (the next to be replaced).
    private var oldest = 0
    let capacity: Int

    private struct Entry {
        var time: Int64 = 0
        var origin = Origin(input: 0, line: 0)
    }

    static let maxCapacity = 5

    init(capacity: Int = 5) {
        precondition(capacity >= 1 && capacity <= Self.maxCapacity, "1 to 5 recent origins")
        self.capacity = capacity
    }

    /// `items` oldest first, at most `capacity` of them.
    init(capacity: Int, items: [(time: Int64, origin: Origin)]) {
        self.init(capacity: capacity)
        for item in items { add(item.time, item.origin) }
    }

    private subscript(i: Int) -> Entry {
        get {
            switch i {
            case 0: e0
            case 1: e1
            case 2: e2
            case 3: e3
            default: e4
            }
        }
        set {
            switch i {
            case 0: e0 = newValue
            case 1: e1 = newValue
            case 2: e2 = newValue
            case 3: e3 = newValue
            default: e4 = newValue
            }
        }
    }

    @inline(__always)
    mutating func add(_ time: Int64, _ origin: Origin) {
        if count < capacity {
            self[count] = Entry(time: time, origin: origin)
            count += 1
        } else {
            self[oldest] = Entry(time: time, origin: origin)
            oldest = oldest + 1 == capacity ? 0 : oldest + 1
        }
    }

    /// Oldest first.
    var items: [(time: Int64, origin: Origin)] {
        (0..<count).map { i in
            let e = self[(oldest + i) % count]
            return (e.time, e.origin)
        }
    }

    var origins: [Origin] { items.map(\.origin) }
}

@inline(__always)
func minuteOf(_ time: Int64) -> Int64 {
    time >= 0 ? time / 60_000 : -((-time + 59_999) / 60_000)
}

/// A stable 64-bit hash for counting distinct values without keeping them.
func stableHash(_ s: String) -> UInt64 { StableHash.of(s) }

func stableHash(_ ip: IPAddress) -> UInt64 {
    (ip.high &* 0x9E37_79B9_7F4A_7C15) ^ ip.low
}

extension PendingMinutes: SnapshotCodable {
    func write(to w: inout SnapshotWriter) {
        w.array(minutes.sorted { $0.minute < $1.minute }) { w, entry in
            w.int(entry.minute)
            w.array(Self.sortedUnique(entry.slots)) { $0.int($1) }
        }
    }

    init(from r: inout SnapshotReader) throws(SnapshotError) {
        for (minute, slots) in try r.array({ r throws(SnapshotError) in (try r.time(), try r.array { r throws(SnapshotError) in try r.intValue() }) }) {
            for slot in slots { mark(slot, minute: minute) }
        }
    }

    /// Whether every slot named is below `count` (a snapshot's slots must exist).
    func slotsBelow(_ count: Int) -> Bool { minutes.allSatisfy { $0.slots.allSatisfy { $0 >= 0 && $0 < count } } }
}

extension RecentOrigins: SnapshotCodable {
    func write(to w: inout SnapshotWriter) {
        w.int(capacity)
        w.array(items) { w, item in w.int(item.time); w.write(item.origin) }
    }

    init(from r: inout SnapshotReader) throws(SnapshotError) {
        let capacity = try r.intValue()
        let items = try r.array { r throws(SnapshotError) in (time: try r.time(), origin: try r.read(Origin.self)) }
        guard capacity >= 1, capacity <= Self.maxCapacity, items.count <= capacity else { throw r.fail("recent origins over capacity") }
        self.init(capacity: capacity, items: items)
    }
}
