import LogwatchCore
import Foundation
import Testing
import TestSupport
@testable import LogIngest

@Suite struct DecodingTests {
    let text = Fixtures.combinedLines(500)
    var plain: [UInt8] { Array(text.utf8) }

    @Test func plainZstdAndGzipGiveTheSameEvents() {
        let a = Fixtures.read(plain)
        let b = Fixtures.read(Fixtures.zstd(plain))
        let c = Fixtures.read(Fixtures.gzip(plain))
        #expect(a.events.count == 500)
        #expect(a.events == b.events)
        #expect(a.events == c.events)
        #expect(b.stats.stream == .zstd)
        #expect(c.stats.stream == .gzip)
        #expect(a.stats.stream == .plain)
        #expect(b.error == nil && c.error == nil)
    }

    @Test func kindComesFromMagicBytesNotTheName() {
        let r = Fixtures.read(Fixtures.gzip(plain), name: "misleading.zst")
        #expect(r.stats.stream == .gzip)
        #expect(r.events.count == 500)
        let p = Fixtures.read(plain, name: "plain.gz")
        #expect(p.stats.stream == .plain)
        #expect(p.events.count == 500)
    }

    @Test func zstdFramesBackToBackAndSkippableFramesAreAllRead() {
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        let first = Array((lines[0..<200].joined(separator: "\n") + "\n").utf8)
        let second = Array((lines[200...].joined(separator: "\n")).utf8)
        let data = Fixtures.zstdSkippable([1, 2, 3]) + Fixtures.zstd(first) + Fixtures.zstdSkippable(Array(repeating: 9, count: 100)) + Fixtures.zstd(second, level: 19)
        let r = Fixtures.read(data)
        #expect(r.error == nil)
        #expect(r.events.count == 500)
        #expect(r.events.map(\.origin.line) == Array(1...500))
    }

    @Test func aLineSplitAcrossFramesIsJoined() {
        let full = Array("10.0.0.1 - alice [28/Nov/2025:00:00:01 +0000] \"GET /api/x HTTP/1.1\" 200 5 \"-\" \"a\"\n".utf8)
        let data = Fixtures.zstd(Array(full[0..<30])) + Fixtures.zstd(Array(full[30...]))
        let r = Fixtures.read(data)
        #expect(r.events.count == 1)
        #expect(r.events.first?.principal == "alice")
    }

    @Test func gzipMembersBackToBackAreAllRead() {
        let half = plain.count / 2
        let split = plain[0..<half].lastIndex(of: 0x0A)! + 1
        let data = Fixtures.gzip(Array(plain[0..<split])) + Fixtures.gzip(Array(plain[split...]))
        let r = Fixtures.read(data)
        #expect(r.error == nil)
        #expect(r.events.count == 500)
    }

    @Test func gzipZeroPaddingAfterTheLastMemberIsIgnored() {
        let r = Fixtures.read(Fixtures.gzip(plain) + [UInt8](repeating: 0, count: 512))
        #expect(r.error == nil)
        #expect(r.events.count == 500)
    }

    @Test(arguments: [StreamKind.zstd, .gzip])
    func truncationKeepsEveryEventBeforeItAndNamesTheOffset(kind: StreamKind) throws {
        // Large enough for several zstd blocks (128 KiB each): a block is decoded only whole.
        let plain = Array(Fixtures.combinedLines(5000).utf8)
        let compressed = kind == .zstd ? Fixtures.zstd(plain) : Fixtures.gzip(plain)
        let cut = compressed.count * 2 / 3
        let r = Fixtures.read(Array(compressed[0..<cut]))
        let error = try #require(r.error)
        #expect(error.isDamage)
        #expect(error.description.contains("truncated"))
        #expect(error.offset == Int64(cut))
        // Every event parsed is one of the originals, in order, with none missing before the damage.
        let all = Fixtures.read(plain).events
        #expect(r.events.count > 1000)
        #expect(r.events.count < 5000)
        #expect(Array(all.prefix(r.events.count)) == r.events)
    }

