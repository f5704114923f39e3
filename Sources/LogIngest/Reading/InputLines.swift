/// The decoded bytes of an input, whatever its compression: the first stage of `LogReader`,
/// on its own (for tools and benchmarks).
public final class DecodedInput {
    private let reader: DecodingReader

    /// Opens a file (`-` is standard input) and detects its compression from its first bytes.
    public init(path: String) throws(IngestError) {
        reader = try DecodingReader(source: try ByteSource(path: path))
    }

    /// Bytes held in memory.
    public init(bytes: [UInt8], name: String) throws(IngestError) {
        reader = try DecodingReader(source: ByteSource(bytes: bytes, name: name))
    }

    public var kind: StreamKind { reader.kind }

    /// Fills `buffer` with decoded bytes; 0 at the clean end of the input.
    public func read(into buffer: UnsafeMutableRawBufferPointer) throws(IngestError) -> Int {
        try reader.read(into: buffer)
    }
}

/// The lines of an input, decoded and framed: the first two stages of `LogReader`, on their own.
public final class InputLines {
    private let framer: LineFramer

    public init(path: String, maxLineBytes: Int = 64 * 1024) throws(IngestError) {
        framer = LineFramer(reader: try DecodingReader(source: try ByteSource(path: path)), maxLineBytes: maxLineBytes)
    }

    /// The next line without its LF or CRLF, valid until the next call; nil at the end.
    public func next() throws(IngestError) -> UnsafeRawBufferPointer? {
        try framer.nextLine()?.bytes
    }

    public var oversizedLines: Int64 { framer.oversizedLines }
}
