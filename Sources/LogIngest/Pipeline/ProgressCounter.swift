import Foundation

/// Bytes and events read so far, published by the reading thread and read by the display.
///
/// `@unchecked Sendable`: both properties are read and written only while `lock` is held.
public final class ProgressCounter: @unchecked Sendable {
    private let lock = NSLock()
    private var bytes: Int64 = 0
    private var events: Int64 = 0

    public init() {}

    public func publish(bytes: Int64, events: Int64) {
        lock.lock()
        self.bytes = bytes
        self.events = events
        lock.unlock()
    }

    public var current: (bytes: Int64, events: Int64) {
        lock.lock()
        defer { lock.unlock() }
        return (bytes, events)
    }
}
