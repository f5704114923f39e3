import LogwatchCore

/// A key for `KeyedStore`: hashed once per lookup by a cheap 64-bit function (seeded at random
/// per process, see `FastHash`) rather than by the standard library's SipHash, which costs
/// several times as much for a principal's text.
protocol StoreKey: Hashable {
    var storeHash: UInt64 { get }
}

extension String: StoreKey {}

extension IPAddress: StoreKey {
    var storeHash: UInt64 { FastHash.mix(high ^ FastHash.mix(low ^ FastHash.seed)) }
}

/// Per-key state in flat arrays, at most `maxKeys` keys: past that, the least recently seen
/// tenth is evicted in one pass (unless protected, e.g. by an open incident).
///
/// Keys are found through an open-addressing table (linear probing, deletion by backward
/// shift) of slot numbers, each entry with the low 32 bits of its key's hash beside it: a
/// lookup is one hash, a few probes within the table and one key comparison, and no
/// allocation. The hash sits beside the slot number so that a probe reads one cache line,
/// not two.
///
/// - Complexity: lookup and insert O(1) amortised; an eviction pass O(n log n), once per n/10 inserts.
struct KeyedStore<Key: StoreKey, State> {
    /// Per table position: the low 32 bits of the key's hash, then slot number + 1 (0 when
    /// empty); the size is a power of two, at most half full.
    private var table: [UInt64] = Array(repeating: 0, count: 16)
    private var count_ = 0
    private(set) var keys: [Key?] = []
    private var hashes: [UInt64] = []
    var states: [State?] = []
    private(set) var lastSeen: [Int64] = []
    private var free: [Int] = []
    let maxKeys: Int
    private(set) var evictions = 0

    init(maxKeys: Int) {
        self.maxKeys = max(1, maxKeys)
    }

    var count: Int { count_ }

    /// The table position holding `key`, or the empty position where it would go.
    @inline(__always)
    private static func entry(slot: Int, hash: UInt64) -> UInt64 {
        (hash << 32) | UInt64(slot + 1)
    }

    @inline(__always)
    private func probe(_ key: Key, _ hash: UInt64) -> (position: Int, found: Bool) {
        let mask = table.count - 1
        var p = Int(truncatingIfNeeded: hash) & mask
        let tag = hash << 32
        return table.withUnsafeBufferPointer { t in
            while true {
                let entry = t[p]
                if entry == 0 { return (p, false) }
                if entry & 0xFFFF_FFFF_0000_0000 == tag {
                    let slot = Int(truncatingIfNeeded: entry & 0xFFFF_FFFF) - 1
                    if keys[slot] == key { return (p, true) }
                }
                p = (p + 1) & mask
            }
        }
    }

    /// The slot number in a table entry.
    @inline(__always)
    private static func slot(of entry: UInt64) -> Int { Int(truncatingIfNeeded: entry & 0xFFFF_FFFF) - 1 }

    func find(_ key: Key) -> Int? { find(key, hash: key.storeHash) }

    /// `find` with the key's `storeHash` computed by the caller (once for several stores).
    func find(_ key: Key, hash: UInt64) -> Int? {
        let (p, found) = probe(key, hash)
        return found ? Self.slot(of: table[p]) : nil
    }

    /// The slot of `key`, created with `make()` if new. `protect` tells which keys must not be evicted.
    mutating func slot(for key: Key, now: Int64, make: () -> State, protect: (Key) -> Bool) -> Int {
        slot(for: key, hash: key.storeHash, now: now, make: make, protect: protect)
    }

    /// `slot(for:now:make:protect:)` with the key's `storeHash` computed by the caller.
    /// Inlined for a key already stored (nearly every call); a new key goes to `add`.
    @inline(__always)
    mutating func slot(for key: Key, hash: UInt64, now: Int64, make: () -> State, protect: (Key) -> Bool) -> Int {
        let (p, found) = probe(key, hash)
        if found {
            let i = Self.slot(of: table[p])
            if now > lastSeen[i] { lastSeen[i] = now }
            return i
        }
        return add(key, hash: hash, now: now, make: make, protect: protect)
    }

    @inline(never)
    private mutating func add(_ key: Key, hash: UInt64, now: Int64, make: () -> State, protect: (Key) -> Bool) -> Int {
        if count_ >= maxKeys {
            evict(protect: protect)
        }
        let i: Int
        if let reused = free.popLast() {
            i = reused
            keys[i] = key
            hashes[i] = hash
            states[i] = make()
            lastSeen[i] = now
        } else {
            i = keys.count
            keys.append(key)
            hashes.append(hash)
            states.append(make())
            lastSeen.append(now)
        }
        insert(slot: i)
        return i
    }

