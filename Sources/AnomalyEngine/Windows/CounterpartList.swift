import LogwatchCore

/// Failures between one key and one counterpart, for counting distinct counterparts in a window
/// and for leaving out failures that another scope's incident already explains.
struct Counterpart {
    var hash: UInt64
    var firstMinute: Int64
    var lastMinute: Int64
    var count: Int
}

/// The counterparts of one key (principals of an address, addresses of a principal), at most
/// `capacity`: when full, a new one replaces the least recently seen, the first of equals (the
/// smallest last minute, then the smallest index), as a scan of them all would choose.
///
/// An address spraying principals, or a principal sprayed from many addresses, finds a new
/// counterpart on nearly every failure, so finding one and choosing whom it replaces must not
/// cost a scan or a dictionary update each time:
/// - `table` finds a counterpart by its hash: open addressing (linear probing, deletion by
///   backward shift) over `2 * capacity` positions of index + 1, kept once there are more
///   than a few (below that, a scan is cheaper);
/// - `byMinute` lists, for each last minute in ascending order, the set of indices seen last
///   in it (a 256-bit set): the one to replace is the lowest index in the first set. Kept
///   once the list is first full, updated as last minutes move.
/// Both are caches: rebuilt from `items` when missing, never saved.
struct CounterpartList {
    static let capacity = 256
    /// Below this many, a counterpart is found by a scan.
    static let scanned = 8

    private(set) var items: [Counterpart] = []
    private var table: [UInt16] = []
    private var byMinute: [(minute: Int64, bits: IndexSet256)] = []

    init() {}

    init(_ items: [Counterpart]) {
        self.items = Array(items.prefix(Self.capacity))
    }

    var count: Int { items.count }

    /// Counts a failure against `hash` in `minute`; after a quiet spell longer than `horizon`
    /// minutes the pairing's count starts over.
    mutating func note(_ hash: UInt64, minute: Int64, horizon: Int64) {
        if table.isEmpty && items.count > Self.scanned { buildTable() } // restored from a snapshot
        if let i = find(hash) {
            let old = items[i].lastMinute
            if minute - old > horizon {
                items[i].firstMinute = minute
                items[i].count = 0
            }
            items[i].count += 1
            if minute > old {
                items[i].lastMinute = minute
                if !byMinute.isEmpty { move(i, from: old, to: minute) }
            }
            return
        }
        let fresh = Counterpart(hash: hash, firstMinute: minute, lastMinute: minute, count: 1)
        if items.count < Self.capacity {
            items.append(fresh)
            if !table.isEmpty { place(items.count - 1) } else if items.count > Self.scanned { buildTable() }
            if !byMinute.isEmpty { add(items.count - 1, minute: minute) }
            return
        }
        if byMinute.isEmpty { buildOrder() }
        let oldest = byMinute[0].bits.lowest
        byMinute[0].bits.remove(oldest)
        if byMinute[0].bits.isEmpty { byMinute.removeFirst() }
        removeFromTable(oldest)
        items[oldest] = fresh
        place(oldest)
        add(oldest, minute: minute)
    }

    /// Forgets every counterpart (a new streak of activity).
    mutating func removeAll() {
        items.removeAll(keepingCapacity: true)
        table.removeAll(keepingCapacity: true)
        byMinute.removeAll(keepingCapacity: true)
    }

    // MARK: - Finding by hash

    private static let tableSize = 2 * capacity

    @inline(__always)
    private static func home(_ hash: UInt64) -> Int {
        // The top bits of a multiplicative hash: counterparts' hashes (FNV-1a of a principal,
        // an address's bits) are not uniform in their low bits.
        Int(truncatingIfNeeded: (hash &* 0x9E37_79B9_7F4A_7C15) >> 55) & (tableSize - 1)
    }

    private func find(_ hash: UInt64) -> Int? {
        if table.isEmpty {
            for i in items.indices where items[i].hash == hash { return i }
            return nil
        }
        return table.withUnsafeBufferPointer { t in
            var p = Self.home(hash)
            while true {
                let entry = Int(t[p])
                if entry == 0 { return nil }
                if items[entry - 1].hash == hash { return entry - 1 }
                p = (p + 1) & (Self.tableSize - 1)
            }
        }
    }

