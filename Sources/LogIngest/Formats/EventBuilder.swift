import LogwatchCore

/// Turns the raw fields of one line into a `TransactionEvent`: parses times, addresses and
/// numbers, and classifies protocol, outcome and failure reason the same way for every format.
struct EventBuilder {
    var timestamps: TimestampParser
    private let principals = TextCache<Void>()
    /// Address text to address: a repeated address is a hash and a comparison, not a parse.
    private let addresses = AddressCache()
    /// Path (without query) to its text and the protocol the path alone implies.
    private let paths = TextCache<APIProtocol>()
    /// Only what the detectors read (`EventFields.detection`).
    private let detectionOnly: Bool

    init(naiveZone: NaiveTimeZone, displayFormat: DisplayDateFormat? = nil, fields: EventFields = .all) {
        timestamps = TimestampParser(naiveZone: naiveZone, displayFormat: displayFormat)
        detectionOnly = fields == .detection
    }

    enum Failure: Equatable {
        case missingTime, badTime
        /// A record that is not a request (a platform event of another name, a system-log
        /// message about something else): counted, not malformed.
        case notARequest
        /// A record with no request field at all (status, method, path, request line, client
        /// address): an application's or a firewall's log, not an access log.
        case notAnAccessLog
    }

    /// The time of the event appended last.
    private(set) var lastTime: Int64 = 0
    /// Events built without a status, and without a client address.
    private(set) var withoutStatus: Int64 = 0
    private(set) var withoutAddress: Int64 = 0

    /// Appends the event of one record to `events` (which has room), or returns why there
    /// is none.
    ///
    /// Appended here rather than returned through a typed throw, which costs more per line.
    /// Built in place in the batch (see `EventBatch`).
    @inline(__always)
    mutating func build(_ slots: FieldSlots, origin: Origin, into events: EventBatch) -> Failure? {
        guard let timeText = slots.value(.time) else { return .missingTime }
        guard let time = timestamps.parse(timeText) else { return .badTime }
        var sourceIP: IPAddress?
        var principalBytes = slots.value(.principal)
        var status: Int?
        if let v = slots.value(.status), let n = NumberParsing.status(v), n >= 100, n <= 999 { status = Int(n) }
        var reason: FailureReason?
        if let v = slots.value(.errorText) { reason = Self.errorReason(v, status: status) }
        reason = Self.failureReason(status: status, errorText: reason)
        var outcome = Self.outcome(status: status, reason: reason)
        var direction = Direction.inbound
        var recordID: UInt64 = 0
        var transactionRow = false
        if slots.has(.createdBy) || (slots.has(.eventName) && (slots.has(.parm1) || slots.has(.parm2))) || (slots.has(.host) && slots.has(.status)) {
            // A ServiceNow table's row (who created it, an event's parameters, or an outbound
            // call's host and status): what it means depends on the table.
            switch ServiceNowRecord.interpret(slots, status: status) {
            case .notARequest:
                return .notARequest
            case .request(let meaning):
                if let p = meaning.principal { principalBytes = p }
                if let a = meaning.address { sourceIP = addresses.address(for: a, parse: Self.parseAddress) }
                if let o = meaning.outcome { outcome = o; reason = meaning.reason }
                direction = meaning.direction
                transactionRow = meaning.transaction
            }
            if let id = slots.value(.recordID), !id.isEmpty { recordID = ServiceNowRecord.identity(id) }
        } else if !(slots.has(.status) || slots.has(.sourceIP) || slots.mentions(.method) || slots.mentions(.path) || slots.mentions(.requestLine)) {
            return .notAnAccessLog
        } else if status == 401 {
            if let sub = slots.value(.subStatus), sub.count == 1, sub[0] == UInt8(ascii: "2") {
                // IIS 401.2: the anonymous challenge that starts every Windows login.
                outcome = .challenge
                reason = nil
            } else if reason == .badCredentials && principalBytes.map({ $0.isEmpty || ($0.count == 1 && $0[0] == UInt8(ascii: "-")) }) ?? true {
                reason = .missingCredentials
            }
        }
        lastTime = time
        if sourceIP == nil, let bytes = slots.value(.sourceIP) { sourceIP = addresses.address(for: bytes, parse: Self.parseAddress) }
        if status == nil { withoutStatus += 1 }
        if sourceIP == nil { withoutAddress += 1 }
        var principal: String?
        var principalHash: UInt32 = 0
        if let bytes = principalBytes {
            let found = principals.valueAndHash(for: bytes) { (Self.text($0), ()) }
            principal = found.text
            principalHash = found.hash
        }
        if detectionOnly {
            events.append(time: time, sourceIP: sourceIP, principal: consume principal, principalHash: principalHash,
                          status: status, outcome: outcome, failureReason: reason, origin: origin, direction: direction, recordID: recordID)
            return nil
        }

        // Method and target, from their own fields or from a request line "GET /x HTTP/1.1".
        var methodBytes = slots.value(.method).flatMap { $0.isEmpty || ($0.count == 1 && $0[0] == UInt8(ascii: "-")) ? nil : $0 }
        var path: String?
        var protocolKind = APIProtocol.other
        if let line = slots.value(.requestLine) {
            let parts = Self.splitRequestLine(line)
            if methodBytes == nil { methodBytes = parts.method }
            if !slots.has(.path), let target = parts.target {
                (path, protocolKind) = classifyTarget(target)
            }
        }
        if let raw = slots.value(.path) {
            (path, protocolKind) = classifyTarget(raw)
        }
        if let v = slots.value(.apiType) {
            if transactionRow, !v.isEmpty {
                protocolKind = ServiceNowRecord.transactionProtocol(v)
            } else if let typed = Self.classifyType(v) {
                protocolKind = typed
            }
        }
        var bytes: Int64?
        if let v = slots.value(.bytes), let n = NumberParsing.integer(v), n >= 0 { bytes = n }
        events.append(time: time, sourceIP: sourceIP, principal: principal, apiProtocol: protocolKind,
                      method: methodBytes.flatMap(Self.method), path: path, status: status, outcome: outcome,
                      failureReason: reason, durationMs: slots.value(.duration).flatMap { Self.durationMs($0, unit: slots.durationUnit) },
                      bytes: bytes, origin: origin, direction: direction, recordID: recordID)
        return nil
    }