    /// Enters slot `i` (whose key is not in the table) into the table, growing it when needed.
    private mutating func insert(slot i: Int) {
        if (count_ + 1) * 2 > table.count { grow() }
        place(Self.entry(slot: i, hash: hashes[i]))
        count_ += 1
    }

    /// Puts a table entry at the first empty position of its probe run.
    private mutating func place(_ entry: UInt64) {
        let mask = table.count - 1
        var p = Int(truncatingIfNeeded: hashes[Self.slot(of: entry)]) & mask
        while table[p] != 0 { p = (p + 1) & mask }
        table[p] = entry
    }

    private mutating func grow() {
        let old = table
        table = Array(repeating: 0, count: old.count * 2)
        for entry in old where entry != 0 { place(entry) }
    }

    mutating func remove(_ i: Int) {
        guard let key = keys[i] else { return }
        let (found, present) = probe(key, hashes[i])
        precondition(present, "a stored key is in the table")
        let mask = table.count - 1
        LinearProbing.remove(at: found, from: &table) { Int(truncatingIfNeeded: hashes[Self.slot(of: $0)]) & mask }
        count_ -= 1
        keys[i] = nil
        states[i] = nil
        free.append(i)
    }

    /// Changes a key's state in place (no copy of the arrays it holds).
    mutating func modify<R>(_ i: Int, _ body: (inout State) -> R) -> R {
        body(&states[i]!)
    }

    private mutating func evict(protect: (Key) -> Bool) {
        let target = max(1, maxKeys / 10)
        var candidates: [(Int64, Int)] = []
        candidates.reserveCapacity(count_)
        for i in keys.indices { if let key = keys[i], !protect(key) { candidates.append((lastSeen[i], i)) } }
        candidates.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        for (_, i) in candidates.prefix(target) {
            remove(i)
            evictions += 1
        }
    }
}

extension KeyedStore {
    /// Slots per snapshot segment: a key's change rewrites its page, not the store.
    static var slotsPerSegment: Int { 16 }

    /// Writes every slot (free ones too, so slot numbers held elsewhere stay valid), a
    /// segment per page of slots (labelled by store and page), so that a key that changed
    /// changes one segment.
    func write(to w: inout SnapshotWriter, key: (inout SnapshotWriter, Key) -> Void, state: (inout SnapshotWriter, State) -> Void) {
        let store = w.beginStore() << 32
        w.cut(store)
        w.uint(UInt64(keys.count))
        for i in keys.indices {
            if i % Self.slotsPerSegment == 0 { w.cut(store | UInt64(i / Self.slotsPerSegment + 1)) }
            if let k = keys[i], let s = states[i] {
                w.bool(true)
                key(&w, k)
                state(&w, s)
                w.int(lastSeen[i])
            } else {
                w.bool(false)
            }
        }
        w.cut(store | 0xFFFF_FFFF)
        w.int(evictions)
    }

    init(from r: inout SnapshotReader, maxKeys: Int,
         key: (inout SnapshotReader) throws(SnapshotError) -> Key,
         state: (inout SnapshotReader) throws(SnapshotError) -> State) throws(SnapshotError) {
        self.init(maxKeys: maxKeys)
        let n = try r.count()
        keys.reserveCapacity(n)
        for i in 0..<n {
            if try r.bool() {
                let k = try key(&r)
                let hash = k.storeHash
                guard !probe(k, hash).found else { throw r.fail("key stored twice") }
                keys.append(k)
                hashes.append(hash)
                states.append(try state(&r))
                lastSeen.append(try r.time())
                insert(slot: i)
            } else {
                keys.append(nil)
                hashes.append(0)
                states.append(nil)
                lastSeen.append(Int64.min)
                free.append(i)
            }
        }
        evictions = try r.intValue()
    }
}

/// Open-addressing tables with linear probing (size a power of two, 0 for an empty position),
/// as `KeyedStore` and `CounterpartList` keep them.
enum LinearProbing {
    /// Empties position `hole` by backward shift: later entries of its probe run move back
    /// into the hole, so that every entry stays reachable from its home position (`home`).
    static func remove<Entry: FixedWidthInteger>(at hole: Int, from table: inout [Entry], home: (Entry) -> Int) {
        let mask = table.count - 1
        var hole = hole
        var p = (hole + 1) & mask
        while table[p] != 0 {
            let home = home(table[p])
            // The entry at p may move to the hole when its home is not in (hole, p] cyclically.
            let movable = hole <= p ? (home <= hole || home > p) : (home <= hole && home > p)
            if movable {
                table[hole] = table[p]
                hole = p
            }
            p = (p + 1) & mask
        }
        table[hole] = 0
    }
}
