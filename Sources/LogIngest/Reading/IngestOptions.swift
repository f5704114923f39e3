/// How inputs are read.
public struct IngestOptions: Sendable {
    /// The format of every input, or `.auto` to detect it per input.
    public var format: LogFormat = .auto
    /// The zone of timestamps that carry no UTC offset.
    public var naiveZone: NaiveTimeZone = .utc
    /// The format of timestamps written for people (a ServiceNow export with display values),
    /// read in `naiveZone`.
    public var dateFormat: DisplayDateFormat?
    /// `--field NAME=PATH`: a JSON path, CSV column or W3C field per role, replacing the defaults.
    public var fieldOverrides: [FieldRole: String] = [:]
    /// Lines longer than this are skipped and counted as oversized.
    public var maxLineBytes = 64 * 1024
    /// How many malformed lines are kept as examples for the summary.
    public var malformedSampleLimit = 5
    /// Which fields of an event are filled in.
    public var fields: EventFields = .all

    public init() {}
}

/// Which fields of an event a reader fills in.
public enum EventFields: Sendable {
    /// Every field the log has.
    case all
    /// What the detectors read: time, source address, principal, status, outcome and failure
    /// reason. Method, path, protocol, duration and size stay empty (and `other`), which saves
    /// their parsing and the path's text on every line.
    case detection

    /// The roles whose values go unread, so not stored at all.
    var unreadRoles: [FieldRole] {
        switch self {
        case .all: []
        case .detection: [.method, .path, .requestLine, .duration, .bytes, .apiType]
        }
    }
}

/// A line that did not parse, kept to show the user.
public struct MalformedLine: Sendable, Equatable {
    public var input: String
    public var line: Int64
    public var reason: String
}

/// Counts for one input.
public struct InputStats: Sendable, Equatable {
    public var lines: Int64 = 0
    public var events: Int64 = 0
    public var malformed: Int64 = 0
    /// Well-formed records that are not requests (other platform events, system-log messages
    /// about something else, the Instance Analyzer's polling).
    public var notRequests: Int64 = 0
    /// Records with no request field (JSON objects of an application's or a firewall's log).
    public var notAccessLog: Int64 = 0
    /// Events without a status (their outcome is `unknown` unless the source tells), and
    /// without a client address (the address detectors cannot judge them).
    public var withoutStatus: Int64 = 0
    public var withoutAddress: Int64 = 0
    public var oversized: Int64 = 0
    public var compressedBytes: Int64 = 0
    public var decodedBytes: Int64 = 0
    public var stream: StreamKind? = nil
    /// The format used (detected or given); nil while undetected.
    public var format: LogFormat? = nil

    public init() {}
}
