/// The API style of a request.
public enum APIProtocol: UInt8, Sendable, CaseIterable {
    case rest, soap, other
    /// The platform's own user interface (ServiceNow forms, lists, pages): not an integration.
    case ui

    /// The name used in JSON output: `REST`, `SOAP`, `other`, `ui`.
    public var name: String {
        switch self {
        case .rest: "REST"
        case .soap: "SOAP"
        case .other: "other"
        case .ui: "ui"
        }
    }
}

/// Whether a request came to the platform or went out from it.
public enum Direction: UInt8, Sendable, CaseIterable {
    case inbound, outbound

    /// The name used in JSON output.
    public var name: String { self == .inbound ? "inbound" : "outbound" }
}

/// What the record proves became of a request. Every format maps to these; a record that
/// does not tell is `unknown`, never `success`.
public enum Outcome: UInt8, Sendable, CaseIterable {
    /// Answered 1xx-3xx, authenticated or needing no authentication.
    case success
    /// Credentials were presented and refused.
    case authFailure
    /// A 401 that asked for credentials not sent yet (the first step of a handshake).
    case challenge
    /// Refused for lack of permission, not of identity (a 403 with no authentication reason).
    case denied
    /// Processed as the anonymous user (ServiceNow's `guest`).
    case unauthenticated
    /// Any other 4xx or 5xx.
    case error
    /// Nothing in the record tells (no status, status 0 or `-`).
    case unknown

    /// The name used in JSON output.
    public var name: String {
        switch self {
        case .success: "success"
        case .authFailure: "auth_failure"
        case .challenge: "challenge"
        case .denied: "denied"
        case .unauthenticated: "unauthenticated"
        case .error: "error"
        case .unknown: "unknown"
        }
    }
}

/// Why a request counts as a failed authentication.
public enum FailureReason: UInt8, Sendable, CaseIterable {
    /// HTTP 401 or 407 with credentials, or a platform's failed login: the credentials were wrong.
    case badCredentials
    /// A 401 whose record names no principal: no credentials, or ones the log does not show.
    case missingCredentials
    /// The user named does not exist.
    case unknownUser
    /// Single sign-on refused the login (ServiceNow `external.authentication.failed`).
    case ssoFailure
    /// A bearer token (OAuth, JWT) was refused as invalid.
    case tokenInvalid
    /// A bearer token was refused as expired.
    case tokenExpired
    /// A client certificate failed validation (mutual TLS) as the platform reports it.
    case certificateInvalid
    /// nginx 495: the client certificate failed verification (mutual TLS).
    case clientCertificateInvalid
    /// nginx 496: no client certificate was sent where one is required (mutual TLS).
    case clientCertificateMissing
    case oauthInvalidClient
    case oauthInvalidGrant
    case oauthInvalidToken
    case oauthUnauthorizedClient
    case oauthAccessDenied
    case wsseFailedAuthentication
    case wsseInvalidSecurity
    case wsseInvalidSecurityToken
    case wsseFailedCheck
    case wsseSecurityTokenUnavailable

    /// The name used in JSON output; OAuth and WS-Security reasons keep their protocol's own code.
    public var name: String {
        switch self {
        case .badCredentials: "bad_credentials"
        case .missingCredentials: "missing_credentials"
        case .unknownUser: "unknown_user"
        case .ssoFailure: "sso_failure"
        case .tokenInvalid: "token_invalid"
        case .tokenExpired: "token_expired"
        case .certificateInvalid: "certificate_invalid"
        case .clientCertificateInvalid: "client_certificate_invalid"
        case .clientCertificateMissing: "client_certificate_missing"
        case .oauthInvalidClient: "invalid_client"
        case .oauthInvalidGrant: "invalid_grant"
        case .oauthInvalidToken: "invalid_token"
        case .oauthUnauthorizedClient: "unauthorized_client"
        case .oauthAccessDenied: "access_denied"
        case .wsseFailedAuthentication: "wsse:FailedAuthentication"
        case .wsseInvalidSecurity: "wsse:InvalidSecurity"
        case .wsseInvalidSecurityToken: "wsse:InvalidSecurityToken"
        case .wsseFailedCheck: "wsse:FailedCheck"
        case .wsseSecurityTokenUnavailable: "wsse:SecurityTokenUnavailable"
        }
    }
}

/// Where an event came from: an input (by its index in the run's list of inputs) and a 1-based line.
public struct Origin: Hashable, Sendable {
    public var input: Int32
    public var line: Int64