    @Test(arguments: [StreamKind.zstd, .gzip])
    func corruptionStopsWithAnErrorAfterTheGoodEvents(kind: StreamKind) throws {
        // Two members/frames; the second is corrupted in its middle.
        let lines = text.split(separator: "\n")
        let first = Array((lines[0..<250].joined(separator: "\n") + "\n").utf8)
        let second = Array((lines[250...].joined(separator: "\n") + "\n").utf8)
        let one = kind == .zstd ? Fixtures.zstd(first) : Fixtures.gzip(first)
        var two = kind == .zstd ? Fixtures.zstd(second) : Fixtures.gzip(second)
        for i in stride(from: 20, to: two.count - 20, by: 7) { two[i] ^= 0x5A }
        let r = Fixtures.read(one + two)
        let error = try #require(r.error)
        #expect(error.isDamage)
        #expect(error.description.contains("\(kind.rawValue)"))
        #expect(r.events.count >= 250)
        #expect(Array(Fixtures.read(plain).events.prefix(250)) == Array(r.events.prefix(250)))
        #expect((error.offset ?? 0) >= Int64(one.count))
    }

    /// Found by fuzzing: seven bytes of frame header asked zstd for a 2 GiB window.
    @Test func aZstdFrameAskingForAHugeWindowIsRefusedNotAllocated() throws {
        let header: [UInt8] = [0x28, 0xB5, 0x2F, 0xFD, 0x00, 0xA8, 0xE3, 0x00, 0x00, 0xFF, 0x5D]
        let r = Fixtures.read(header)
        let error = try #require(r.error)
        #expect(error.isDamage)
        #expect(error.description.contains("window over 128 MiB"))
    }

    @Test func garbageAfterTheLastGzipMemberIsReportedWithItsOffset() throws {
        let compressed = Fixtures.gzip(plain)
        let r = Fixtures.read(compressed + Array("not gzip".utf8))
        let error = try #require(r.error)
        #expect(error.offset == Int64(compressed.count))
        #expect(r.events.count == 500)
    }

    @Test func missingFileIsAClearErrorNamingIt() {
        let r = Fixtures.read(path: "/nonexistent/dir/app.log")
        #expect(r.error?.description == "/nonexistent/dir/app.log: cannot open: No such file or directory")
        #expect(r.error?.isDamage == false)
    }

    @Test func emptyInputHasNoEventsAndNoError() {
        let r = Fixtures.read([UInt8]())
        #expect(r.events.isEmpty)
        #expect(r.error == nil)
    }

    @Test func randomizedChunkSizesNeverChangeTheLines() throws {
        var generator = SeededGenerator(seed: 42)
        let data = Array("a\r\nbb\n\nccc\nd\u{0}d\n\u{FF}\u{FE}e\nlast".utf8) + Array(text.utf8)
        let expected = splitLines(data)
        for compressed in [false, true] {
            for _ in 0..<40 {
                let inputChunk = Int.random(in: 1...64, using: &generator)
                let frameChunk = Int.random(in: 1...64, using: &generator)
                let bytes = compressed ? Fixtures.zstd(data) : data
                let path = Fixtures.temporaryFile(bytes)
                let reader = try DecodingReader(source: try ByteSource(path: path), chunkSize: inputChunk)
                let framer = LineFramer(reader: reader, maxLineBytes: 1 << 20, chunkSize: frameChunk)
                var got: [[UInt8]] = []
                while let line = try framer.nextLine() { got.append(Array(line.bytes)) }
                #expect(got == expected, "input chunk \(inputChunk), frame chunk \(frameChunk), zstd \(compressed)")
            }
        }
    }

