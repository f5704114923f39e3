import LogwatchCore
/// The heaviest keys of a stream in bounded memory (lossy counting).
///
/// Up to `2 × capacity` keys are counted exactly. When that many are held, the lightest half
/// is dropped and the largest count dropped becomes the `floor`. A key seen again after it was
/// dropped, or first seen after a drop, starts from zero with `error` set to the floor: its
/// true count lies between `count` and `count + error`. A key whose true count exceeds the floor
/// at the end is therefore always held, so the top of the list is right even under a flood of
/// distinct keys (ten million spoofed addresses cost no more than `2 × capacity` entries).
public struct TopKeys<Key: Hashable, Payload>: Sendable where Key: Sendable, Payload: Sendable {
    public struct Entry: Sendable {
        public var count: Int64
        /// How much `count` may be short of the true count (zero: exact).
        public var error: Int64
        public var payload: Payload
    }

    public let capacity: Int
    public private(set) var floor: Int64 = 0
    /// Keys dropped by pruning so far (each drop of a key counts once).
    public private(set) var dropped: Int64 = 0
    private var entries: [Key: Entry] = [:]
    private let makePayload: @Sendable () -> Payload

    public init(capacity: Int, payload: @escaping @Sendable () -> Payload) {
        self.capacity = max(1, capacity)
        self.makePayload = payload
    }

    /// Adds `by` to the key's count and lets `update` change its payload.
    public mutating func add(_ key: Key, by: Int64 = 1, _ update: (inout Payload) -> Void = { _ in }) {
        if entries[key] == nil {
            if entries.count >= 2 * capacity { prune() }
            entries[key] = Entry(count: 0, error: floor, payload: makePayload())
        }
        entries[key]!.count += by
        update(&entries[key]!.payload)
    }

    private mutating func prune() {
        let sorted = entries.sorted { $0.value.count > $1.value.count }
        var kept: [Key: Entry] = [:]
        kept.reserveCapacity(2 * capacity)
        for (i, e) in sorted.enumerated() {
            if i < capacity {
                kept[e.key] = e.value
            } else {
                floor = max(floor, e.value.count + e.value.error)
                dropped += 1
            }
        }
        entries = kept
    }

    /// Keys held now.
    public var held: Int { entries.count }

    /// The `n` heaviest keys, heaviest first (ties by key order when `Key` is comparable is not
    /// assumed: ties keep the order `tieBreak` gives).
    public func top(_ n: Int, tieBreak: (Key, Key) -> Bool) -> [(key: Key, entry: Entry)] {
        entries.map { (key: $0.key, entry: $0.value) }
            .sorted { $0.entry.count != $1.entry.count ? $0.entry.count > $1.entry.count : tieBreak($0.key, $1.key) }
            .prefix(n).map { $0 }
    }
}

/// A set that stops growing at `limit` and remembers that it did.
public struct CappedSet<Element: Hashable & Sendable>: Sendable {
    public let limit: Int
    public private(set) var elements: Set<Element> = []
    public private(set) var overflowed = false

    public init(limit: Int) { self.limit = limit }

    public mutating func insert(_ e: Element) {
        if elements.count < limit { elements.insert(e) } else if !elements.contains(e) { overflowed = true }
    }

    /// "12", or "64+" once it overflowed.
    public var text: String { "\(elements.count)\(overflowed ? "+" : "")" }
}