    public init(input: Int32, line: Int64) {
        self.input = input
        self.line = line
    }
}

/// One request, as read from a transaction log.
///
/// The fields are declared (so laid out) with what the detectors read first: time, address,
/// outcome, direction, principal and origin share the first 64 bytes, and the record id
/// follows them, so the detection thread reads one or two cache lines of each event the
/// reading thread wrote, not all three.
public struct TransactionEvent: Sendable, Equatable {
    /// Event time in milliseconds since the Unix epoch, UTC.
    public var time: Int64
    public var sourceIP: IPAddress?
    public var outcome: Outcome
    public var failureReason: FailureReason?
    /// Whether the platform received the request or made it (an outbound integration call).
    public var direction: Direction
    /// The principal's `storeHash` (0 without a principal), computed once where the event is
    /// made: a reader has it from its cache of principals' texts, and each detector's store
    /// looks the principal up by it. 32 bits, so that it fits the first cache line beside
    /// the fields it goes with.
    @usableFromInline
    package private(set) var principalHash: UInt32
    /// The user, OAuth client id, API key id or service account, when the log names one.
    @inlinable
    public var principal: String? {
        get { principalText }
        set {
            principalText = newValue
            principalHash = UInt32(truncatingIfNeeded: newValue?.storeHash ?? 0)
        }
    }
    /// Where `principal` is kept (set only with its hash).
    @usableFromInline
    package private(set) var principalText: String?
    public var origin: Origin
    /// A hash of the record's own identity where the source has one (ServiceNow's `sys_id`),
    /// so that a record exported in two overlapping files counts once; 0 without one.
    public var recordID: UInt64
    public var apiProtocol: APIProtocol
    public var status: Int?
    public var method: String?
    /// The URL path, without the query string (query strings often carry tokens).
    public var path: String?
    public var durationMs: Double?
    public var bytes: Int64?
}

// The initializers delegate to the implicit memberwise one (declared in extensions so that
// it exists): written as field-by-field assignments, an initializer builds the event in a
// temporary, copies it whole through its value witness (retaining its texts) and destroys
// the temporary. Keep them delegating. They are not inlinable (the memberwise initializer is
// internal): a call, then the event is built in place.
extension TransactionEvent {
    public init(
        time: Int64, sourceIP: IPAddress? = nil, principal: String? = nil, apiProtocol: APIProtocol = .other,
        method: String? = nil, path: String? = nil, status: Int? = nil, outcome: Outcome = .success,
        failureReason: FailureReason? = nil, durationMs: Double? = nil, bytes: Int64? = nil,
        origin: Origin = Origin(input: 0, line: 0), direction: Direction = .inbound, recordID: UInt64 = 0
    ) {
        self.init(time: time, sourceIP: sourceIP, outcome: outcome, failureReason: failureReason, direction: direction,
                  principalHash: UInt32(truncatingIfNeeded: principal?.storeHash ?? 0), principalText: principal,
                  origin: origin, recordID: recordID, apiProtocol: apiProtocol, status: status, method: method, path: path,
                  durationMs: durationMs, bytes: bytes)
    }

    /// An event with only what the detectors read, and its principal's `storeHash` as the
    /// reader already has it (from its cache of principals).
    package init(time: Int64, sourceIP: IPAddress?, principal: String?, principalHash: UInt32, status: Int?, outcome: Outcome,
                 failureReason: FailureReason?, origin: Origin, direction: Direction, recordID: UInt64) {
        self.init(time: time, sourceIP: sourceIP, outcome: outcome, failureReason: failureReason, direction: direction,
                  principalHash: principalHash, principalText: principal, origin: origin, recordID: recordID,
                  apiProtocol: .other, status: status, method: nil, path: nil, durationMs: nil, bytes: nil)
    }
}

extension TransactionEvent {
    /// Destroys the event at `p`, as `p.deinitialize(count: 1)` does, for `EventBatch`.
    ///
    /// Its only reference-counted fields are its three texts (a test holds every other field
    /// to a trivial type). Most events a scan makes have no method and no path: releasing the
    /// principal's text then leaves nothing to destroy, where the value witness would release
    /// all three texts.
    @inline(__always)
    static func destroy(_ p: UnsafeMutablePointer<TransactionEvent>) {
        if p.pointee.method == nil && p.pointee.path == nil {
            p.pointee.principalText = nil
        } else {
            p.deinitialize(count: 1)
        }
    }
}
