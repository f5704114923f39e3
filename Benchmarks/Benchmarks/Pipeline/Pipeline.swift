import AnomalyEngine
import LogwatchCore
import Benchmark
import Foundation
import LogIngest

/// Each stage of logwatch over the same 100,000 lines of realistic integration traffic, one
/// benchmark per stage, with throughput and malloc counts (malloc counts per line show whether
/// a stage allocates per line).
let benchmarks: @Sendable () -> Void = {
    let lines = 100_000
    let data = BenchmarkData(lines: lines)
    let perLine = Benchmark.Configuration(
        metrics: [.wallClock, .throughput, .mallocCountTotal, .peakMemoryResident],
        scalingFactor: .one, maxDuration: .seconds(5), maxIterations: 20
    )

    Benchmark("decode zstd (100k lines)", configuration: perLine) { benchmark in
        for _ in benchmark.scaledIterations {
            let input = try DecodedInput(path: data.combinedZstd)
            let buffer = UnsafeMutableRawBufferPointer.allocate(byteCount: 256 * 1024, alignment: 16)
            defer { buffer.deallocate() }
            var total = 0
            while true {
                let n = try input.read(into: buffer)
                if n == 0 { break }
                total += n
            }
            blackHole(total)
        }
    }

    Benchmark("frame lines (100k lines)", configuration: perLine) { benchmark in
        for _ in benchmark.scaledIterations {
            let input = try InputLines(path: data.combinedPlain)
            var count = 0
            while try input.next() != nil { count += 1 }
            precondition(count == lines)
            blackHole(count)
        }
    }

    for (name, path, format) in [("combined", data.combinedPlain, LogFormat.combined), ("json", data.jsonPlain, LogFormat.json),
                                 ("servicenow-csv", data.csvPlain, LogFormat.servicenowCSV), ("w3c", data.w3cPlain, LogFormat.w3c)] {
        Benchmark("frame and parse \(name) (100k lines)", configuration: perLine) { benchmark in
            var options = IngestOptions()
            options.format = format
            for _ in benchmark.scaledIterations {
                let reader = try LogReader(path: path, inputIndex: 0, options: options)
                var count = 0
                while try reader.next() != nil { count += 1 }
                precondition(count == lines, "\(name): \(count) events, \(reader.malformedSamples)")
                blackHole(count)
            }
        }
    }

    Benchmark("frame and parse combined, detection fields, in batches (100k lines)", configuration: perLine) { benchmark in
        var options = IngestOptions()
        options.format = .combined
        options.fields = .detection
        let batch = EventBatch(capacity: 4096)
        for _ in benchmark.scaledIterations {
            let reader = try LogReader(path: data.combinedPlain, inputIndex: 0, options: options)
            var count = 0
            var more = true
            while more {
                batch.removeAll()
                more = try reader.read(into: batch, limit: 4096)
                count += batch.count
            }
            precondition(count == lines)
            blackHole(count)
        }
    }

    Benchmark("engine, all detectors (100k events)", configuration: perLine) { benchmark in
        let events = data.events
        for _ in benchmark.scaledIterations {
            let engine = Engine()
            var alerts: [Alert] = []
            for e in events { engine.process(e, into: &alerts) }
            engine.finish(into: &alerts)
            blackHole(alerts.count)
        }
    }

    // The steady state: every key already known. The engine first sees the events once (not
    // measured), then the same traffic again right after it in time; mallocs counted here are
    // what the engine allocates per event, per closed minute and per alert once warm.
    Benchmark("engine, all detectors, keys already known (100k events)", configuration: perLine) { benchmark in
        let events = data.events
        let span = events.last!.time - events.first!.time + 1000
        var again = events
        for i in again.indices { again[i].time += span }
        for _ in benchmark.scaledIterations {
            let engine = Engine()
            var alerts: [Alert] = []
            for e in events { engine.process(e, into: &alerts) }
            alerts.removeAll(keepingCapacity: true)
            benchmark.startMeasurement()
            again.withUnsafeBufferPointer { events in
                for i in events.indices { engine.process(events[i], into: &alerts) }
            }
            benchmark.stopMeasurement()
            blackHole(alerts.count)
        }
    }

    Benchmark("end to end: zstd combined to alerts, as scan reads (100k lines)", configuration: perLine) { benchmark in
        var options = IngestOptions()
        options.fields = .detection
        let batch = EventBatch(capacity: 4096)
        for _ in benchmark.scaledIterations {
            let reader = try LogReader(path: data.combinedZstd, inputIndex: 0, options: options)
            let engine = Engine()
            var alerts: [Alert] = []
            var more = true
            while more {
                batch.removeAll()
                more = try reader.read(into: batch, limit: 4096)
                batch.withEvents { events in
                    for i in events.indices { engine.process(inPlace: &events[i], into: &alerts) }
                }
            }
            engine.finish(into: &alerts)
            blackHole(alerts.count)
        }
    }
}

