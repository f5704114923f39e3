import LogwatchCore
import Foundation
import Testing
@testable import LogIngest

/// Reading a live file as it grows, and resuming where an earlier run stopped.
@Suite struct FollowingTests {
    final class LiveFile {
        let path: String
        let fd: Int32
        init() {
            path = Fixtures.temporaryFile([], name: "live.log")
            fd = open(path, O_RDONLY)
        }
        deinit { close(fd) }
        func append(_ text: String) {
            let h = FileHandle(forWritingAtPath: path)!
            h.seekToEndOfFile()
            h.write(Data(text.utf8))
            h.closeFile()
        }
    }

    static func line(_ second: Int, _ ip: String = "192.0.2.1", status: Int = 200) -> String {
        "\(ip) - svc [28/Nov/2025:10:00:\(String(format: "%02d", second)) +0000] \"GET /api/now/table/incident HTTP/1.1\" \(status) 10 \"-\" \"curl\"\n"
    }

    func drain(_ r: LogReader) throws -> [TransactionEvent] {
        var out: [TransactionEvent] = []
        while let e = try r.next() { out.append(e) }
        return out
    }

    @Test func aPartialLineWaitsForItsNewline() throws {
        let f = LiveFile()
        let r = LogReader(following: f.fd, name: f.path, inputIndex: 0, options: IngestOptions())
        #expect(try drain(r).isEmpty)
        let l = Self.line(1)
        f.append(String(l.prefix(30)))
        #expect(try drain(r).isEmpty)
        #expect(!r.ended)
        #expect(r.resumePoint == 0)
        f.append(String(l.dropFirst(30)) + Self.line(2))
        let events = try drain(r)
        #expect(events.map(\.origin.line) == [1, 2])
        #expect(r.resumePoint == Int64(2 * l.utf8.count))
        // The last line of a file rotated away counts even without its newline.
        f.append(String(Self.line(3).dropLast()))
        #expect(try drain(r).isEmpty)
        r.finishFollowing()
        #expect(try drain(r).count == 1)
        #expect(r.ended)
    }

    @Test func resumingSkipsWhatWasProcessedAndKeepsLineNumbers() throws {
        let f = LiveFile()
        f.append(Self.line(1) + Self.line(2) + Self.line(3))
        let offset = Int64(2 * Self.line(1).utf8.count)
        let r = LogReader(following: f.fd, name: f.path, inputIndex: 0, options: IngestOptions(), resumeAt: offset)
        let events = try drain(r)
        #expect(events.map(\.origin.line) == [3])
        #expect(r.stats.malformed == 0)
    }

    @Test func resumingACSVExportRereadsItsHeader() throws {
        let f = LiveFile()
        let header = "sys_created_on,remote_ip,sys_created_by,http_status\n"
        let rows = (1...4).map { "2025-11-28 00:00:0\($0),10.0.0.\($0),svc_a,\($0 == 3 ? 401 : 200)\n" }
        f.append(header + rows.joined())
        let offset = Int64((header + rows[0] + rows[1]).utf8.count)
        let r = LogReader(following: f.fd, name: f.path, inputIndex: 0, options: IngestOptions(), resumeAt: offset)
        let events = try drain(r)
        #expect(events.map(\.sourceIP?.description) == ["10.0.0.3", "10.0.0.4"])
        #expect(events.first?.outcome == .authFailure)
        #expect(events.first?.principal == "svc_a")
    }

    @Test func resumingAW3CLogRereadsTheFieldsInForce() throws {
        let f = LiveFile()
        let processed = "#Fields: date time c-ip cs-method cs-uri-stem sc-status\n2025-11-28 00:00:01 10.0.0.1 GET /a 200\n#Fields: date time cs-method c-ip sc-status\n2025-11-28 00:00:02 GET 10.0.0.2 200\n"
        f.append(processed)
        let resume = Int64(processed.utf8.count)
        f.append("2025-11-28 00:00:03 POST 10.0.0.3 401\n")
        let r = LogReader(following: f.fd, name: f.path, inputIndex: 0, options: IngestOptions(), resumeAt: resume)
        let events = try drain(r)
        #expect(events.map(\.sourceIP?.description) == ["10.0.0.3"])
        #expect(events.first?.method == "POST")
    }

    @Test func aCSVRecordSpanningLinesIsNeverSplitByACheckpoint() throws {
        let f = LiveFile()
        f.append("sys_created_on,remote_ip,url\n2025-11-28 00:00:01,10.0.0.1,\"/a\n")
        let r = LogReader(following: f.fd, name: f.path, inputIndex: 0, options: IngestOptions())
        #expect(try drain(r).isEmpty)
        let headerEnd = Int64("sys_created_on,remote_ip,url\n".utf8.count)
        #expect(r.resumePoint == headerEnd) // not inside the open record
        f.append("b\"\n")
        #expect(try drain(r).count == 1)
        #expect(r.resumePoint > headerEnd)
    }

    @Test func aPipeEndsWhenItsWriterCloses() throws {
        var fds: [Int32] = [0, 0]
        #expect(pipe(&fds) == 0)
        _ = fcntl(fds[0], F_SETFL, fcntl(fds[0], F_GETFL) | O_NONBLOCK)
        let r = LogReader(following: fds[0], name: "-", inputIndex: 0, options: IngestOptions(), isPipe: true)
        let l = Self.line(1)
        _ = l.withCString { write(fds[1], $0, strlen($0)) }
        _ = "partial".withCString { write(fds[1], $0, strlen($0)) }
        #expect(try drain(r).count == 1)
        #expect(!r.ended) // nothing more for now, not the end
        close(fds[1])
        #expect(try drain(r).isEmpty) // "partial" is not a log line in this format
        #expect(r.ended)
        #expect(r.stats.malformed == 1)
        close(fds[0])
    }
}
