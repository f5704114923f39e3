import LogwatchCore
import AnomalyEngine
import Foundation
import Testing
import TestSupport
@testable import TrafficReport

@Suite struct TimeBucketTests {
    let t0: Int64 = 1_764_000_000_000 // 2025-11-24T16:00:00Z

    func event(_ offsetMs: Int64, _ proto: APIProtocol = .rest, outcome: Outcome = .success, duration: Double? = nil) -> TransactionEvent {
        TransactionEvent(time: t0 + offsetMs, apiProtocol: proto, outcome: outcome, durationMs: duration)
    }

    @Test func anHourStaysInMinuteBuckets() {
        var b = TimeBuckets(maxBuckets: 480)
        for s in stride(from: Int64(0), to: 3600, by: 7) { b.add(event(s * 1000)) }
        #expect(b.width == 60_000)
        #expect(b.span.count == 60)
        #expect(b.span.start == t0)
        #expect((0..<60).reduce(0) { $0 + b[$1].requests } == Int64((0..<3600).filter { $0 % 7 == 0 }.count))
    }

    @Test func aMonthCoarsensWithoutLosingACount() {
        var b = TimeBuckets(maxBuckets: 480)
        var total: Int64 = 0, failures: Int64 = 0
        var rng = SeededGenerator(seed: 7)
        // Thirty days, not in order: the range grows at both ends.
        for i in 0..<50_000 {
            let offset = Int64(rng.next() % UInt64(30 * 86_400_000))
            let failed = i % 9 == 0
            b.add(event(offset, i % 3 == 0 ? .soap : .rest, outcome: failed ? .authFailure : .success))
            total += 1
            if failed { failures += 1 }
        }
        // 30 days need 3-hour buckets to fit in 480 (1-hour ones would need 720).
        #expect(b.width == 3 * 3_600_000)
        #expect(b.span.count <= 480)
        let buckets = (0..<b.span.count).map { b[$0] }
        #expect(buckets.reduce(0) { $0 + $1.requests } == total)
        #expect(buckets.reduce(0) { $0 + $1.authFailures } == failures)
        #expect(b.span.start % b.width == 0, "buckets are aligned on whole widths")
    }

    @Test func eventsMillenniaApartAreNotChartedButDoNotBreakTheAxis() {
        var b = TimeBuckets(maxBuckets: 100)
        b.add(event(0))
        // 364-day buckets, 100 of them, cover a century; ten thousand years do not fit.
        let farOff = b.add(event(10_000 * 365 * 86_400_000))
        #expect(farOff == false)
        #expect(b.span.count <= 100)
        let near = b.add(event(60_000))
        #expect(near)
    }

    @Test func percentilesComeFromTheHistogramWithinItsPrecision() {
        var b = TimeBuckets()
        for ms in 1...1000 { b.add(event(0, duration: Double(ms))) }
        let h = try! #require(b[0].durations)
        // Two significant digits: within 1%.
        #expect(abs(TrafficCollector.milliseconds(h, percentile: 50) - 500) <= 5)
        #expect(abs(TrafficCollector.milliseconds(h, percentile: 95) - 950) <= 10)
        #expect(abs(TrafficCollector.milliseconds(h, percentile: 99) - 990) <= 10)
        // Sub-millisecond and absurd durations are kept within the scale, not dropped.
        b.add(event(0, duration: 0.3))
        b.add(event(0, duration: 1e12))
        #expect(b[0].durations!.totalCount == 1002)
    }
}

@Suite struct TopKeysTests {
    @Test func withoutPruningCountsAreExact() {
        var top = TopKeys<String, Int>(capacity: 10) { 0 }
        for i in 0..<15 { for _ in 0...i { top.add("k\(i)") { $0 += 1 } } }
        let rows = top.top(3, tieBreak: <)
        #expect(rows.map(\.key) == ["k14", "k13", "k12"])
        #expect(rows.map(\.entry.count) == [15, 14, 13])
        #expect(rows.allSatisfy { $0.entry.error == 0 && $0.entry.payload == Int($0.entry.count) })
    }

