/// Reads an input and hands out its decoded bytes, whatever its compression.
///
/// Memory is bounded: one input buffer of `chunkSize` bytes plus the decoder's own state, and
/// once decoding ahead, at most `DecodeAhead.capacity` blocks of decoded bytes besides.
final class DecodingReader {
    private let state: DecodeState
    /// Set once a compressed input is decoded ahead (on a thread of its own, or shared):
    /// `state` is then `DecodeAhead`'s, and every byte and count comes through here.
    private var ahead: DecodeAhead?

    let kind: StreamKind
    let name: String
    /// Compressed bytes handed to the decoder so far (with a thread: as of the block in hand).
    var compressedConsumed: Int64 { ahead?.counts.consumed ?? state.compressedConsumed }
    /// Decoded bytes produced so far (with a thread: as of the block in hand).
    var decodedProduced: Int64 { ahead?.counts.produced ?? state.decodedProduced }
    var compressedRead: Int64 { ahead?.counts.read ?? state.source.bytesRead }
    /// For a followed pipe: the writer closed it.
    var sourceEnded: Bool { state.source.sawEnd }

    /// Set for a followed input: plain text read as it grows; a read of 0 bytes means "nothing
    /// more for now".
    var follows: Bool { state.follows }

    /// A followed (live, uncompressed) input: bytes pass straight through.
    init(following source: ByteSource) {
        state = DecodeState(following: source)
        kind = state.decoder.kind
        name = source.name
    }

    init(source: ByteSource, chunkSize: Int = 128 * 1024) throws(IngestError) {
        state = try DecodeState(source: source, chunkSize: chunkSize)
        kind = state.decoder.kind
        name = source.name
    }

    /// Whether the input is decoded ahead now (on a thread of its own, or shared).
    var decodingAhead: Bool { ahead != nil }

    /// From now on, decompresses on a thread of its own (`DecodeAhead`); nothing for a plain or
    /// a followed input, where there is nothing to decompress.
    func decodeAhead() {
        guard ahead == nil, !state.follows, kind != .plain else { return }
        ahead = DecodeAhead(state)
    }

    deinit {
        ahead?.cancel()
    }

    /// From now on, decompresses a block at a time, ahead of framing, on whichever thread
    /// gets there first: the reading thread when it finds nothing decoded, or another one
    /// with time to spare (`DecodeAhead.help()`). Nothing for a plain or a followed input.
    func shareDecoding() {
        guard ahead == nil, !state.follows, kind != .plain else { return }
        ahead = DecodeAhead(state, shared: true)
    }

    /// While decoding ahead: the decoded blocks, to be handed over without a copy.
    var aheadBlocks: DecodeAhead? { ahead }

    /// Fills `output` with decoded bytes.
    /// - Returns: the number of bytes written; 0 only at the clean end of the input.
    /// - Throws: `IngestError` for a read failure, corruption or truncation, with the
    ///   compressed offset at which decoding stopped.
    func read(into output: UnsafeMutableRawBufferPointer) throws(IngestError) -> Int {
        if let ahead { return try ahead.read(into: output) }
        return try state.read(into: output)
    }
}

/// The source, the decoder and their counts: used by one thread at a time (the reader's, or
/// a `DecodeAhead` thread's from its start on).
final class DecodeState {
    let source: ByteSource
    private(set) var decoder: any StreamDecoder
    private let inputBuffer: UnsafeMutableRawBufferPointer
    private var inputStart = 0
    private var inputEnd = 0
    private var endOfInput = false
    private var stalledCalls = 0
    private(set) var compressedConsumed: Int64 = 0
    private(set) var decodedProduced: Int64 = 0
    let follows: Bool

    init(following source: ByteSource) {
        self.source = source
        follows = true
        inputBuffer = .allocate(byteCount: 16, alignment: 16)
        decoder = PlainDecoder()
    }

    init(source: ByteSource, chunkSize: Int) throws(IngestError) {
        self.source = source
        follows = false
        inputBuffer = .allocate(byteCount: max(chunkSize, 16), alignment: 16)
        decoder = PlainDecoder()
        // Read until there are enough bytes to tell the kind (or the input ends).
        while inputEnd < 4 {
            let n = try source.read(into: UnsafeMutableRawBufferPointer(rebasing: inputBuffer[inputEnd...]))
            if n == 0 { endOfInput = true; break }
            inputEnd += n
        }
        switch StreamKind.detect(UnsafeRawBufferPointer(rebasing: inputBuffer[0..<inputEnd])) {
        case .zstd: decoder = ZstdDecoder()
        case .gzip: decoder = GzipDecoder()
        case .plain: break
        }
    }

    deinit {
        inputBuffer.deallocate()
    }

    /// Fills `output` with decoded bytes.
    /// - Returns: the number of bytes written; 0 only at the clean end of the input.
    /// - Throws: `IngestError` for a read failure, corruption or truncation, with the
    ///   compressed offset at which decoding stopped.
    func read(into output: UnsafeMutableRawBufferPointer) throws(IngestError) -> Int {
        precondition(output.count > 0)
        if follows {
            let n = try source.read(into: output)
            decodedProduced += Int64(n)
            return n
        }
        while true {
            if inputStart == inputEnd && !endOfInput {
                inputStart = 0
                inputEnd = try source.read(into: inputBuffer)
                if inputEnd == 0 { endOfInput = true }
            }
            let input = UnsafeRawBufferPointer(rebasing: inputBuffer[inputStart..<inputEnd])
            let result: (consumed: Int, produced: Int)
            do {
                result = try decoder.decode(input: input, output: output)
            } catch {
                let offset = compressedConsumed + Int64(error.offsetInInput)
                switch error.kind {
                case .corrupt(let detail):
                    throw .corrupt(source.name, stream: decoder.kind.rawValue, detail: detail, offset: offset)
                case .trailingGarbage:
                    throw .trailingGarbage(source.name, stream: decoder.kind.rawValue, offset: offset)
                }
            }
            inputStart += result.consumed
            compressedConsumed += Int64(result.consumed)
            decodedProduced += Int64(result.produced)
            if result.produced > 0 { return result.produced }
            if endOfInput && inputStart == inputEnd {
                if !decoder.atFrameBoundary {
                    throw .truncated(source.name, stream: decoder.kind.rawValue, offset: compressedConsumed)
                }
                return 0
            }
            // Guard against a decoder that neither consumes nor produces with input in hand.
            if result.consumed == 0 && inputStart < inputEnd {
                stalledCalls += 1
                if stalledCalls > 3 {
                    throw .corrupt(source.name, stream: decoder.kind.rawValue, detail: "decoder made no progress", offset: compressedConsumed)
                }
            } else {
                stalledCalls = 0
            }
        }
    }
}
