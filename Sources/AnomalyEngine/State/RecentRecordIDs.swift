/// The identities of recent records (ServiceNow `sys_id`s), so that a row exported in two
/// overlapping files, or pulled twice, counts once.
///
/// Copies of a row carry its one timestamp, so with the inputs merged by event time they
/// arrive within the allowed lateness of each other: an identity older than that horizon
/// cannot be met again in time to matter, and is forgotten. Memory follows the rows of the
/// last lateness window, not of the whole run.
struct RecentRecordIDs {
    private var seen: [UInt64: Int64] = [:]
    private var pruneAt = 4096

    /// Records `id` seen at `time`; false when it was seen already. Identities of records
    /// older than `horizon` may be forgotten.
    mutating func insert(_ id: UInt64, time: Int64, horizon: Int64) -> Bool {
        if seen[id] != nil { return false }
        seen[id] = time
        if seen.count >= pruneAt {
            seen = seen.filter { $0.value >= horizon }
            pruneAt = max(4096, seen.count * 2)
        }
        return true
    }
}
