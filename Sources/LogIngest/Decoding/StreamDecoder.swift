/// A failure inside one decoder, at an offset within the input slice it was handed.
struct DecoderFailure: Error {
    enum Kind {
        case corrupt(String)
        case trailingGarbage
    }
    let kind: Kind
    let offsetInInput: Int
}

/// Turns compressed bytes into plain bytes, one slice at a time.
protocol StreamDecoder: AnyObject {
    /// The stream's name in messages: `zstd`, `gzip`, `plain`.
    var kind: StreamKind { get }
    /// Decodes from `input` into `output`.
    /// - Returns: how many input bytes were consumed and output bytes produced. An empty
    ///   `input` asks the decoder to flush output it still holds.
    func decode(input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer) throws(DecoderFailure) -> (consumed: Int, produced: Int)
    /// True when the input may end here: between frames or members, never inside one.
    var atFrameBoundary: Bool { get }
}

/// Passes bytes through.
final class PlainDecoder: StreamDecoder {
    var kind: StreamKind { .plain }
    var atFrameBoundary: Bool { true }

    func decode(input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer) throws(DecoderFailure) -> (consumed: Int, produced: Int) {
        let n = min(input.count, output.count)
        if n > 0 { output.baseAddress!.copyMemory(from: input.baseAddress!, byteCount: n) }
        return (n, n)
    }
}
