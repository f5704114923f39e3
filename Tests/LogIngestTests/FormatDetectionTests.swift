import LogwatchCore
import Testing
@testable import LogIngest

/// The format of an input is detected from its lines, not settled by the first one.
@Suite struct FormatDetectionTests {
    static let json = #"{"@timestamp":"2025-11-28T00:10:00Z","source.ip":"198.51.100.7","user.name":"svc","http.response.status_code":200}"#

    /// A logger's banner in JSON, with no timestamp, before combined lines: the banner is
    /// malformed and every combined line an event (the banner used to pin JSON, and every
    /// line after it was malformed).
    @Test func aBannerLineDoesNotPinTheFormat() {
        let r = Fixtures.read("{\"msg\":\"logger started\"}\n" + Fixtures.combinedLines(30))
        #expect(r.events.count == 30)
        #expect(r.stats.malformed == 1)
        #expect(r.malformed.first?.line == 1)
        #expect(r.stats.format == .combined)
    }

    /// Junk that looks like combined before JSON lines: the same.
    @Test func aLineThatProvesNothingIsMalformedAndTheNextIsDetected() {
        let r = Fixtures.read("0.0.0.0 - - [not a time] \"-\" - -\n" + Array(repeating: Self.json, count: 5).joined(separator: "\n") + "\n")
        #expect(r.events.count == 5)
        #expect(r.stats.malformed == 1)
        #expect(r.stats.format == .json)
    }

    /// A file that changes format once settled (a logger reconfigured): after a run of
    /// malformed lines a line of the other format takes over, and is itself an event.
    @Test func aFileThatChangesFormatIsFollowedAfterARunOfMalformedLines() {
        let run = FormatDetectionTests.runBefore
        let r = Fixtures.read(Fixtures.combinedLines(10) + Array(repeating: Self.json, count: 40).joined(separator: "\n") + "\n")
        #expect(r.events.count == 10 + 40 - run)
        #expect(r.stats.malformed == Int64(run))
        #expect(r.stats.format == .json)
    }

    /// Settled formats do not switch on a few odd lines.
    @Test func aFewOddLinesDoNotChangeASettledFormat() {
        let r = Fixtures.read(Fixtures.combinedLines(10) + Self.json + "\n" + Fixtures.combinedLines(10))
        #expect(r.events.count == 20)
        #expect(r.stats.malformed == 1)
        #expect(r.stats.format == .combined)
    }

    static var runBefore: Int { LogReader.malformedRunBeforeRedetection }
}
