/// A batch of events in memory allocated once: readers build events straight into it, the
/// engine reads them where they lie, and the batch is emptied and filled again.
///
/// Not an `Array`: appending a new `TransactionEvent` to an array copies the whole event
/// through its value witness (retaining its texts) and destroys the original. Here
/// `append(time:...)` initializes the slot in place:
/// its body is compiled in this module, where the event's initializer (which delegates to the
/// memberwise one, see `TransactionEvent`) builds the event straight into the slot.
///
/// `@unchecked Sendable`: a batch is handed from one thread to another through a queue whose
/// lock orders the writer's last use before the reader's first; it is never used by two
/// threads at once.
public final class EventBatch: @unchecked Sendable {
    public let capacity: Int
    /// How many events the batch holds. Inlinable: readers ask before each line, from
    /// another module.
    @inlinable public var count: Int { filled }
    @usableFromInline private(set) var filled = 0
    private let base: UnsafeMutablePointer<TransactionEvent>

    public init(capacity: Int) {
        self.capacity = max(1, capacity)
        base = .allocate(capacity: self.capacity)
    }

    deinit {
        base.deinitialize(count: count)
        base.deallocate()
    }

    public var isEmpty: Bool { count == 0 }

    /// The event at `i` (a copy).
    public subscript(i: Int) -> TransactionEvent {
        precondition(i >= 0 && i < count, "event index out of range")
        return base[i]
    }

    /// The time of the event at `i`, read in place.
    public func time(at i: Int) -> Int64 { base[i].time }

    public var last: TransactionEvent? { count > 0 ? base[count - 1] : nil }

    /// The events, as an array (for tests and small batches).
    public var events: [TransactionEvent] { Array(UnsafeBufferPointer(start: base, count: count)) }

    /// The events in place, for reading (or changing) without copying them out.
    public func withEvents<R>(_ body: (UnsafeMutableBufferPointer<TransactionEvent>) throws -> R) rethrows -> R {
        try body(UnsafeMutableBufferPointer(start: base, count: count))
    }

    public func append(_ event: TransactionEvent) {
        precondition(filled < capacity, "batch full")
        (base + filled).initialize(to: event)
        filled += 1
    }

    /// Appends an event with only what the detectors read (see `TransactionEvent`'s package
    /// initializer), built in place (not inlinable: built here, the event needs no copy).
    package func append(time: Int64, sourceIP: IPAddress?, principal: consuming String?, principalHash: UInt32, status: Int?,
                        outcome: Outcome, failureReason: FailureReason?, origin: Origin, direction: Direction, recordID: UInt64) {
        precondition(filled < capacity, "batch full")
        (base + filled).initialize(to: TransactionEvent(time: time, sourceIP: sourceIP, principal: principal, principalHash: principalHash,
                                                        status: status, outcome: outcome, failureReason: failureReason, origin: origin,
                                                        direction: direction, recordID: recordID))
        filled += 1
    }

    /// Appends an event with every field, built in place.
    package func append(time: Int64, sourceIP: IPAddress?, principal: String?, apiProtocol: APIProtocol, method: String?,
                        path: String?, status: Int?, outcome: Outcome, failureReason: FailureReason?, durationMs: Double?,
                        bytes: Int64?, origin: Origin, direction: Direction, recordID: UInt64) {
        precondition(filled < capacity, "batch full")
        (base + filled).initialize(to: TransactionEvent(time: time, sourceIP: sourceIP, principal: principal, apiProtocol: apiProtocol,
                                                        method: method, path: path, status: status, outcome: outcome,
                                                        failureReason: failureReason, durationMs: durationMs, bytes: bytes, origin: origin,
                                                        direction: direction, recordID: recordID))
        filled += 1
    }

    /// Removes the last event and returns it.
    public func removeLast() -> TransactionEvent {
        precondition(filled > 0, "batch empty")
        filled -= 1
        return (base + filled).move()
    }

    public func removeAll() {
        for i in 0..<filled { TransactionEvent.destroy(base + i) }
        filled = 0
    }
}
