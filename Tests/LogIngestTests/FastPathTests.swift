import LogwatchCore
import Foundation
import Testing
@testable import LogIngest
import TestSupport

/// The shortcuts of the per-line path give what the plain path gives.
@Suite struct FastPathTests {
    static let samples = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
        .deletingLastPathComponent().appendingPathComponent("samples")

    /// `fields: .detection` keeps every field a detector reads, as `.all` reads it, and leaves
    /// the others empty; in every format the samples hold.
    @Test(arguments: ["gateway-access.log.zst", "kong-gateway.jsonl.zst", "servicenow-syslog_transaction.csv.gz", "servicenow-sysevent.csv.gz", "servicenow-sys_outbound_http_log.csv.gz", "iis-orders-service.log.gz"])
    func detectionFieldsAreTheDetectorsFieldsOfAFullRead(_ name: String) throws {
        let path = Self.samples.appendingPathComponent(name).path
        var detection = IngestOptions()
        detection.fields = .detection
        let all = Fixtures.read(path: path)
        let few = Fixtures.read(path: path, options: detection)
        #expect(all.error == nil && few.error == nil)
        #expect(all.events.count > 500)
        #expect(few.events.count == all.events.count)
        #expect(few.stats.malformed == all.stats.malformed)
        // The full read has the other fields (else this test would prove nothing about them);
        // the event log has none.
        if !name.contains("sysevent") { #expect(all.events.contains { $0.path != nil && $0.durationMs != nil }) }
        for (a, d) in zip(all.events, few.events) {
            #expect(d.time == a.time && d.sourceIP == a.sourceIP && d.principal == a.principal && d.status == a.status)
            #expect(d.outcome == a.outcome && d.failureReason == a.failureReason && d.origin == a.origin)
            #expect(d.path == nil && d.method == nil && d.durationMs == nil && d.bytes == nil && d.apiProtocol == .other)
        }
    }

    /// Addresses come from a cache of recent address texts: each event has the address its
    /// text parses to, through hits, misses, evictions (more distinct addresses than the cache
    /// holds), texts that are not addresses (cached as none), and texts too long to cache.
    @Test func cachedAddressesAreTheAddressesTheirTextParsesTo() throws {
        var hosts: [String] = []
        for i in 0..<3000 { hosts.append("10.\(i / 250).\(i % 250).\(i % 7)") }
        let odd = ["not-an-ip", "300.1.1.1", "10.0.0.01", "2001:db8::1", "[::1]:443", "203.0.113.9:51234",
                   "10.0.0.1", "1.2.3.4," + Array(repeating: "5.6.7.8", count: 12).joined(separator: ",")]
        var lines: [String] = []
        var texts: [String] = []
        for round in 0..<3 {
            for (i, h) in (hosts + odd).enumerated() where round == 0 || i % (round + 1) == 0 {
                texts.append(h)
                lines.append(h + #" - svc_hr [28/Nov/2025:00:00:00 +0000] "GET /api/x HTTP/1.1" 200 12"#)
            }
        }
        var options = IngestOptions()
        options.format = .combined
        options.fields = .detection
        let read = Fixtures.read(lines.joined(separator: "\n") + "\n", options: options)
        #expect(read.error == nil)
        #expect(read.events.count == lines.count)
        var mismatches = 0
        for (event, text) in zip(read.events, texts) {
            let expected = Array(text.utf8).withUnsafeBytes { EventBuilder.parseAddress($0) }
            if event.sourceIP != expected { mismatches += 1 }
        }
        #expect(mismatches == 0)
        // Some texts are not addresses, and some are: the comparison above saw both.
        #expect(read.events.contains { $0.sourceIP == nil } && read.events.contains { $0.sourceIP != nil })
        // The list too long to cache gives its first address.
        #expect(zip(read.events, texts).contains { $0.1.hasPrefix("1.2.3.4,") && $0.0.sourceIP == IPAddress("1.2.3.4") })
    }

    /// A combined line's tail (referer, user agent, extras) is read only for a duration: when
    /// nobody reads one, it is not read at all, so a damaged tail must count the same way in
    /// both reads. A line cut short in its user agent keeps its request; one whose size is not
    /// a number is malformed in both.
    @Test func aDamagedTailOfACombinedLineReadsTheSameWithAndWithoutDurations() throws {
        let head = #"10.0.0.7 - svc_hr [28/Nov/2025:00:00:0"#
        let lines = [
            head + #"1 +0000] "GET /api/x HTTP/1.1" 401 12 "-" "curl/8.0 rt=0.250"#,   // cut short in the agent
            head + #"2 +0000] "GET /api/x HTTP/1.1" 200 12 "-" "curl/8.0" rt=0.250"#,
            head + #"3 +0000] "GET /api/x HTTP/1.1" 200 12 "unterminated"#,
            head + #"4 +0000] "GET /api/x HTTP/1.1" 200 twelve "-" "curl/8.0""#,     // malformed
            head + #"5 +0000] "GET /api/x HTTP/1.1" 403 -"#,
        ]
        var full = IngestOptions()
        full.format = .combined
        var detection = full
        detection.fields = .detection
        let all = Fixtures.read(lines.joined(separator: "\n") + "\n", options: full)
        let few = Fixtures.read(lines.joined(separator: "\n") + "\n", options: detection)
        #expect(all.events.map(\.origin.line) == [1, 2, 3, 5])
        #expect(all.malformed.map(\.line) == [4] && few.malformed.map(\.line) == [4])
        #expect(all.malformed.first?.reason.contains("size") == true)
        #expect(few.events.count == all.events.count)
        for (a, d) in zip(all.events, few.events) {
            #expect(d.time == a.time && d.sourceIP == a.sourceIP && d.principal == a.principal && d.status == a.status)
            #expect(d.outcome == a.outcome && d.failureReason == a.failureReason && d.origin == a.origin)
        }
        // The full read still finds what a whole tail holds, and nothing in a cut one.
        #expect(all.events[0].outcome == .authFailure && all.events[0].durationMs == nil && all.events[0].path == "/api/x")
        #expect(all.events[1].durationMs == 250)
    }

    /// Reading into a batch gives the events `next()` gives, stops at the limit, and stops
    /// right after the first event at or past `due`.
    @Test func batchReadsGiveTheSameEventsAndStopWhereTold() throws {
        let text = Fixtures.combinedLines(1000)
        let expected = Fixtures.read(text).events
        let path = Fixtures.temporaryFile(Array(text.utf8), name: "batch.log")
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        let reader = try LogReader(path: path, inputIndex: 0, options: IngestOptions())
        let batch = EventBatch(capacity: 2000)
        #expect(try reader.read(into: batch, limit: 300))
        #expect(batch.count == 300)
        let due = expected[450].time
        #expect(try reader.read(into: batch, limit: 1000, due: due))
        // Lines are one second apart: the first event at or past `due` is the 451st.
        #expect(batch.count == 451 && batch.last == expected[450])
        var more = true
        while more { more = try reader.read(into: batch, limit: batch.count + 128) }
        #expect(batch.events == expected)
        #expect(try reader.read(into: batch, limit: 2000) == false)
        // A limit past the capacity stops at the capacity.
        let small = EventBatch(capacity: 100)
        let again = try LogReader(path: path, inputIndex: 0, options: IngestOptions())
        #expect(try again.read(into: small, limit: 4096))
        #expect(small.events == Array(expected[..<100]))
        #expect(small.removeLast() == expected[99] && small.count == 99)
        small.removeAll()
        #expect(small.isEmpty && small.last == nil)
    }

    /// Tokens found eight bytes at a time end where a byte-by-byte scan ends, whatever mix of
    /// spaces, tabs and non-ASCII bytes surrounds them.
    @Test func tokensFoundByWordsMatchAByteScan() {
        var rng = SystemRandomNumberGenerator()
        let alphabet: [UInt8] = [0x20, 0x09, 0x41, 0x2E, 0xA0, 0x89, 0xC3, 0x00, 0x22]
        for _ in 0..<2000 {
            let bytes = (0..<Int.random(in: 0...40, using: &rng)).map { _ in alphabet.randomElement(using: &rng)! }
            bytes.withUnsafeBytes { raw in
                var c = ByteCursor(raw)
                var reference = 0
                while true {
                    c.skipSpaces()
                    while reference < raw.count && (raw[reference] == 0x20 || raw[reference] == 0x09) { reference += 1 }
                    #expect(c.index == reference)
                    if c.atEnd { break }
                    let start = reference
                    while reference < raw.count && raw[reference] != 0x20 && raw[reference] != 0x09 { reference += 1 }
                    let token = c.token()
                    #expect(Array(token) == Array(raw[start..<reference]), "\(bytes)")
                }
            }
        }
    }

    /// The inline word-at-a-time comparison agrees with memcmp at every length and at every
    /// position of a difference (first, last, in an overlapping tail word).
    @Test func sameBytesAgreesWithMemcmp() {
        for n in 0...40 {
            let a = (0..<n).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            for position in -1..<n {
                var b = a
                if position >= 0 { b[position] ^= 0x40 }
                a.withUnsafeBytes { ra in
                    b.withUnsafeBytes { rb in
                        let same = n == 0 || ByteCursor.sameBytes(ra.baseAddress!, rb.baseAddress!, count: n)
                        #expect(same == (n == 0 || memcmp(ra.baseAddress!, rb.baseAddress!, n) == 0), "length \(n), difference at \(position)")
                        #expect(same == (position < 0), "length \(n), difference at \(position)")
                    }
                }
            }
        }
    }

    /// Quoted fields end at the first quote not escaped by an odd run of backslashes.
    @Test(arguments: [
        (#""abc" rest"#, "abc"),
        (#""a\"b" rest"#, #"a\"b"#),
        (#""a\\" rest"#, #"a\\"#),
        (#""a\\\"b\\" x"#, #"a\\\"b\\"#),
        (#""""#, ""),
    ])
    func quotedFieldsEndAtTheFirstUnescapedQuote(_ input: String, _ expected: String) {
        var bytes = Array(input.utf8)
        bytes.withUnsafeMutableBytes { raw in
            var c = ByteCursor(UnsafeRawBufferPointer(raw))
            let q = c.quoted()
            #expect(q.map { String(decoding: $0, as: UTF8.self) } == expected)
        }
    }

    /// `upTo` and `quoted` (searched in place near the cursor, by memchr further on) agree with
    /// a byte-by-byte reading at every distance, inside and past the first 32 bytes.
    @Test func searchesNearAndFarMatchAByteScan() {
        var g = SeededGenerator(seed: 9)
        let alphabet = Array(#"ab "]\"#.utf8)
        for _ in 0..<20_000 {
            let bytes = (0..<Int.random(in: 0...90, using: &g)).map { _ in alphabet.randomElement(using: &g)! }
            let start = bytes.isEmpty ? 0 : Int.random(in: 0..<bytes.count, using: &g)
            bytes.withUnsafeBytes { raw in
                // upTo("]"): the bytes before the first "]" from the cursor, which it passes.
                var c = ByteCursor(raw)
                c.index = start
                let close = bytes[start...].firstIndex(of: UInt8(ascii: "]"))
                #expect(c.upTo(UInt8(ascii: "]")).map(Array.init) == close.map { Array(bytes[start..<$0]) }, "\(bytes) from \(start)")
                if let close { #expect(c.index == close + 1) }

                // quoted(): from a quote to the first quote after it not escaped by an odd run
                // of backslashes.
                var q = ByteCursor(raw)
                q.index = start
                var expected: [UInt8]?
                if start < bytes.count && bytes[start] == UInt8(ascii: "\"") {
                    var i = start + 1
                    while i < bytes.count {
                        if bytes[i] == UInt8(ascii: "\\") { i += 2; continue }
                        if bytes[i] == UInt8(ascii: "\"") { expected = Array(bytes[(start + 1)..<i]); break }
                        i += 1
                    }
                }
                #expect(q.quoted().map(Array.init) == expected, "\(bytes) from \(start)")
            }
        }
    }

    @Test func anUnterminatedQuoteIsNil() {
        var bytes = Array(#""abc\" and on"#.utf8)
        bytes.withUnsafeMutableBytes { raw in
            var c = ByteCursor(UnsafeRawBufferPointer(raw))
            #expect(c.quoted() == nil)
        }
    }

    /// JSON strings with and without escapes, as keys and values, long and short.
    @Test func jsonStringsWithAndWithoutEscapes() throws {
        let long = String(repeating: "x", count: 100)
        let r = Fixtures.read("""
        {"time":"2025-11-28T00:00:01Z","user":"plain_\(long)","status":200}
        {"time":"2025-11-28T00:00:02Z","us\\u0065r":"esc\\"aped","status":401}
        {"time":"2025-11-28T00:00:03Z","error":"invalid_client","error_description":"bad \\"secret\\"","status":400}

        """)
        #expect(r.malformed.isEmpty)
        #expect(r.events.map(\.principal) == ["plain_\(long)", "esc\"aped", nil])
        #expect(r.events.map(\.failureReason) == [nil, .badCredentials, .oauthInvalidClient])
    }
}