/// Deterministic test data written once to a temporary directory.
final class BenchmarkData: @unchecked Sendable {
    let directory: URL
    let combinedPlain: String
    let combinedZstd: String
    let jsonPlain: String
    let csvPlain: String
    let w3cPlain: String
    let events: [TransactionEvent]

    init(lines: Int) {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("logwatch-benchmarks-\(lines)")
        self.directory = directory
        try? FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        var rng = SplitMix(seed: 42)
        let principals = (0..<300).map { i in (name: String(format: "svc_%03d", i), hosts: (0..<(1 + i % 4)).map { "10.\(i / 200).\(i % 200).\(2 + ($0 * 61 + i) % 248)" }) }
        let attackers = (0..<3000).map { _ in "\(rng.int(11...223)).\(rng.int(0...255)).\(rng.int(0...255)).\(rng.int(1...254))" }
        let paths = ["/api/now/table/incident", "/api/now/table/sys_user", "/incident.do?SOAP", "/api/now/import/u_staging"]
        var combined = "", json = "", csv = "\"sys_created_on\",\"remote_ip\",\"sys_created_by\",\"type\",\"url\",\"http_status\",\"response_time\"\n"
        var w3c = "#Software: Microsoft Internet Information Services 10.0\n#Fields: date time c-ip cs-username cs-method cs-uri-stem cs-uri-query sc-status time-taken\n"
        var t = 1_764_000_000.0
        let clf = DateFormatter(), iso = DateFormatter()
        clf.locale = Locale(identifier: "en_US_POSIX"); clf.timeZone = TimeZone(identifier: "UTC"); clf.dateFormat = "dd/MMM/yyyy:HH:mm:ss Z"
        iso.locale = clf.locale; iso.timeZone = clf.timeZone; iso.dateFormat = "yyyy-MM-dd HH:mm:ss"
        for _ in 0..<lines {
            t += rng.double() * 0.05
            let date = Date(timeIntervalSince1970: t)
            let fail = rng.double() < 0.07
            let p = principals[min(299, Int(pow(rng.double(), 3) * 300))]
            let ip = fail ? attackers[rng.int(0...2999)] : p.hosts[rng.int(0...(p.hosts.count - 1))]
            let user = fail ? ["admin", "root", "api", "integration"][rng.int(0...3)] : p.name
            let path = fail ? "/oauth_token.do" : paths[rng.int(0...3)]
            let status = fail ? 401 : 200
            let ms = rng.int(5...500)
            combined += "\(ip) - \(user) [\(clf.string(from: date))] \"GET \(path) HTTP/1.1\" \(status) \(rng.int(100...60000)) \"-\" \"Integration/1.0\" rt=0.\(String(format: "%03d", ms))\n"
            json += "{\"@timestamp\":\(Int64(t * 1000)),\"source\":{\"ip\":\"\(ip)\"},\"user\":{\"name\":\"\(user)\"},\"http\":{\"response\":{\"status_code\":\(status)}},\"url\":{\"original\":\"\(path)\"},\"event\":{\"duration\":\(ms * 1_000_000)}}\n"
            csv += "\"\(iso.string(from: date))\",\"\(ip)\",\"\(user)\",\"REST\",\"\(path)\",\"\(status)\",\"\(ms)\"\n"
            let parts = path.split(separator: "?", maxSplits: 1)
            w3c += "\(iso.string(from: date)) \(ip) \(user) GET \(parts[0]) \(parts.count > 1 ? String(parts[1]) : "-") \(status) \(ms)\n"
        }
        func write(_ name: String, _ text: String) -> String {
            let url = directory.appendingPathComponent(name)
            try! text.write(to: url, atomically: true, encoding: .utf8)
            return url.path
        }
        combinedPlain = write("combined.log", combined)
        jsonPlain = write("json.log", json)
        csvPlain = write("servicenow.csv", csv)
        w3cPlain = write("w3c.log", w3c)
        combinedZstd = combinedPlain + ".zst"
        let zstd = Process()
        zstd.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        zstd.arguments = ["zstd", "-3", "-q", "-f", combinedPlain, "-o", combinedZstd]
        try! zstd.run()
        zstd.waitUntilExit()
        var events: [TransactionEvent] = []
        let reader = try! LogReader(path: combinedPlain, inputIndex: 0, options: IngestOptions())
        while let e = try! reader.next() { events.append(e) }
        self.events = events
    }
}

struct SplitMix {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
    mutating func double() -> Double { Double(next() >> 11) / Double(1 << 53) }
    mutating func int(_ r: ClosedRange<Int>) -> Int { r.lowerBound + Int(next() % UInt64(r.count)) }
}