    /// The method's text (the common ones without building a string); nil for anything that
    /// is not a method name (letters, `-` and `_`, at most 24).
    static func method(_ bytes: UnsafeRawBufferPointer) -> String? {
        guard !bytes.isEmpty, bytes.count <= 24,
              bytes.allSatisfy({ ($0 >= 0x41 && $0 <= 0x5A) || $0 == UInt8(ascii: "-") || $0 == UInt8(ascii: "_") || ($0 >= 0x61 && $0 <= 0x7A) })
        else { return nil }
        for known in knownMethods where known.utf8.count == bytes.count && known.utf8.elementsEqual(bytes) { return known }
        return String(decoding: bytes, as: UTF8.self)
    }

    private static let knownMethods = ["GET", "POST", "PUT", "PATCH", "DELETE", "HEAD", "OPTIONS"]

    // MARK: - Pieces

    /// The path (query dropped) and protocol of a request target, with the path part cached.
    private mutating func classifyTarget(_ raw: UnsafeRawBufferPointer) -> (String?, APIProtocol) {
        let target = Self.stripSchemeAndHost(raw)
        var queryStart = target.count
        for (i, b) in target.enumerated() where b == UInt8(ascii: "?") || b == UInt8(ascii: "#") { queryStart = i; break }
        let pathPart = UnsafeRawBufferPointer(rebasing: target[..<queryStart])
        let (path, pathProtocol) = paths.value(for: pathPart) { p in (Self.text(p), Self.classifyProtocol(type: nil, target: p)) }
        guard queryStart < target.count, pathProtocol != .soap else { return (path, pathProtocol) }
        // "?SOAP", ".do?SOAP", "?wsdl" or "/soap" in the query make it SOAP whatever the path.
        let query = UnsafeRawBufferPointer(rebasing: target[queryStart...])
        if Self.contains(query, caseInsensitive: "?soap") || Self.contains(query, caseInsensitive: "?wsdl") || Self.contains(query, caseInsensitive: "/soap") {
            return (path, .soap)
        }
        return (path, pathProtocol)
    }

