import LogwatchCore

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