    @Test func oversizedLinesAreSkippedAndCountedWithoutBeingHeld() throws {
        let long = [UInt8](repeating: UInt8(ascii: "x"), count: 10_000)
        let data = Array("first\n".utf8) + long + Array("\nsecond\n".utf8) + long
        let path = Fixtures.temporaryFile(data)
        let reader = try DecodingReader(source: try ByteSource(path: path), chunkSize: 512)
        let framer = LineFramer(reader: reader, maxLineBytes: 1000, chunkSize: 512)
        var got: [String] = []
        var numbers: [Int64] = []
        while let line = try framer.nextLine() { got.append(String(decoding: line.bytes, as: UTF8.self)); numbers.append(line.number) }
        #expect(got == ["first", "second"])
        #expect(numbers == [1, 3])
        #expect(framer.oversizedLines == 2)
    }

    private func splitLines(_ data: [UInt8]) -> [[UInt8]] {
        var lines = data.split(separator: 0x0A, omittingEmptySubsequences: false).map { line -> [UInt8] in
            var l = Array(line)
            if l.last == 0x0D { l.removeLast() }
            return l
        }
        if lines.last?.isEmpty == true { lines.removeLast() }
        return lines
    }
}

/// Decompressing on a thread of its own (`LogReader.decodeAhead()`) gives what a direct read
/// gives: the same events, counts and, for damaged input, the same error at the same offset
/// after the same events.
@Suite struct DecodeAheadTests {
    /// Reads with decoding moved to its own thread after `after` events (0: from the start);
    /// `threaded` says whether a thread did decode.
    static func readAhead(_ bytes: [UInt8], after: Int) -> (Fixtures.ReadResult, threaded: Bool) {
        let path = Fixtures.temporaryFile(bytes)
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        var result = Fixtures.ReadResult()
        var threaded = false
        do {
            let reader = try LogReader(path: path, inputIndex: 0, options: IngestOptions())
            if after == 0 { reader.decodeAhead() }
            do {
                while let e = try reader.next() {
                    result.events.append(e)
                    if result.events.count == after { reader.decodeAhead() }
                }
            } catch {
                result.error = error
            }
            threaded = reader.decodingAhead
            reader.refreshStats()
            result.stats = reader.stats
        } catch {
            result.error = error
        }
        return (result, threaded)
    }

    static let plain = Array(Fixtures.combinedLines(20_000).utf8)

    /// Where two event lists first differ (an index, or the shorter length), nil if equal: a
    /// failure names a place instead of printing thousands of events.
    static func firstDifference(_ a: [TransactionEvent], _ b: [TransactionEvent]) -> Int? {
        if let i = zip(a, b).enumerated().first(where: { $0.element.0 != $0.element.1 })?.offset { return i }
        return a.count == b.count ? nil : min(a.count, b.count)
    }

    /// The message without the temporary directory, which differs from read to read.
    static func message(_ error: IngestError) -> String {
        String(error.description.split(separator: "/input: ").last ?? "")
    }

    @Test(arguments: [StreamKind.zstd, .gzip], [0, 1, 7_000])
    func intactInputs(kind: StreamKind, after: Int) {
        let compressed = kind == .zstd ? Fixtures.zstd(Self.plain) : Fixtures.gzip(Self.plain)
        let direct = Fixtures.read(compressed)
        let (ahead, threaded) = Self.readAhead(compressed, after: after)
        #expect(threaded)
        #expect(direct.error == nil && ahead.error == nil)
        #expect(ahead.events.count == 20_000)
        #expect(Self.firstDifference(ahead.events, direct.events) == nil)
        #expect(ahead.stats == direct.stats)
    }

