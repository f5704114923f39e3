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

/// The fields a parser found in one line. A field is a view into the line's own bytes (valid
/// until the framer hands out the next line, which is after the event is built), or an owned
/// copy when its bytes had to be rewritten (JSON escapes, CSV doubled quotes) or its source
/// does not outlive the call. Buffers are reused from line to line: steady-state parsing
/// allocates nothing.
struct FieldSlots {
    private var views: [UnsafeRawBufferPointer]
    private var owned: [[UInt8]]
    private var ranks: [Int]
    private(set) var present: UInt32 = 0
    /// Roles whose value is in `owned` rather than a view.
    private var ownedMask: UInt32 = 0
    var durationUnit: DurationUnit = .auto

    init() {
        let n = FieldRole.allCases.count
        views = Array(repeating: UnsafeRawBufferPointer(start: nil, count: 0), count: n)
        owned = Array(repeating: [], count: n)
        for i in owned.indices { owned[i].reserveCapacity(64) }
        ranks = Array(repeating: 0, count: n)
    }

    mutating func reset() {
        present = 0
        ownedMask = 0
        durationUnit = .auto
    }

    func has(_ role: FieldRole) -> Bool { present & (1 << role.rawValue) != 0 }

    /// Whether a value of this rank would replace the current one (lower rank wins; the first
    /// of equal ranks is kept, so a duplicate key cannot override).
    func wants(_ role: FieldRole, rank: Int) -> Bool {
        !has(role) || rank < ranks[role.rawValue]
    }

    /// Sets a field to a view of `bytes`, which must stay valid until the event is built
    /// (the line itself). Use `copy: true` for bytes that do not live that long.
    mutating func set(_ role: FieldRole, _ bytes: UnsafeRawBufferPointer, rank: Int = 0, copy: Bool = false) {
        guard wants(role, rank: rank) else { return }
        let bit: UInt32 = 1 << role.rawValue
        if copy {
            owned[role.rawValue].removeAll(keepingCapacity: true)
            owned[role.rawValue].append(contentsOf: bytes)
            ownedMask |= bit
        } else {
            views[role.rawValue] = bytes
            ownedMask &= ~bit
        }
        ranks[role.rawValue] = rank
        present |= bit
    }

    /// Starts an owned value to be appended piecewise (for JSON strings with escapes).
    mutating func begin(_ role: FieldRole, rank: Int) {
        owned[role.rawValue].removeAll(keepingCapacity: true)
        ranks[role.rawValue] = rank
        present |= 1 << role.rawValue
        ownedMask |= 1 << role.rawValue
    }

    /// Turns a view into an owned copy, so that more can be appended to it.
    private mutating func own(_ role: FieldRole) {
        let bit: UInt32 = 1 << role.rawValue
        guard ownedMask & bit == 0 else { return }
        owned[role.rawValue].removeAll(keepingCapacity: true)
        if present & bit != 0 { owned[role.rawValue].append(contentsOf: views[role.rawValue]) }
        ownedMask |= bit
    }

    mutating func append(_ role: FieldRole, _ byte: UInt8) {
        own(role)
        owned[role.rawValue].append(byte)
    }

    mutating func append(_ role: FieldRole, _ bytes: UnsafeRawBufferPointer) {
        own(role)
        owned[role.rawValue].append(contentsOf: bytes)
    }

    /// Bytes held so far for a role (for caps on accumulated values).
    func count(_ role: FieldRole) -> Int {
        ownedMask & (1 << role.rawValue) != 0 ? owned[role.rawValue].count : views[role.rawValue].count
    }

    func withValue<R>(_ role: FieldRole, _ body: (UnsafeRawBufferPointer) -> R) -> R? {
        guard has(role) else { return nil }
        if ownedMask & (1 << role.rawValue) != 0 { return owned[role.rawValue].withUnsafeBytes(body) }
        return body(views[role.rawValue])
    }
}