    /// Text of a field, nil for empty or `-`. Invalid UTF-8 becomes U+FFFD.
    static func text(_ bytes: UnsafeRawBufferPointer) -> String? {
        if bytes.isEmpty || (bytes.count == 1 && bytes[0] == UInt8(ascii: "-")) { return nil }
        return String(decoding: bytes, as: UTF8.self)
    }

    /// An address possibly wrapped in brackets or followed by a port (`[::1]:443`,
    /// `203.0.113.9:51234`), or the first of a comma-separated list.
    static func parseAddress(_ raw: UnsafeRawBufferPointer) -> IPAddress? {
        // The common case first: exactly a dotted IPv4 address.
        if let v4 = IPAddress.parseIPv4(raw) { return IPAddress(ipv4: v4) }
        var s = raw
        if let comma = s.firstIndex(of: UInt8(ascii: ",")) { s = UnsafeRawBufferPointer(rebasing: s[..<comma]) }
        while let f = s.first, f == 0x20 { s = UnsafeRawBufferPointer(rebasing: s.dropFirst()) }
        while let l = s.last, l == 0x20 { s = UnsafeRawBufferPointer(rebasing: s.dropLast()) }
        guard !s.isEmpty else { return nil }
        if s[0] == UInt8(ascii: "[") {
            guard let close = s.firstIndex(of: UInt8(ascii: "]")) else { return nil }
            return IPAddress(utf8: UnsafeRawBufferPointer(rebasing: s[1..<close]))
        }
        if let ip = IPAddress(utf8: s) { return ip }
        // "a.b.c.d:port": exactly one colon means IPv4 with a port.
        var colons = 0
        var lastColon = 0
        for (i, b) in s.enumerated() where b == UInt8(ascii: ":") { colons += 1; lastColon = i }
        if colons == 1 { return IPAddress(utf8: UnsafeRawBufferPointer(rebasing: s[..<lastColon])) }
        return nil
    }

    static func splitRequestLine(_ line: UnsafeRawBufferPointer) -> (method: UnsafeRawBufferPointer?, target: UnsafeRawBufferPointer?) {
        guard let firstSpace = line.firstIndex(of: 0x20) else { return (nil, nil) }
        let method = UnsafeRawBufferPointer(rebasing: line[..<firstSpace])
        var targetEnd = line.count
        var i = line.count - 1
        while i > firstSpace {
            if line[i] == 0x20 { targetEnd = i; break }
            i -= 1
        }
        // "GET /x" (HTTP/0.9) has no protocol part; "GET /a b HTTP/1.1" keeps "/a b".
        if targetEnd < line.count {
            let proto = UnsafeRawBufferPointer(rebasing: line[(targetEnd + 1)...])
            if !(proto.count >= 5 && proto[0] == UInt8(ascii: "H") && proto[1] == UInt8(ascii: "T")) { targetEnd = line.count }
        }
        guard targetEnd > firstSpace + 1 else { return (method, nil) }
        return (method, UnsafeRawBufferPointer(rebasing: line[(firstSpace + 1)..<targetEnd]))
    }

    /// Drops `scheme://host` from an absolute URL (Kong's `request.url`, proxies' CONNECT lines).
    static func stripSchemeAndHost(_ raw: UnsafeRawBufferPointer) -> UnsafeRawBufferPointer {
        guard raw.count > 8, raw[0] != UInt8(ascii: "/") else { return raw }
        for i in 0..<min(raw.count - 2, 16) where raw[i] == UInt8(ascii: ":") && raw[i + 1] == UInt8(ascii: "/") && raw[i + 2] == UInt8(ascii: "/") {
            let afterScheme = i + 3
            if let slash = raw[afterScheme...].firstIndex(of: UInt8(ascii: "/")) {
                return UnsafeRawBufferPointer(rebasing: raw[slash...])
            }
            return UnsafeRawBufferPointer(rebasing: raw[raw.count...])
        }
        return raw
    }

    /// SOAP for `?SOAP`, `.do?SOAP`, `/soap` or `?wsdl` in the target; REST under `/api/`.
    static func classifyProtocol(type: APIProtocol?, target: UnsafeRawBufferPointer) -> APIProtocol {
        if let type { return type }
        if contains(target, caseInsensitive: "?soap") || contains(target, caseInsensitive: "/soap") || contains(target, caseInsensitive: "?wsdl") { return .soap }
        if target.count >= 5 && contains(UnsafeRawBufferPointer(rebasing: target[0..<5]), caseInsensitive: "/api/") { return .rest }
        return .other
    }