    @Test func aFloodOfDistinctKeysKeepsTheHeavyOnesInBoundedMemory() {
        var top = TopKeys<UInt32, Void>(capacity: 1_000) { () }
        var rng = SeededGenerator(seed: 1)
        var mostHeld = 0
        // A million one-off keys, with three heavy hitters woven through them.
        for i in 0..<1_000_000 {
            top.add(UInt32(truncatingIfNeeded: rng.next() | 0x1000))
            if i % 100 == 0 { top.add(1) }
            if i % 200 == 0 { top.add(2) }
            if i % 400 == 0 { top.add(3) }
            mostHeld = max(mostHeld, top.held)
        }
        #expect(mostHeld <= 2_000)
        // Every key whose true count is above the floor is held; these three are.
        #expect(top.floor < 2_500, "floor \(top.floor)")
        let rows = top.top(3, tieBreak: <)
        #expect(rows.map(\.key) == [1, 2, 3])
        // The true counts are 10,000, 5,000 and 2,500: each lies within [count, count + error].
        for (row, truth) in zip(rows, [Int64(10_000), 5_000, 2_500]) {
            #expect(row.entry.count <= truth && truth <= row.entry.count + row.entry.error, "\(row)")
        }
        #expect(top.dropped > 900_000)
    }

    @Test func keysUnderTheFloorMayBeLostAndTheFloorSaysSo() {
        // With room for 100 keys, a million distinct ones push the floor past a key seen
        // 2,500 times: the sketch does not promise to keep it, and its floor says how far
        // counts can be off.
        var top = TopKeys<UInt32, Void>(capacity: 100) { () }
        var rng = SeededGenerator(seed: 1)
        for i in 0..<1_000_000 {
            top.add(UInt32(truncatingIfNeeded: rng.next() | 0x1000))
            if i % 400 == 0 { top.add(3) }
        }
        #expect(top.floor > 2_500)
        #expect(top.held <= 200)
    }

    @Test func aCappedSetSaysWhenItOverflowed() {
        var s = CappedSet<Int>(limit: 3)
        for i in [1, 2, 2, 3] { s.insert(i) }
        #expect(s.text == "3")
        s.insert(3)
        #expect(s.text == "3")
        s.insert(4)
        #expect(s.text == "3+")
    }
}

@Suite struct HTMLReportTests {
    @Test func markupInLogFieldsIsEscapedEverywhere() {
        let c = TrafficCollector()
        let evil = "<script>alert('x')</script>\"&\u{1B}[31m"
        for i in 0..<30 {
            c.add(TransactionEvent(time: 1_764_000_000_000 + Int64(i) * 1000, sourceIP: IPAddress("192.0.2.7"), principal: evil,
                                   outcome: .authFailure, failureReason: .badCredentials))
        }
        var facts = ReportFacts()
        facts.inputs = [.init(name: "<i>log</i>", format: "json", lines: 30, events: 30, malformed: 0, oversized: 0, bytesRead: 1, decodedBytes: 1)]
        facts.settings = [("principal <x>", "allow '1'")]
        facts.malformedSamples = ["<i>log</i>:3: bad \u{7}"]
        let html = HTMLReport.render(c, facts)
        #expect(!html.contains("<script") && !html.contains("<i>"))
        #expect(html.contains("&lt;script&gt;alert(&#39;x&#39;)&lt;/script&gt;&quot;&amp;\\x1b[31m"))
        #expect(html.contains("&lt;i&gt;log&lt;/i&gt;:3: bad \\x07"))
        #expect(html.contains("principal &lt;x&gt;"))
        #expect(!html.unicodeScalars.contains { $0.value < 0x20 && $0 != "\n" })
    }

    @Test func anEmptyRunStillMakesAPage() {
        let html = HTMLReport.render(TrafficCollector(), ReportFacts())
        #expect(html.hasPrefix("<!DOCTYPE html>"))
        #expect(html.contains("No events, nothing to chart."))
        #expect(html.contains("No detector raised an alert."))
        #expect(html.hasSuffix("</html>\n"))
    }

    @Test func textEscapingForTerminals() {
        #expect(TextSafety.escape("a\u{1B}[2Jb\nc\u{202E}") == "a\\x1b[2Jb\\nc\\u{202e}")
    }
}