    /// Blocks are framed where the decoding thread left them, with the partial line put in
    /// front; a partial line longer than that room moves to the framer's own buffer. Lines of
    /// every length (longer than the room, longer than a block, longer than the limit, with
    /// CRLF) give the same events, counts and resume offset as a direct read.
    @Test(arguments: [0, 3])
    func linesLongerThanTheRoomBeforeABlock(after: Int) throws {
        var text = ""
        var rng = SeededGenerator(seed: 11)
        for i in 0..<3_000 {
            let lengths = [10, 200, 20_000, 40_000, 300_000, 90_000]
            let pick = Int.random(in: 0..<100, using: &rng)
            let pathLength = pick < 90 ? lengths[pick % 2] : lengths[2 + pick % 4]
            let path = "/api/" + String(repeating: "x", count: pathLength)
            let second = String(format: "%02d", i % 60)
            let line = #"10.0.0.1 - svc_\#(i % 7) [28/Nov/2025:00:10:\#(second) +0000] "GET \#(path) HTTP/1.1" 200 5 "-" "-""#
            text += line + (i % 5 == 0 ? "\r\n" : "\n")
        }
        let compressed = Fixtures.zstd(Array(text.utf8))
        let path = Fixtures.temporaryFile(compressed)
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        func read(ahead: Bool) throws -> (events: [TransactionEvent], stats: InputStats, resume: Int64, threaded: Bool) {
            let reader = try LogReader(path: path, inputIndex: 0, options: IngestOptions())
            if ahead && after == 0 { reader.decodeAhead() }
            var events: [TransactionEvent] = []
            while let e = try reader.next() {
                events.append(e)
                if ahead && events.count == after { reader.decodeAhead() }
            }
            reader.refreshStats()
            return (events, reader.stats, reader.resumePoint, reader.decodingAhead)
        }
        let direct = try read(ahead: false)
        let ahead = try read(ahead: true)
        #expect(ahead.threaded)
        #expect(direct.stats.oversized > 0 && direct.events.contains { ($0.path?.utf8.count ?? 0) > 30_000 })
        #expect(Self.firstDifference(ahead.events, direct.events) == nil)
        #expect(ahead.stats == direct.stats)
        #expect(ahead.resume == direct.resume && direct.resume == Int64(text.utf8.count))
    }

    /// Shared decoding (`shareDecoding()`): blocks decoded by the reader itself or by another
    /// thread calling `help()` as fast as it can, in any interleaving, give what a direct read
    /// gives, for intact and for truncated inputs.
    @Test(arguments: [StreamKind.zstd, .gzip], [false, true])
    func sharedDecodingGivesWhatADirectReadGives(kind: StreamKind, truncated: Bool) throws {
        var compressed = kind == .zstd ? Fixtures.zstd(Self.plain) : Fixtures.gzip(Self.plain)
        if truncated { compressed = Array(compressed[0..<(compressed.count * 2 / 3)]) }
        let direct = Fixtures.read(compressed)
        let path = Fixtures.temporaryFile(compressed)
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        for helped in [false, true] {
            let reader = try LogReader(path: path, inputIndex: 0, options: IngestOptions())
            let help = try #require(reader.shareDecoding())
            #expect(reader.shareDecoding() == nil)
            let done = ManagedAtomicFlag()
            let helper = Thread {
                while !done.isSet { _ = help.help() }
            }
            if helped { helper.start() }
            var events: [TransactionEvent] = []
            var failure: IngestError?
            do {
                while let e = try reader.next() { events.append(e) }
            } catch {
                failure = error
            }
            done.set()
            reader.refreshStats()
            #expect(Self.firstDifference(events, direct.events) == nil)
            #expect(reader.stats == direct.stats)
            #expect(failure.map(Self.message) == direct.error.map(Self.message))
            #expect(failure?.offset == direct.error?.offset)
            #expect(truncated == (failure != nil))
            // Once the input has ended, there is nothing to help with.
            #expect(help.help() == false)
        }
    }

    @Test(arguments: [StreamKind.zstd, .gzip])
    func truncatedInputs(kind: StreamKind) throws {
        let compressed = kind == .zstd ? Fixtures.zstd(Self.plain) : Fixtures.gzip(Self.plain)
        let cut = Array(compressed[0..<(compressed.count * 2 / 3)])
        let direct = Fixtures.read(cut)
        let (ahead, threaded) = Self.readAhead(cut, after: 100)
        #expect(threaded)
        let error = try #require(ahead.error)
        #expect(Self.message(error) == direct.error.map(Self.message))
        #expect(error.offset == direct.error?.offset)
        #expect(ahead.events.count > 1000)
        #expect(Self.firstDifference(ahead.events, direct.events) == nil)
        #expect(ahead.stats == direct.stats)
    }

