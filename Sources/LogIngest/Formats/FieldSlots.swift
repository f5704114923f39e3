/// The parts of an event a parser can find, before they are interpreted.
public enum FieldRole: Int, CaseIterable, Sendable {
    case time, sourceIP, principal, method, path, requestLine, status, duration, bytes, apiType, errorText

    /// The name accepted by `--field NAME=PATH`.
    public var fieldName: String {
        switch self {
        case .time: "time"
        case .sourceIP: "source_ip"
        case .principal: "principal"
        case .method: "method"
        case .path: "path"
        case .requestLine: "request"
        case .status: "status"
        case .duration: "duration_ms"
        case .bytes: "bytes"
        case .apiType: "type"
        case .errorText: "error"
        }
    }
}

/// The unit of a duration field; `auto` reads a number with a fraction as seconds and a
/// whole number as milliseconds (Caddy writes `0.0012`, Envoy writes `12`).
public enum DurationUnit: Sendable {
    case seconds, milliseconds, microseconds, nanoseconds, auto
}

/// Per-role byte buffers a parser fills for one line, reused from line to line so that
/// steady-state parsing allocates nothing.
struct FieldSlots {
    private(set) var values: [[UInt8]]
    private var ranks: [Int]
    private(set) var present: UInt32 = 0
    var durationUnit: DurationUnit = .auto

    init() {
        values = Array(repeating: [], count: FieldRole.allCases.count)
        for i in values.indices { values[i].reserveCapacity(64) }
        ranks = Array(repeating: 0, count: FieldRole.allCases.count)
    }

    mutating func reset() {
        present = 0
        durationUnit = .auto
    }

    func has(_ role: FieldRole) -> Bool { present & (1 << role.rawValue) != 0 }

    /// Whether a value of this rank would replace the current one (lower rank wins; the first
    /// of equal ranks is kept, so a duplicate key cannot override).
    func wants(_ role: FieldRole, rank: Int) -> Bool {
        !has(role) || rank < ranks[role.rawValue]
    }

    mutating func set(_ role: FieldRole, _ bytes: UnsafeRawBufferPointer, rank: Int = 0) {
        guard wants(role, rank: rank) else { return }
        values[role.rawValue].removeAll(keepingCapacity: true)
        values[role.rawValue].append(contentsOf: bytes)
        ranks[role.rawValue] = rank
        present |= 1 << role.rawValue
    }

    /// Starts a value to be appended piecewise (for JSON strings with escapes).
    mutating func begin(_ role: FieldRole, rank: Int) {
        values[role.rawValue].removeAll(keepingCapacity: true)
        ranks[role.rawValue] = rank
        present |= 1 << role.rawValue
    }

    mutating func append(_ role: FieldRole, _ byte: UInt8) {
        values[role.rawValue].append(byte)
    }

    mutating func append(_ role: FieldRole, _ bytes: UnsafeRawBufferPointer) {
        values[role.rawValue].append(contentsOf: bytes)
    }

    mutating func clear(_ role: FieldRole) {
        present &= ~(1 << role.rawValue)
    }

    func withValue<R>(_ role: FieldRole, _ body: (UnsafeRawBufferPointer) -> R) -> R? {
        guard has(role) else { return nil }
        return values[role.rawValue].withUnsafeBytes(body)
    }
}