    private mutating func buildTable() {
        table = Array(repeating: 0, count: Self.tableSize)
        for i in items.indices { place(i) }
    }

    private mutating func place(_ i: Int) {
        guard !table.isEmpty else { return }
        var p = Self.home(items[i].hash)
        while table[p] != 0 { p = (p + 1) & (Self.tableSize - 1) }
        table[p] = UInt16(i + 1)
    }

    private mutating func removeFromTable(_ i: Int) {
        guard !table.isEmpty else { return }
        let mask = Self.tableSize - 1
        var position = Self.home(items[i].hash)
        while Int(table[position]) != i + 1 { position = (position + 1) & mask }
        LinearProbing.remove(at: position, from: &table) { Self.home(items[Int($0) - 1].hash) }
    }

    // MARK: - Least recently seen

    private mutating func buildOrder() {
        byMinute.removeAll(keepingCapacity: true)
        for i in items.indices { add(i, minute: items[i].lastMinute) }
    }

    /// The position in `byMinute` of `minute`, or where it would go.
    private func position(of minute: Int64) -> (Int, found: Bool) {
        // Most moves are to the newest minute: look at the end first.
        if let last = byMinute.last, last.minute <= minute {
            return last.minute == minute ? (byMinute.count - 1, true) : (byMinute.count, false)
        }
        var low = 0, high = byMinute.count
        while low < high {
            let mid = (low + high) / 2
            if byMinute[mid].minute < minute { low = mid + 1 } else { high = mid }
        }
        return (low, low < byMinute.count && byMinute[low].minute == minute)
    }

    private mutating func add(_ i: Int, minute: Int64) {
        let (at, found) = position(of: minute)
        if found {
            byMinute[at].bits.insert(i)
        } else {
            var bits = IndexSet256()
            bits.insert(i)
            byMinute.insert((minute, bits), at: at)
        }
    }

    private mutating func move(_ i: Int, from old: Int64, to new: Int64) {
        let (at, found) = position(of: old)
        precondition(found, "a listed counterpart's minute is listed")
        byMinute[at].bits.remove(i)
        if byMinute[at].bits.isEmpty { byMinute.remove(at: at) }
        add(i, minute: new)
    }
}

/// A set of indices below 256, in four words.
struct IndexSet256 {
    private var w0: UInt64 = 0, w1: UInt64 = 0, w2: UInt64 = 0, w3: UInt64 = 0

    var isEmpty: Bool { (w0 | w1 | w2 | w3) == 0 }

    /// The smallest index in the set (which is not empty).
    var lowest: Int {
        if w0 != 0 { return w0.trailingZeroBitCount }
        if w1 != 0 { return 64 + w1.trailingZeroBitCount }
        if w2 != 0 { return 128 + w2.trailingZeroBitCount }
        return 192 + w3.trailingZeroBitCount
    }

    mutating func insert(_ i: Int) {
        let bit = UInt64(1) << UInt64(i & 63)
        switch i >> 6 {
        case 0: w0 |= bit
        case 1: w1 |= bit
        case 2: w2 |= bit
        default: w3 |= bit
        }
    }

    mutating func remove(_ i: Int) {
        let keep = ~(UInt64(1) << UInt64(i & 63))
        switch i >> 6 {
        case 0: w0 &= keep
        case 1: w1 &= keep
        case 2: w2 &= keep
        default: w3 &= keep
        }
    }
}

extension Counterpart: SnapshotCodable {
    func write(to w: inout SnapshotWriter) { w.uint(hash); w.int(firstMinute); w.int(lastMinute); w.int(count) }
    init(from r: inout SnapshotReader) throws(SnapshotError) {
        self.init(hash: try r.uint(), firstMinute: try r.time(), lastMinute: try r.time(), count: try r.intValue())
    }
}
