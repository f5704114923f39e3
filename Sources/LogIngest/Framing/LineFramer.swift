#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// One line handed out by `LineFramer`: its bytes (without the LF or CRLF) and its 1-based number.
/// The bytes are valid only until the next call to `nextLine()`.
struct FramedLine {
    var bytes: UnsafeRawBufferPointer
    var number: Int64
}

/// Splits decoded bytes into lines: LF or CRLF, a last line without a newline, lines split
/// across chunks or frames. A line longer than `maxLineBytes` is skipped and counted, and
/// never held in memory whole.
///
/// - Complexity: every byte is scanned once; a partial line is moved at most once per refill.
final class LineFramer {
    private let reader: DecodingReader
    private let maxLineBytes: Int
    private let chunkSize: Int
    /// The bytes being framed: `owned`, or a block of a decoding thread's (`borrowed`).
    private var buffer: UnsafeMutableRawBufferPointer
    /// The framer's own buffer, read into by copying.
    private var owned: UnsafeMutableRawBufferPointer
    /// A block handed over by the decoding thread, framed where it lies (see `fill()`).
    private var borrowed: UnsafeMutableRawBufferPointer?
    /// Bytes [start, end) of `buffer` are decoded and not yet handed out.
    private var start = 0
    private var end = 0
    /// Bytes [start, scanned) are known to hold no newline.
    private var scanned = 0
    private var endOfInput = false
    /// Set while the rest of an oversized line is being discarded.
    private var skippingOversized = false
    /// A decoding error, raised once the complete lines before it have been handed out.
    private var pendingError: IngestError?
    /// Stream offset of `buffer[0]`.
    private var bufferBase: Int64 = 0
    /// Following a live input: when the reader has nothing more, `nextLine()` returns nil and
    /// keeps the partial line for later, instead of treating it as the last line.
    var following: Bool
    /// The followed input is a pipe: a read of 0 bytes (not "would block") is its end.
    var followsPipe = false
    private var waiting = false
    /// Set once the input ended and every line was handed out.
    private(set) var exhausted = false
    private(set) var lineNumber: Int64 = 0
    private(set) var oversizedLines: Int64 = 0
    /// Set when input ended inside a line that was dropped because the stream was damaged.
    private(set) var droppedPartialLine = false

    init(reader: DecodingReader, maxLineBytes: Int, chunkSize: Int = 256 * 1024) {
        self.reader = reader
        following = reader.follows
        self.maxLineBytes = max(1, maxLineBytes)
        self.chunkSize = chunkSize
        owned = .allocate(byteCount: chunkSize * 2, alignment: 16)
        buffer = owned
    }

    deinit {
        owned.deallocate()
        if let borrowed { reader.aheadBlocks?.giveBack(borrowed) }
    }

    /// The stream offset just past the last line handed out (its newline included).
    var consumed: Int64 { bufferBase + Int64(start) }

    /// Set when the input is one document of records (see `DocumentScanner`): `nextLine()`
    /// then hands out each record, numbered by the line it starts on.
    var document: DocumentScanner?

    /// Whether the input has ended (all of it is decoded, not necessarily handed out).
    var inputEnded: Bool { endOfInput }

    /// The input's first bytes, at least `count` of them unless the input is shorter (or, when
    /// following, has no more yet); nothing is consumed.
    func peek(_ count: Int) -> UnsafeRawBufferPointer {
        while end - start < count && !endOfInput {
            fill()
            if waiting { waiting = false; break }
        }
        return UnsafeRawBufferPointer(rebasing: buffer[start..<end])
    }

