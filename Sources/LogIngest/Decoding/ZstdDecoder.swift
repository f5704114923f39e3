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
        // Refuse frames that ask for a window over 128 MiB, as the zstd command does by default:
        // the format allows windows of terabytes, so a few hostile header bytes could otherwise
        // make us allocate gigabytes (found by fuzzing: a 7-byte input asked for 2 GiB).
        ZSTD_DCtx_setParameter(context, ZSTD_d_windowLogMax, Self.windowLogMax)
    }

    /// 2^27 bytes = 128 MiB, zstd's own default limit for decompression.
    static let windowLogMax: Int32 = 27

    deinit {
        ZSTD_freeDCtx(context)
    }

    func decode(input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer) throws(DecoderFailure) -> (consumed: Int, produced: Int) {
        var inBuffer = ZSTD_inBuffer(src: input.baseAddress, size: input.count, pos: 0)
        var outBuffer = ZSTD_outBuffer(dst: output.baseAddress, size: output.count, pos: 0)
        let hint = ZSTD_decompressStream(context, &outBuffer, &inBuffer)
        if ZSTD_isError(hint) != 0 {
            let detail = ZSTD_getErrorCode(hint) == ZSTD_error_frameParameter_windowTooLarge
                ? "a frame asks for a window over 128 MiB, which logwatch refuses in order to bound its memory (an archive written with zstd --long=28 or more)"
                : String(cString: ZSTD_getErrorName(hint))
            throw DecoderFailure(kind: .corrupt(detail), offsetInInput: inBuffer.pos)
        }
        // A call that did nothing reports the next frame's header size; only a call that
        // made progress tells whether the frame is complete (hint 0).
        if inBuffer.pos > 0 || outBuffer.pos > 0 {
            atFrameBoundary = hint == 0
        }
        return (inBuffer.pos, outBuffer.pos)
    }
}
