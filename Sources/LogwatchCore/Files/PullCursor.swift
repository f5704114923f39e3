/// How far a pull from a platform's API got in one table: rows created before `position`
/// (milliseconds since the epoch) were handed on, and so were the rows named in `seen`, the
/// identities (`sys_id`) of those created from `position` minus the re-read overlap on,
/// which the next query reads again to catch rows committed late.
public struct PullCursor: Sendable, Equatable {
    /// The instance pulled from (its URL).
    public var source: String
    public var table: String
    public var position: Int64
    public var seen: [String]

    public init(source: String, table: String, position: Int64, seen: [String]) {
        self.source = source
        self.table = table
        self.position = position
        self.seen = seen
    }
}
