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

    /// Drops repeated slots, keeping the first of each, in place, without sorting: judging a
    /// minute's keys does not depend on their order (the engine orders each minute's alerts),
    /// and a sort costs far more per slot than marking rounds.
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
