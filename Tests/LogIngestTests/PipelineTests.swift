import Foundation
import Testing
import TestSupport
import LogwatchCore
@testable import LogIngest

/// The pipeline that `scan` and `report` read through: inputs merged by event time, in
/// batches, on one thread or with readers ahead, without running the binary.
@Suite struct PipelineTests {
    /// Three logs that overlap in time, each line one second after the last of its log.
    static func nodeLogs(lines: Int = 3_000) throws -> [String] {
        let dir = Scratch.directory("pipeline")
        return try (0..<3).map { node in
            var text = ""
            for i in 0..<lines {
                let t = 1_764_000_000 + i * 3 + node
                text += "10.0.\(node).1 - svc_\(node) [\(clf(t))] \"GET /api/now/table/incident HTTP/1.1\" 200 10 \"-\" \"t\"\n"
            }
            let path = dir.appendingPathComponent("node-\(node).log").path
            try text.write(toFile: path, atomically: true, encoding: .utf8)
            return path
        }
    }

    static func clf(_ t: Int) -> String {
        let f = DateFormatter()
        f.locale = Locale(identifier: "en_US_POSIX")
        f.timeZone = TimeZone(identifier: "UTC")
        f.dateFormat = "dd/MMM/yyyy:HH:mm:ss Z"
        return f.string(from: Date(timeIntervalSince1970: Double(t)))
    }

    static func read(_ paths: [String], jobs: Int, batchSize: Int = 512) -> (events: [TransactionEvent], merge: MergedInputs) {
        let merge = MergedInputs(paths: paths, options: IngestOptions(), readAhead: jobs > 1 ? jobs : 0)
        let stream = EventBatches(merge, jobs: jobs, batchSize: batchSize)
        var batch = stream.makeBatch()
        var events: [TransactionEvent] = []
        while stream.next(&batch) { events += batch.events }
        return (events, merge)
    }

    @Test(arguments: [1, 2, 3])
    func overlappingInputsComeOutInEventTimeOrder(jobs: Int) throws {
        let paths = try Self.nodeLogs()
        let (events, merge) = Self.read(paths, jobs: jobs)
        #expect(events.count == 9_000)
        #expect(zip(events, events.dropFirst()).allSatisfy { $0.time <= $1.time })
        #expect(Set(events.map(\.origin.input)) == [0, 1, 2])
        #expect(!merge.failed)
        #expect(merge.summary.totals.events == 9_000)
        #expect(merge.summary.inputs == 3)
    }

    @Test func everyThreadingGivesTheSameEvents() throws {
        let paths = try Self.nodeLogs(lines: 1_000)
        let one = Self.read(paths, jobs: 1).events
        #expect(Self.read(paths, jobs: 3, batchSize: 100).events == one)
        #expect(Self.read(paths.reversed(), jobs: 2).events.map(\.time) == one.map(\.time))
    }

    @Test func aMissingInputIsReportedAndTheOthersAreRead() throws {
        let paths = try Self.nodeLogs(lines: 100)
        let (events, merge) = Self.read([paths[0], "/no/such/file.log", paths[1]], jobs: 2)
        #expect(events.count == 200)
        #expect(merge.failed)
        #expect(merge.summary.unreadable == 1)
    }

    @Test func progressCountsTheBytesAndEventsHandedOut() throws {
        let paths = try Self.nodeLogs(lines: 500)
        let merge = MergedInputs(paths: paths, options: IngestOptions())
        let counter = ProgressCounter()
        merge.progress = counter
        let stream = EventBatches(merge, jobs: 1)
        var batch = stream.makeBatch()
        while stream.next(&batch) {}
        let size = paths.reduce(Int64(0)) { $0 + ((try? FileManager.default.attributesOfItem(atPath: $1)[.size] as? Int64) ?? 0) }
        #expect(counter.current.events == 1_500)
        #expect(counter.current.bytes == size)
    }
}
