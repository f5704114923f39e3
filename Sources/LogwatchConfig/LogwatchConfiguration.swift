import AnomalyEngine

/// Everything a configuration file says: the engine's settings, where alerts go, and how.
public struct LogwatchConfiguration: Sendable, Equatable {
    public var engine = EngineConfiguration()
    public var sinks: [SinkSpec] = []
    public var delivery = DeliverySettings()

    public init() {}
}
