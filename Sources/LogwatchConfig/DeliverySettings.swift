/// How network sinks are delivered to.
public struct DeliverySettings: Sendable, Equatable {
    public var connectTimeoutSeconds: Double = 5
    /// The whole request, from connecting to the end of the response.
    public var timeoutSeconds: Double = 15
    /// Retries wait this long first, doubling each time (with jitter), up to `maxBackoffSeconds`.
    public var initialBackoffSeconds: Double = 1
    public var maxBackoffSeconds: Double = 300
    /// Undelivered alerts kept at most; past that the oldest are dropped, counted and reported.
    public var outboxLimit = 100_000

    public init() {}
}
