#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Apache and nginx access logs, `common` and `combined`, with the extra fields that nginx and
/// Traefik variants add after the user agent:
///
///     203.0.113.9 - svc_hr [10/Oct/2023:11:06:56 +0200] "GET /api/now/table/incident HTTP/1.1" 401 53 "-" "curl/8.0" rt=0.012
final class CombinedLogParser: LineParser {
    var format: LogFormat { .combined }

    func parse(_ line: UnsafeRawBufferPointer, into slots: FieldSlots) -> LineVerdict {
        if line.isEmpty { return .skip }
        var c = ByteCursor(line)
        c.skipSpaces()
        let first = c.token()
        guard !first.isEmpty else { return .malformed("no client address") }
        c.skipSpaces()
        let second = c.token() // identd, always "-" in practice
        c.skipSpaces()
        guard var user = Self.userField(&c) else { return .malformed("unterminated quoted user") }
        c.skipSpaces()
        var client = first
        if !c.atEnd && c.current != UInt8(ascii: "[") {
            // Apache's vhost_combined ("%v:%p %h %l %u %t ...") and nginx formats that start
            // with $host: the server's name comes first, then the client.
            guard let fourth = Self.userField(&c) else { return .malformed("unterminated quoted user") }
            c.skipSpaces()
            guard !c.atEnd, c.current == UInt8(ascii: "[") else { return .malformed("no [timestamp] after the user field") }
            client = second
            user = fourth
        }
        slots.setOnce(.sourceIP, client)
        if !(user.count == 1 && user[0] == UInt8(ascii: "-")) && !user.isEmpty { slots.setOnce(.principal, user) }
        guard !c.atEnd, c.current == UInt8(ascii: "[") else { return .malformed("no [timestamp] after the user field") }
        c.index += 1
        guard let time = c.upTo(UInt8(ascii: "]")) else { return .malformed("unterminated [timestamp]") }
        slots.setOnce(.time, time)
        c.skipSpaces()
        guard let request = c.quoted() else { return .malformed("no quoted request line") }
        slots.setOnce(.requestLine, request)
        c.skipSpaces()
        let status = c.token()
        guard status.count == 3, status.allSatisfy({ $0 >= 48 && $0 <= 57 }) else { return .malformed("status is not a 3-digit number") }
        slots.setOnce(.status, status)
        c.skipSpaces()
        // The size: digits, "-" or nothing, up to a space or the end. Digits are read in the
        // same pass that finds the end, not as a token checked byte by byte afterwards.
        let sizeStart = c.index
        c.skipDigits()
        if c.index > sizeStart && c.atSeparator {
            slots.setOnce(.bytes, UnsafeRawBufferPointer(rebasing: line[sizeStart..<c.index]))
        } else if !c.atSeparator {
            let size = c.token()
            guard size.count == 1 && size[0] == UInt8(ascii: "-") && c.index == sizeStart + 1 else { return .malformed("response size is not a number") }
        }
        // Referer and user agent (combined), then extras: all optional, and read only for a
        // duration among the extras. Nothing else of them goes into an event, so an
        // unterminated quote there (a line cut short in the user agent) ends them rather than
        // losing the request; and when nobody reads a duration (detection), they are not read
        // at all, with the same events and the same malformed lines either way.
        if slots.ignores(.duration) { return .fields }
        var quotedSeen = 0
        while true {
            c.skipSpaces()
            if c.atEnd { break }
            if c.current == UInt8(ascii: "\"") {
                guard c.quoted() != nil else { break }
                quotedSeen += 1
                continue
            }
            let extra = c.token()
            // The extras give only a duration: not looked at when nobody reads it.
            if quotedSeen >= 2 && !slots.ignores(.duration) { noteExtra(extra, into: slots) }
        }
        return .fields
    }

    /// The user field: a token, or quoted (some loggers quote it; Traefik writes "-" unquoted);
    /// nil for an unterminated quote.
    private static func userField(_ c: inout ByteCursor) -> UnsafeRawBufferPointer? {
        if !c.atEnd && c.current == UInt8(ascii: "\"") { return c.quoted() }
        return c.token()
    }

    /// Durations from the fields nginx and Traefik configurations commonly append:
    /// `rt=0.012` or `request_time=0.012` (seconds), `12ms` (Traefik), a bare `0.012` (nginx $request_time).
    private func noteExtra(_ token: UnsafeRawBufferPointer, into slots: FieldSlots) {
        if let hit = memchr(token.baseAddress!, Int32(UInt8(ascii: "=")), token.count) {
            let eq = token.baseAddress!.distance(to: UnsafeRawPointer(hit))
            let key = UnsafeRawBufferPointer(rebasing: token[..<eq])
            let value = UnsafeRawBufferPointer(rebasing: token[(eq + 1)...])
            if Self.equals(key, "rt") || Self.equals(key, "request_time") {
                slots.set(.duration, value)
                slots.durationUnit = .seconds
            }
            return
        }
        if token.count > 2 && token[token.count - 2] == UInt8(ascii: "m") && token[token.count - 1] == UInt8(ascii: "s") {
            slots.set(.duration, token, rank: 1)
            return
        }
        // nginx's $request_time: seconds with exactly three decimals.
        if token.count >= 5 && token[token.count - 4] == UInt8(ascii: "."), token.allSatisfy({ ($0 >= 48 && $0 <= 57) || $0 == UInt8(ascii: ".") }) {
            if slots.wants(.duration, rank: 2) {
                slots.set(.duration, token, rank: 2)
                slots.durationUnit = .seconds
            }
        }
    }

    static func equals(_ bytes: UnsafeRawBufferPointer, _ literal: StaticString) -> Bool {
        bytes.count == literal.utf8CodeUnitCount && (bytes.isEmpty || memcmp(bytes.baseAddress!, literal.utf8Start, bytes.count) == 0)
    }
}