    static func classifyType(_ bytes: UnsafeRawBufferPointer) -> APIProtocol? {
        if contains(bytes, caseInsensitive: "soap") { return .soap }
        if contains(bytes, caseInsensitive: "rest") { return .rest }
        return nil
    }

    static func durationMs(_ bytes: UnsafeRawBufferPointer, unit: DurationUnit) -> Double? {
        var s = bytes
        var unit = unit
        // "12ms", "0.5s", "850us" carry their unit.
        if s.count > 2 && s[s.count - 2] == UInt8(ascii: "m") && s[s.count - 1] == UInt8(ascii: "s") {
            s = UnsafeRawBufferPointer(rebasing: s.dropLast(2)); unit = .milliseconds
        } else if s.count > 2 && (s[s.count - 2] == UInt8(ascii: "u") || s[s.count - 2] == UInt8(ascii: "n")) && s[s.count - 1] == UInt8(ascii: "s") {
            unit = s[s.count - 2] == UInt8(ascii: "u") ? .microseconds : .nanoseconds
            s = UnsafeRawBufferPointer(rebasing: s.dropLast(2))
        } else if s.count > 1 && s[s.count - 1] == UInt8(ascii: "s") {
            s = UnsafeRawBufferPointer(rebasing: s.dropLast()); unit = .seconds
        }
        guard let v = NumberParsing.decimal(s), v >= 0, v.isFinite else { return nil }
        let ms: Double
        switch unit {
        case .seconds: ms = v * 1000
        case .milliseconds: ms = v
        case .microseconds: ms = v / 1000
        case .nanoseconds: ms = v / 1_000_000
        case .auto: ms = s.contains(UInt8(ascii: ".")) ? v * 1000 : v
        }
        // Microsecond resolution is all any producer has; drop binary noise below it.
        return (ms * 1000).rounded() / 1000
    }

    private static let wsseCodes: [(StaticString, FailureReason)] = [
        ("failedauthentication", .wsseFailedAuthentication),
        ("invalidsecuritytoken", .wsseInvalidSecurityToken),
        ("invalidsecurity", .wsseInvalidSecurity),
        ("failedcheck", .wsseFailedCheck),
        ("securitytokenunavailable", .wsseSecurityTokenUnavailable),
    ]
    private static let oauthCodes: [(StaticString, FailureReason)] = [
        ("invalid_client", .oauthInvalidClient),
        ("invalid_grant", .oauthInvalidGrant),
        ("invalid_token", .oauthInvalidToken),
        ("unauthorized_client", .oauthUnauthorizedClient),
        ("access_denied", .oauthAccessDenied),
    ]

    /// A reason named in an error or fault field. SOAP 1.1 answers every fault with 500, so
    /// WS-Security faults count at any error status; OAuth codes at 400, 401 and 403.
    static func errorReason(_ text: UnsafeRawBufferPointer, status: Int?) -> FailureReason? {
        if status == nil || status! >= 400 {
            for (code, reason) in wsseCodes where contains(text, caseInsensitive: code) { return reason }
        }
        if status == nil || status == 400 || status == 401 || status == 403 {
            for (code, reason) in oauthCodes where contains(text, caseInsensitive: code) { return reason }
        }
        return nil
    }

    static func failureReason(status: Int?, errorText: FailureReason?) -> FailureReason? {
        if let errorText { return errorText }
        switch status {
        case 401, 407: return .badCredentials
        case 495: return .clientCertificateInvalid
        case 496: return .clientCertificateMissing
        default: return nil
        }
    }

    /// The outcome a status and a failure reason prove. A 403 is a refusal of permission unless
    /// the record names an authentication reason; a record without a status proves nothing.
    @inline(__always)
    static func outcome(status: Int?, reason: FailureReason?) -> Outcome {
        if reason != nil { return .authFailure }
        guard let s = status else { return .unknown }
        if s < 400 { return .success }
        return s == 403 ? .denied : .error
    }

    /// ASCII case-insensitive substring search; `needle` must be lower case.
    static func contains(_ haystack: UnsafeRawBufferPointer, caseInsensitive needle: StaticString) -> Bool {
        needle.withUTF8Buffer { n in contains(haystack, lowercased: UnsafeRawBufferPointer(n)) }
    }

