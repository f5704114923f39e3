import LogwatchCore

/// What a row of one of ServiceNow's log tables means, whichever container it came in (CSV,
/// JSON, XML): the table is told by the row's fields.
///
/// - Event log (`sysevent`: `name`, `parm1`, `parm2`): `login.failed` is a failed login of user
///   `parm1` from address `parm2`; `login` a successful one; `external.authentication.failed`
///   a refused single sign-on; other events are not requests. The Instance Analyzer's polling
///   (`login.failed` with a certificate in `parm1`) is left out. Sources: ServiceNow KB1500674
///   (login events and their parameters), KB3008370 (the Analyzer's polling), "Monitor the
///   event queue for login activities" (external authentication events).
/// - System log (`syslog`: `message`): messages about refused tokens, certificates and logins
///   (`SystemLogMessages`); other messages are not requests.
/// - Outbound HTTP log (`sys_outbound_http_log`: a host name): a call the instance made.
/// - Transaction log (`syslog_transaction`, anything else with `sys_created_by`): a request by
///   `sys_created_by`, which has no status: a named user's row is a success, `guest`'s (the
///   platform's anonymous user) unauthenticated.
enum ServiceNowRecord {
    struct Meaning {
        var principal: UnsafeRawBufferPointer?
        var address: UnsafeRawBufferPointer?
        /// nil: the row's status decides.
        var outcome: Outcome?
        var reason: FailureReason?
        var direction = Direction.inbound
        /// A transaction-log row: its `type` names UI transactions too.
        var transaction = false
    }

    enum Interpretation {
        case request(Meaning)
        case notARequest
    }

    static func interpret(_ slots: FieldSlots, status: Int?) -> Interpretation {
        let createdBy = slots.value(.createdBy).flatMap(nonEmpty)
        if let name = slots.value(.eventName), slots.has(.parm1) || slots.has(.parm2) {
            return event(name, parm1: slots.value(.parm1).flatMap(nonEmpty), parm2: slots.value(.parm2).flatMap(nonEmpty))
        }
        if let message = slots.value(.message) {
            guard let reason = SystemLogMessages.reason(message) else { return .notARequest }
            let user = createdBy.flatMap { isGuest($0) || equals($0, "system") ? nil : $0 }
            return .request(Meaning(principal: user, outcome: .authFailure, reason: reason))
        }
        let user = slots.value(.principal).flatMap(nonEmpty) ?? createdBy
        if slots.has(.host) {
            return .request(Meaning(principal: user, direction: .outbound))
        }
        var m = Meaning(principal: user)
        m.transaction = true
        let refused = status.map { $0 >= 400 } ?? false
        if let user, isGuest(user), !refused {
            m.outcome = .unauthenticated
        } else if status == nil {
            m.outcome = user == nil ? .unknown : .success
        }
        return .request(m)
    }

    private static func event(_ name: UnsafeRawBufferPointer, parm1: UnsafeRawBufferPointer?, parm2: UnsafeRawBufferPointer?) -> Interpretation {
        if equals(name, "login.failed") {
            // The Instance Analyzer's polling: a certificate (PEM text or a subject) as the user.
            if let p = parm1, startsWith(p, "-----begin") || startsWith(p, "cn=") { return .notARequest }
            return .request(Meaning(principal: parm1, address: parm2, outcome: .authFailure, reason: .badCredentials))
        }
        if equals(name, "login") {
            return .request(Meaning(principal: parm1, address: parm2, outcome: .success))
        }
        if equals(name, "external.authentication.failed") {
            // parm1 is the user id, or the session id when the login never named a user.
            let user = parm1.flatMap { isSessionID($0) ? nil : $0 }
            return .request(Meaning(principal: user, outcome: .authFailure, reason: .ssoFailure))
        }
        if equals(name, "external.authentication.succeeded") {
            return .request(Meaning(principal: parm1, outcome: .success))
        }
        return .notARequest
    }

    /// The protocol of a transaction-log row's `type`: REST and SOAP (`rest`, `soap`,
    /// `websvc`) are integrations; scheduled and background work is `other`; the rest (form,
    /// list, page, AJAX) is the platform's own user interface.
    static func transactionProtocol(_ type: UnsafeRawBufferPointer) -> APIProtocol {
        if EventBuilder.contains(type, caseInsensitive: "rest") { return .rest }
        if EventBuilder.contains(type, caseInsensitive: "soap") || EventBuilder.contains(type, caseInsensitive: "websvc") { return .soap }
        for other: StaticString in ["schedul", "background", "worker", "mid", "system", "json"] where EventBuilder.contains(type, caseInsensitive: other) {
            return .other
        }
        return .ui
    }

    /// A row's sys_id as a number that is the same in every run (never 0).
    static func identity(_ sysID: UnsafeRawBufferPointer) -> UInt64 {
        let h = StableHash.add(sysID, to: StableHash.offsetBasis)
        return h == 0 ? 1 : h
    }

    static func isGuest(_ user: UnsafeRawBufferPointer) -> Bool { equals(user, "guest") }

    private static func nonEmpty(_ b: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer? { b.isEmpty ? nil : b }

    /// 32 hexadecimal digits: a ServiceNow session or record id.
    private static func isSessionID(_ b: UnsafeRawBufferPointer) -> Bool {
        b.count == 32 && b.allSatisfy { ($0 >= 0x30 && $0 <= 0x39) || ($0 | 0x20 >= 0x61 && $0 | 0x20 <= 0x66) }
    }

    /// ASCII case-insensitive equality; `text` is lower case.
    static func equals(_ b: UnsafeRawBufferPointer, _ text: StaticString) -> Bool {
        guard b.count == text.utf8CodeUnitCount else { return false }
        return startsWith(b, text)
    }

    /// ASCII case-insensitive prefix test; `text` is lower case.
    static func startsWith(_ b: UnsafeRawBufferPointer, _ text: StaticString) -> Bool {
        text.withUTF8Buffer { t in
            guard b.count >= t.count else { return false }
            for i in 0..<t.count {
                let c = b[i]
                if (c >= 0x41 && c <= 0x5A ? c | 0x20 : c) != t[i] { return false }
            }
            return true
        }
    }
}

/// The system-log (`syslog`) messages that record a refused credential, with the reason each
/// becomes. Matched case-insensitively anywhere in the message.
enum SystemLogMessages {
    static let patterns: [(StaticString, FailureReason)] = [
        ("token expired", .tokenExpired),
        ("token is expired", .tokenExpired),
        ("token has expired", .tokenExpired),
        ("expired access token", .tokenExpired),
        ("expired token", .tokenExpired),
        ("invalid access token", .tokenInvalid),
        ("invalid oauth", .tokenInvalid),
        ("invalid token", .tokenInvalid),
        ("invalid jwt", .tokenInvalid),
        ("jwt signature", .tokenInvalid),
        ("token validation failed", .tokenInvalid),
        ("failed to validate token", .tokenInvalid),
        ("certificate validation failed", .certificateInvalid),
        ("invalid certificate", .certificateInvalid),
        ("certificate has expired", .certificateInvalid),
        ("certificate expired", .certificateInvalid),
        ("peer not authenticated", .certificateInvalid),
        ("authentication failed", .badCredentials),
        ("authentication failure", .badCredentials),
        ("login failed", .badCredentials),
        ("failed login", .badCredentials),
    ]

    static func reason(_ message: UnsafeRawBufferPointer) -> FailureReason? {
        for (text, reason) in patterns where EventBuilder.contains(message, caseInsensitive: text) { return reason }
        return nil
    }
}