    @Test func corruptedInputs() throws {
        var compressed = Fixtures.zstd(Self.plain)
        for i in stride(from: compressed.count / 2, to: compressed.count - 20, by: 11) { compressed[i] ^= 0x5A }
        let direct = Fixtures.read(compressed)
        let (ahead, threaded) = Self.readAhead(compressed, after: 10)
        #expect(threaded)
        let error = try #require(ahead.error)
        #expect(Self.message(error) == direct.error.map(Self.message))
        #expect(Self.firstDifference(ahead.events, direct.events) == nil)
    }

    @Test func plainInputsAreReadDirectly() {
        let direct = Fixtures.read(Self.plain)
        let (ahead, threaded) = Self.readAhead(Self.plain, after: 0)
        #expect(!threaded)
        #expect(Self.firstDifference(ahead.events, direct.events) == nil)
        #expect(ahead.stats == direct.stats)
    }
}

@Suite struct BatchQueueTests {
    private final class Flag: @unchecked Sendable {
        private let lock = NSLock()
        private var value: Bool?
        func set(_ v: Bool) { lock.lock(); value = v; lock.unlock() }
        var get: Bool? { lock.lock(); defer { lock.unlock() }; return value }
    }

    /// A producer waiting for room on a full queue wakes when the consumer cancels, and learns
    /// that its batch was not taken; what was queued before stays for the owner to take.
    @Test func cancellingWakesAWaitingProducerAndRefusesMore() {
        let queue = BatchQueue<Int>(capacity: 1)
        #expect(queue.push(1))
        let pushed = Flag()
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            pushed.set(queue.push(2))
            done.signal()
        }
        #expect(done.wait(timeout: .now() + 0.2) == .timedOut, "the queue is full: the producer waits")
        queue.cancel()
        // Without the wake-up, the producer would wait for ever (and so would a push here).
        guard done.wait(timeout: .now() + 10) == .success else {
            Issue.record("the producer still waits 10 s after the consumer cancelled")
            return
        }
        #expect(pushed.get == false)
        #expect(queue.isCancelled && !queue.push(3))
        #expect(queue.take() == 1 && queue.take() == nil)
    }
}

extension DecodeAheadTests {
    /// A reader dropped part way (its owner stopped early) stops its decoding thread, which
    /// then lets go of the input: the file is closed, not held until the process exits.
    @Test func aReaderDroppedPartWayStopsItsThreadAndClosesTheFile() throws {
        // Far more than the thread may decode ahead: it is waiting on a full queue.
        let path = Fixtures.temporaryFile(Fixtures.zstd(Self.plain), name: "dropped-\(UInt32.random(in: 0...UInt32.max))")
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        func isOpen() -> Bool {
            let fds = (try? FileManager.default.contentsOfDirectory(atPath: "/proc/self/fd")) ?? []
            return fds.contains { (try? FileManager.default.destinationOfSymbolicLink(atPath: "/proc/self/fd/\($0)")) == path }
        }
        do {
            let reader = try LogReader(path: path, inputIndex: 0, options: IngestOptions())
            reader.decodeAhead()
            for _ in 0..<10 { _ = try reader.next() }
            #expect(reader.decodingAhead)
            #expect(isOpen())
        }
        var waited = 0
        while isOpen() && waited < 200 {
            Thread.sleep(forTimeInterval: 0.05)
            waited += 1
        }
        #expect(!isOpen(), "the input is still open 10 s after its reader was dropped")
    }
}

/// A flag set once, read from another thread.
final class ManagedAtomicFlag: @unchecked Sendable {
    private let lock = NSLock()
    private var value = false
    var isSet: Bool { lock.lock(); defer { lock.unlock() }; return value }
    func set() { lock.lock(); value = true; lock.unlock() }
}
