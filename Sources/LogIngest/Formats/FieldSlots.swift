/// The parts of an event a parser can find, before they are interpreted.
public enum FieldRole: Int, CaseIterable, Sendable {
    case time, sourceIP, principal, method, path, requestLine, status, duration, bytes, apiType, errorText
    /// ServiceNow's record fields: who created the row, the event name and parameters of the
    /// event log, the system log's message, the outbound log's destination, the row's sys_id.
    case createdBy, eventName, parm1, parm2, message, host, recordID
    /// IIS's `sc-substatus` (401.2 is the challenge before a Windows login).
    case subStatus

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
        case .createdBy: "created_by"
        case .eventName: "event_name"
        case .parm1: "parm1"
        case .parm2: "parm2"
        case .message: "message"
        case .host: "host"
        case .recordID: "record_id"
        case .subStatus: "substatus"
        }
    }
}

/// The unit of a duration field; `auto` reads a number with a fraction as seconds and a
/// whole number as milliseconds (Caddy writes `0.0012`, Envoy writes `12`).
public enum DurationUnit: Sendable {
    case seconds, milliseconds, microseconds, nanoseconds, auto
}

/// The fields a parser found in one line. A field is a view into the line's own bytes (valid
/// until the framer hands out the next line, which is after the event is built), or a view of
/// a copy kept here when its bytes had to be rewritten (JSON escapes, CSV doubled quotes) or its
/// source does not outlive the call.
///
/// A class over storage allocated once: setting a field is two stores, reading one a load,
/// with no array bounds or uniqueness checks on the per-line path. Copies grow their buffer
/// when needed and keep it: steady-state parsing allocates nothing.
final class FieldSlots {
    private static let roles = FieldRole.allCases.count
    /// Per role: the value's bytes (a view of the line, or of `copies`).
    private let views: UnsafeMutablePointer<UnsafeRawBufferPointer>
    /// Per role: the rank of the value held (lower wins).
    private let ranks: UnsafeMutablePointer<Int>
    /// Per role: a buffer for values that are copies, and its capacity.
    private let copies: UnsafeMutablePointer<UnsafeMutableRawPointer>
    private let capacities: UnsafeMutablePointer<Int>
    private(set) var present: UInt32 = 0
    /// Roles whose value is in `copies` rather than a view of the line.
    private var ownedMask: UInt32 = 0
    var durationUnit: DurationUnit = .auto
    /// Roles nobody reads (`EventFields.detection`): never stored, so parsers skip their work.
    var ignored: UInt32 = 0
    /// Ignored roles that the record has a field for (so it is a request even unread).
    var mentionedUnread: UInt32 = 0

    init() {
        let n = Self.roles
        views = .allocate(capacity: n)
        views.initialize(repeating: UnsafeRawBufferPointer(start: nil, count: 0), count: n)
        ranks = .allocate(capacity: n)
        ranks.initialize(repeating: 0, count: n)
        copies = .allocate(capacity: n)
        capacities = .allocate(capacity: n)
        for i in 0..<n {
            (copies + i).initialize(to: .allocate(byteCount: 64, alignment: 1))
            (capacities + i).initialize(to: 64)
        }
    }

    deinit {
        for i in 0..<Self.roles { copies[i].deallocate() }
        views.deallocate()
        ranks.deallocate()
        copies.deallocate()
        capacities.deallocate()
    }

    @inline(__always)
    func reset() {
        present = 0
        mentionedUnread = 0
        ownedMask = 0
        durationUnit = .auto
    }

    @inline(__always)
    func has(_ role: FieldRole) -> Bool { present & (1 << role.rawValue) != 0 }

    /// Whether a value of this rank would replace the current one (lower rank wins; the first
    /// of equal ranks is kept, so a duplicate key cannot override).
    @inline(__always)
    func wants(_ role: FieldRole, rank: Int) -> Bool {
        !ignores(role) && (!has(role) || rank < ranks[role.rawValue])
    }

    @inline(__always)
    func ignores(_ role: FieldRole) -> Bool { ignored & (1 << role.rawValue) != 0 }

    /// Whether the record has a field for `role`, stored or not.
    @inline(__always)
    func mentions(_ role: FieldRole) -> Bool { (present | mentionedUnread) & (1 << role.rawValue) != 0 }

    /// Sets a field to a view of `bytes`, which must stay valid until the event is built
    /// (the line itself). Use `copy: true` for bytes that do not live that long.
    @inline(__always)
    func set(_ role: FieldRole, _ bytes: UnsafeRawBufferPointer, rank: Int = 0, copy: Bool = false) {
        guard wants(role, rank: rank) else { return }
        let r = role.rawValue
        let bit: UInt32 = 1 << r
        if copy {
            ownedMask |= bit
            views[r] = UnsafeRawBufferPointer(start: copies[r], count: 0)
            appendCopied(r, bytes)
        } else {
            views[r] = bytes
            ownedMask &= ~bit
        }
        ranks[r] = rank
        present |= bit
    }

    /// Sets a field that a parser sets at most once per line, to a view of the line (no rank
    /// kept: nothing else competes for it), unless nobody reads it.
    @inline(__always)
    func setOnce(_ role: FieldRole, _ bytes: UnsafeRawBufferPointer) {
        let bit: UInt32 = 1 << role.rawValue
        guard ignored & bit == 0 else { return }
        views[role.rawValue] = bytes
        present |= bit
    }

    /// Starts a copied value to be appended piecewise (for JSON strings with escapes).
    func begin(_ role: FieldRole, rank: Int) {
        let r = role.rawValue
        views[r] = UnsafeRawBufferPointer(start: copies[r], count: 0)
        ranks[r] = rank
        present |= 1 << r
        ownedMask |= 1 << r
    }

    /// Turns a view into a copy, so that more can be appended to it.
    private func own(_ r: Int) {
        let bit: UInt32 = 1 << r
        guard ownedMask & bit == 0 else { return }
        let held = present & bit != 0 ? views[r] : UnsafeRawBufferPointer(start: nil, count: 0)
        views[r] = UnsafeRawBufferPointer(start: copies[r], count: 0)
        ownedMask |= bit
        appendCopied(r, held)
    }

    /// Appends to role `r`'s copy, growing its buffer when needed.
    private func appendCopied(_ r: Int, _ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        let held = views[r].count
        let needed = held + bytes.count
        if needed > capacities[r] {
            var grown = capacities[r] * 2
            while grown < needed { grown *= 2 }
            let buffer = UnsafeMutableRawPointer.allocate(byteCount: grown, alignment: 1)
            buffer.copyMemory(from: copies[r], byteCount: held)
            copies[r].deallocate()
            copies[r] = buffer
            capacities[r] = grown
        }
        (copies[r] + held).copyMemory(from: bytes.baseAddress!, byteCount: bytes.count)
        views[r] = UnsafeRawBufferPointer(start: copies[r], count: needed)
    }

    func append(_ role: FieldRole, _ byte: UInt8) {
        withUnsafeBytes(of: byte) { append(role, $0) }
    }

    func append(_ role: FieldRole, _ bytes: UnsafeRawBufferPointer) {
        own(role.rawValue)
        appendCopied(role.rawValue, bytes)
    }

    /// Bytes held so far for a role (for caps on accumulated values).
    func count(_ role: FieldRole) -> Int { views[role.rawValue].count }

    /// The value of a role, valid until the next line is framed or a value of the role is set.
    @inline(__always)
    func value(_ role: FieldRole) -> UnsafeRawBufferPointer? {
        has(role) ? views[role.rawValue] : nil
    }
}