    private static func contains(_ haystack: UnsafeRawBufferPointer, lowercased n: UnsafeRawBufferPointer) -> Bool {
        guard n.count > 0, haystack.count >= n.count else { return false }
        let first = n[0]
        for i in 0...(haystack.count - n.count) {
            let b = haystack[i]
            guard (b >= 0x41 && b <= 0x5A ? b | 0x20 : b) == first else { continue }
            var k = 1
            while k < n.count {
                let c = haystack[i + k]
                if (c >= 0x41 && c <= 0x5A ? c | 0x20 : c) != n[k] { break }
                k += 1
            }
            if k == n.count { return true }
        }
        return false
    }
}

/// Numbers from bytes, without allocating.
enum NumberParsing {
    /// `integer` for a status: its three digits read inline (one status a line), anything
    /// else through the general loop.
    @inline(__always)
    static func status(_ raw: UnsafeRawBufferPointer) -> Int64? {
        if raw.count == 3 {
            let a = raw[0] &- 48, b = raw[1] &- 48, c = raw[2] &- 48
            if a <= 9 && b <= 9 && c <= 9 { return Int64(a) * 100 + Int64(b) * 10 + Int64(c) }
        }
        return integer(raw)
    }

    /// A whole number, optionally quoted; nil for anything else or on overflow.
    static func integer(_ raw: UnsafeRawBufferPointer) -> Int64? {
        // Three digits: the HTTP status of every line, read without the general loop.
        if raw.count == 3 {
            let a = raw[0] &- 48, b = raw[1] &- 48, c = raw[2] &- 48
            if a <= 9 && b <= 9 && c <= 9 { return Int64(a) * 100 + Int64(b) * 10 + Int64(c) }
        }
        var s = raw
        if s.count >= 2 && s.first == UInt8(ascii: "\"") && s.last == UInt8(ascii: "\"") { s = UnsafeRawBufferPointer(rebasing: s[1..<(s.count - 1)]) }
        guard !s.isEmpty, s.count <= 18 else { return nil }
        var v: Int64 = 0
        var i = 0
        var negative = false
        if s[0] == UInt8(ascii: "-") { negative = true; i = 1; guard s.count > 1 else { return nil } }
        while i < s.count {
            let d = Int64(s[i]) &- 48
            guard d >= 0 && d <= 9 else {
                // "12.0" from JSON encoders that write every number as a float.
                if s[i] == UInt8(ascii: "."), let f = decimal(s), f == f.rounded(), abs(f) < 1e15 { return Int64(f) }
                return nil
            }
            v = v * 10 + d
            i += 1
        }
        return negative ? -v : v
    }

    /// A decimal number such as `0.012`, `12`, `1.5e3`; nil for anything else.
    /// Up to 18 significant digits are read exactly as an integer and scaled once, so
    /// `0.120` is exactly 0.12, not an accumulation of rounding errors.
    static func decimal(_ s: UnsafeRawBufferPointer) -> Double? {
        guard !s.isEmpty, s.count <= 40 else { return nil }
        var mantissa: Int64 = 0
        var digits = 0
        var fractionDigits = 0
        var i = 0
        while i < s.count, s[i] >= 48 && s[i] <= 57 {
            guard digits < 18 else { return Double(String(decoding: s, as: UTF8.self)) }
            mantissa = mantissa * 10 + Int64(s[i] - 48); i += 1; digits += 1
        }
        if i < s.count && s[i] == UInt8(ascii: ".") {
            i += 1
            while i < s.count, s[i] >= 48 && s[i] <= 57 {
                if digits < 18 { mantissa = mantissa * 10 + Int64(s[i] - 48); fractionDigits += 1 }
                i += 1; digits += 1
            }
        }
        guard digits > 0 else { return nil }
        if i == s.count { return Double(mantissa) / powersOfTen[fractionDigits] }
        guard s[i] == UInt8(ascii: "e") || s[i] == UInt8(ascii: "E") else { return nil }
        return Double(String(decoding: s, as: UTF8.self))
    }

    private static let powersOfTen: [Double] = (0...18).map { p in (0..<p).reduce(1.0) { acc, _ in acc * 10 } }
}
