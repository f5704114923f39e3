/// Per-key state in flat arrays, at most `maxKeys` keys: past that, the least recently seen
/// tenth is evicted in one pass (unless protected, e.g. by an open incident).
///
/// - Complexity: lookup and insert O(1) amortised; an eviction pass O(n log n), once per n/10 inserts.
struct KeyedStore<Key: Hashable, State> {
    private var index: [Key: Int] = [:]
    private(set) var keys: [Key?] = []
    var states: [State?] = []
    private(set) var lastSeen: [Int64] = []
    private var free: [Int] = []
    let maxKeys: Int
    private(set) var evictions = 0

    init(maxKeys: Int) {
        self.maxKeys = max(1, maxKeys)
    }

    var count: Int { index.count }

    func find(_ key: Key) -> Int? { index[key] }

    /// The slot of `key`, created with `make()` if new. `protect` tells which keys must not be evicted.
    mutating func slot(for key: Key, now: Int64, make: () -> State, protect: (Key) -> Bool) -> Int {
        if let i = index[key] {
            if now > lastSeen[i] { lastSeen[i] = now }
            return i
        }
        if index.count >= maxKeys { evict(protect: protect) }
        let i: Int
        if let reused = free.popLast() {
            i = reused
            keys[i] = key
            states[i] = make()
            lastSeen[i] = now
        } else {
            i = keys.count
            keys.append(key)
            states.append(make())
            lastSeen.append(now)
        }
        index[key] = i
        return i
    }

    mutating func remove(_ i: Int) {
        guard let key = keys[i] else { return }
        index[key] = nil
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
        candidates.reserveCapacity(index.count)
        for (key, i) in index where !protect(key) { candidates.append((lastSeen[i], i)) }
        candidates.sort { $0.0 != $1.0 ? $0.0 < $1.0 : $0.1 < $1.1 }
        for (_, i) in candidates.prefix(target) {
            remove(i)
            evictions += 1
        }
    }
}

extension KeyedStore {
    /// Writes every slot (free ones too, so slot numbers held elsewhere stay valid).
    func write(to w: inout SnapshotWriter, key: (inout SnapshotWriter, Key) -> Void, state: (inout SnapshotWriter, State) -> Void) {
        w.uint(UInt64(keys.count))
        for i in keys.indices {
            if let k = keys[i], let s = states[i] {
                w.bool(true)
                key(&w, k)
                state(&w, s)
                w.int(lastSeen[i])
            } else {
                w.bool(false)
            }
        }
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
                guard index[k] == nil else { throw r.fail("key stored twice") }
                index[k] = i
                keys.append(k)
                states.append(try state(&r))
                lastSeen.append(try r.time())
            } else {
                keys.append(nil)
                states.append(nil)
                lastSeen.append(Int64.min)
                free.append(i)
            }
        }
        evictions = try r.intValue()
    }
}