    /// The next line, or nil at the end of the input (when following: nothing complete yet).
    /// - Throws: the decoding error, after every complete line before the damage was returned.
    func nextLine() throws(IngestError) -> FramedLine? {
        if document != nil { return try nextRecord() }
        while true {
            if let newline = findNewline() {
                let lineStart = start
                start = newline + 1
                scanned = start
                lineNumber += 1
                if skippingOversized {
                    skippingOversized = false
                    oversizedLines += 1
                    continue
                }
                var lineEnd = newline
                if lineEnd > lineStart && buffer[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                return FramedLine(bytes: UnsafeRawBufferPointer(rebasing: buffer[lineStart..<lineEnd]), number: lineNumber)
            }
            // No newline in [start, end).
            if end - start > maxLineBytes || (skippingOversized && end > start) {
                // Too long: forget what we hold and discard up to the next newline.
                skippingOversized = true
                start = end
                scanned = end
            }
            if endOfInput {
                if let error = pendingError {
                    pendingError = nil
                    if end > start || skippingOversized { droppedPartialLine = true }
                    start = end
                    throw error
                }
                if skippingOversized {
                    skippingOversized = false
                    lineNumber += 1
                    oversizedLines += 1
                    continue
                }
                guard end > start else { exhausted = true; return nil }
                lineNumber += 1
                var lineEnd = end
                if buffer[lineEnd - 1] == 0x0D { lineEnd -= 1 }
                let line = FramedLine(bytes: UnsafeRawBufferPointer(rebasing: buffer[start..<lineEnd]), number: lineNumber)
                start = end
                scanned = end
                return line
            }
            fill()
            if waiting {
                waiting = false
                return nil
            }
        }
    }

    /// `nextLine()` for a document: the next record, which may span lines.
    private func nextRecord() throws(IngestError) -> FramedLine? {
        while true {
            while scanned < end, let (found, next) = document!.scan(buffer, from: scanned, to: end) {
                scanned = next
                switch found {
                case .start(let i):
                    // What came before the record (separators, the document's opening) is dropped.
                    start = i
                case .end(let i):
                    let recordStart = start
                    start = i
                    lineNumber = max(lineNumber, document!.newlines)
                    if skippingOversized || i - recordStart > maxLineBytes {
                        skippingOversized = false
                        oversizedLines += 1
                        continue
                    }
                    return FramedLine(bytes: UnsafeRawBufferPointer(rebasing: buffer[recordStart..<i]), number: document!.recordLine + 1)
                }
            }
            scanned = end
            lineNumber = max(lineNumber, document!.newlines)
            if document!.phase != .inRecord {
                start = end
            } else if end - start > maxLineBytes || skippingOversized {
                // Too long: forget what we hold and discard up to the record's end.
                skippingOversized = true
                start = end
            }
            if endOfInput {
                if let error = pendingError {
                    pendingError = nil
                    if document!.phase == .inRecord { droppedPartialLine = true }
                    start = end
                    throw error
                }
                if skippingOversized {
                    skippingOversized = false
                    oversizedLines += 1
                } else if document!.phase == .inRecord && end > start {
                    // Cut off inside a record: handed out as it is, for its parser to refuse.
                    let record = FramedLine(bytes: UnsafeRawBufferPointer(rebasing: buffer[start..<end]), number: document!.recordLine + 1)
                    start = end
                    return record
                }
                lineNumber = document!.newlines + (document!.partialLine ? 1 : 0)
                exhausted = true
                return nil
            }
            fill()
            if waiting {
                waiting = false
                return nil
            }
        }
    }

    private func findNewline() -> Int? {
        guard scanned < end else { return nil }
        // memchr is vectorised in glibc; the pointer range lies inside `buffer`.
        let base = buffer.baseAddress!
        if let hit = memchr(base + scanned, 0x0A, end - scanned) {
            return base.distance(to: UnsafeMutableRawPointer(hit))
        }
        scanned = end
        return nil
    }

    /// Makes room and reads one more chunk of decoded bytes.
    ///
    /// When a thread decodes ahead, its blocks are framed where they lie: the partial line
    /// held (up to `DecodeAhead.headroom` bytes, a line's tail almost always) is put in the
    /// room before the block's bytes, and the block becomes the buffer. Copying every block
    /// into this buffer cost the framing thread a tenth of its time (perf, 2M combined lines).
    /// A longer partial line moves to the framer's own buffer, which is then read into by copy
    /// until the line is complete.
    private func fill() {
        if let blocks = reader.aheadBlocks {
            if end - start <= DecodeAhead.headroom {
                if let handed = blocks.takeBlock() { adopt(handed, from: blocks) } else { endOfInput = true }
                return
            }
            if let block = borrowed {
                let pending = end - start
                if owned.count < pending + chunkSize {
                    owned.deallocate()
                    owned = .allocate(byteCount: max(owned.count * 2, pending + chunkSize), alignment: 16)
                }
                owned.baseAddress!.copyMemory(from: buffer.baseAddress! + start, byteCount: pending)
                bufferBase += Int64(start)
                scanned -= start
                start = 0
                end = pending
                buffer = owned
                borrowed = nil
                blocks.giveBack(block)
            }
        }
        if start == end {
            bufferBase += Int64(end)
            start = 0; end = 0; scanned = 0
        } else if buffer.count - end < chunkSize {
            let pending = end - start
            if start > 0 {
                // Slide the partial line to the front.
                buffer.baseAddress!.copyMemory(from: buffer.baseAddress! + start, byteCount: pending)
                bufferBase += Int64(start)
                scanned -= start
                start = 0
                end = pending
            }
            if buffer.count - end < chunkSize {
                // The partial line is long (at most maxLineBytes + chunkSize): grow.
                let grown = UnsafeMutableRawBufferPointer.allocate(byteCount: buffer.count * 2, alignment: 16)
                grown.baseAddress!.copyMemory(from: buffer.baseAddress!, byteCount: end)
                owned.deallocate()
                owned = grown
                buffer = grown
            }
        }
        do {
            let n = try reader.read(into: UnsafeMutableRawBufferPointer(rebasing: buffer[end..<min(buffer.count, end + chunkSize)]))
            if n == 0 {
                // A followed file's end is only its current end; a pipe's is final.
                if following && !(followsPipe && reader.sourceEnded) { waiting = true } else { endOfInput = true }
            }
            end += n
        } catch {
            pendingError = error
            endOfInput = true
        }
    }

    /// Frames `handed` where it lies, after the partial line held (moved into its headroom).
    private func adopt(_ handed: DecodeAhead.Handed, from blocks: DecodeAhead) {
        let pending = end - start
        let newStart = handed.data.lowerBound - pending
        if pending > 0 {
            (handed.memory.baseAddress! + newStart).copyMemory(from: buffer.baseAddress! + start, byteCount: pending)
        }
        // The same stream offsets: buffer[newStart] is the byte buffer[start] was.
        bufferBase += Int64(start - newStart)
        scanned = newStart + (scanned - start)
        if let old = borrowed { blocks.giveBack(old) }
        borrowed = handed.memory
        buffer = handed.memory
        start = newStart
        end = handed.data.upperBound
        if handed.end {
            endOfInput = true
            pendingError = handed.error
        }
    }
}
