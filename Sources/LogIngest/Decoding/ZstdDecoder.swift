import CZstd

/// Streaming zstd decompression: several frames back to back and skippable frames, in
/// bounded memory (one decompression context, whose window zstd caps).
final class ZstdDecoder: StreamDecoder {
    private let context: OpaquePointer
    private(set) var atFrameBoundary = true
    var kind: StreamKind { .zstd }

    init() {
        // ZSTD_createDCtx only fails when memory is exhausted, which Swift treats as fatal too.
        context = ZSTD_createDCtx()!
        // Refuse frames that ask for a window over 2 GiB (the format allows up to 3.75 TB),
        // so a hostile header cannot make us allocate without bound.
        ZSTD_DCtx_setParameter(context, ZSTD_d_windowLogMax, 31)
    }

    deinit {
        ZSTD_freeDCtx(context)
    }

    func decode(input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer) throws(DecoderFailure) -> (consumed: Int, produced: Int) {
        var inBuffer = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        var outBuffer = ZSTD_outBuffer(dst: output.baseAddress, size: output.count, pos: 0)
        let hint = ZSTD_decompressStream(context, &outBuffer, &inBuffer)
        if ZSTD_isError(hint) != 0 {
            throw DecoderFailure(kind: .corrupt(String(cString: ZSTD_getErrorName(hint))), offsetInInput: inBuffer.pos)
        }
        // A call that did nothing reports the next frame's header size; only a call that
        // made progress tells whether the frame is complete (hint 0).
        if inBuffer.pos > 0 || outBuffer.pos > 0 {
            atFrameBoundary = hint == 0
        }
        return (inBuffer.pos, outBuffer.pos)
    }
}
