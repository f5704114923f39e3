/// Keys with events in a minute that has not closed yet, so each is judged once when it closes.
struct PendingMinutes {
    private var byMinute: [Int64: Set<Int>] = [:]

    mutating func mark(_ slot: Int, minute: Int64) {
        byMinute[minute, default: []].insert(slot)
    }

    mutating func take(_ minute: Int64) -> Set<Int> {
        byMinute.removeValue(forKey: minute) ?? []
    }

    /// Whether a slot has events in a minute not yet closed.
    func contains(_ slot: Int) -> Bool {
        byMinute.values.contains { $0.contains(slot) }
    }
}

/// The last few origins seen, for evidence.
struct RecentOrigins {
    private(set) var items: [(time: Int64, origin: Origin)] = []
    let capacity: Int

    init(capacity: Int = 5) { self.capacity = capacity }

    mutating func add(_ time: Int64, _ origin: Origin) {
        if items.count == capacity { items.removeFirst() }
        items.append((time, origin))
    }

    var origins: [Origin] { items.map(\.origin) }
}

@inline(__always)
func minuteOf(_ time: Int64) -> Int64 {
    time >= 0 ? time / 60_000 : -((-time + 59_999) / 60_000)
}

/// A stable 64-bit hash (FNV-1a) for counting distinct values without keeping them.
func stableHash(_ s: String) -> UInt64 {
    var h: UInt64 = 0xcbf2_9ce4_8422_2325
    for b in s.utf8 { h = (h ^ UInt64(b)) &* 0x100_0000_01b3 }
    return h
}

func stableHash(_ ip: IPAddress) -> UInt64 {
    (ip.high &* 0x9E37_79B9_7F4A_7C15) ^ ip.low
}
