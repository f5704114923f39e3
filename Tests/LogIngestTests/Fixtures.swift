import LogwatchCore
import CZlib
import CZstd
import Foundation
import TestSupport
@testable import LogIngest

/// Builds compressed fixtures in memory and reads them back through the real reader.
enum Fixtures {
    static func zstd(_ data: [UInt8], level: Int32 = 3) -> [UInt8] {
        var out = [UInt8](repeating: 0, count: ZSTD_compressBound(data.count))
        let n = data.withUnsafeBytes { src in
            out.withUnsafeMutableBytes { dst in
                ZSTD_compress(dst.baseAddress, dst.count, src.baseAddress, src.count, level)
            }
        }
        precondition(ZSTD_isError(n) == 0)
        return Array(out[0..<n])
    }

    /// A zstd skippable frame holding `payload`.
    static func zstdSkippable(_ payload: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [0x50, 0x2A, 0x4D, 0x18]
        let n = UInt32(payload.count)
        out += [UInt8(n & 0xff), UInt8((n >> 8) & 0xff), UInt8((n >> 16) & 0xff), UInt8(n >> 24)]
        return out + payload
    }

    static func gzip(_ data: [UInt8]) -> [UInt8] {
        var stream = z_stream()
        precondition(logwatch_deflateInit2(&stream, 6, 15 + 16) == Z_OK)
        var out = [UInt8](repeating: 0, count: data.count + 1024)
        var input = data
        let produced: Int = input.withUnsafeMutableBytes { src in
            out.withUnsafeMutableBytes { dst in
                stream.next_in = src.baseAddress?.assumingMemoryBound(to: UInt8.self)
                stream.avail_in = UInt32(src.count)
                stream.next_out = dst.baseAddress?.assumingMemoryBound(to: UInt8.self)
                stream.avail_out = UInt32(dst.count)
                precondition(deflate(&stream, Z_FINISH) == Z_STREAM_END)
                return dst.count - Int(stream.avail_out)
            }
        }
        deflateEnd(&stream)
        return Array(out[0..<produced])
    }

    static func temporaryFile(_ bytes: [UInt8], name: String = "input") -> String {
        let url = Scratch.directory("input").appendingPathComponent(name)
        try! Data(bytes).write(to: url)
        return url.path
    }

    struct ReadResult {
        var events: [TransactionEvent] = []
        var error: IngestError? = nil
        var stats = InputStats()
        var malformed: [MalformedLine] = []
    }

    static func read(_ bytes: [UInt8], options: IngestOptions = IngestOptions(), name: String = "input") -> ReadResult {
        let path = temporaryFile(bytes, name: name)
        defer { try? FileManager.default.removeItem(atPath: (path as NSString).deletingLastPathComponent) }
        return read(path: path, options: options)
    }

    static func read(path: String, options: IngestOptions = IngestOptions()) -> ReadResult {
        var result = ReadResult()
        do {
            let reader = try LogReader(path: path, inputIndex: 0, options: options)
            do {
                while let e = try reader.next() { result.events.append(e) }
            } catch {
                result.error = error
            }
            reader.refreshStats()
            result.stats = reader.stats
            result.malformed = reader.malformedSamples
        } catch {
            result.error = error
        }
        return result
    }

    static func read(_ text: String, options: IngestOptions = IngestOptions()) -> ReadResult {
        read(Array(text.utf8), options: options)
    }

    /// A plain combined log of `count` lines, each distinguishable by its path.
    static func combinedLines(_ count: Int) -> String {
        (0..<count).map { i in
            "198.51.100.\(i % 250) - svc_\(i % 7) [28/Nov/2025:00:\(String(format: "%02d", (i / 60) % 60)):\(String(format: "%02d", i % 60)) +0000] \"GET /api/now/table/item\(i) HTTP/1.1\" \(i % 10 == 0 ? 401 : 200) \(i) \"-\" \"agent\""
        }.joined(separator: "\n") + "\n"
    }
}
