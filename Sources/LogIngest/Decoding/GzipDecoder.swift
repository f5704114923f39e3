import CZlib

/// Streaming gzip decompression, with several members back to back (`cat a.gz b.gz`) and
/// the zero padding some tape and block tools add after the last member.
final class GzipDecoder: StreamDecoder {
    private enum State { case inMember, betweenMembers, padding }

    /// zlib checks that the z_stream never moves, so it lives at a fixed address.
    private let stream: UnsafeMutablePointer<z_stream>
    private var state = State.inMember
    var kind: StreamKind { .gzip }
    var atFrameBoundary: Bool { state != .inMember }

    init() {
        stream = .allocate(capacity: 1)
        stream.initialize(to: z_stream())
        // 15 + 16: the largest window, gzip wrapper only. Fails only on allocation failure.
        let rc = logwatch_inflateInit2(stream, 15 + 16)
        precondition(rc == Z_OK, "inflateInit2 failed: \(rc)")
    }

    deinit {
        inflateEnd(stream)
        stream.deinitialize(count: 1)
        stream.deallocate()
    }

    func decode(input: UnsafeRawBufferPointer, output: UnsafeMutableRawBufferPointer) throws(DecoderFailure) -> (consumed: Int, produced: Int) {
        var skipped = 0
        switch state {
        case .betweenMembers:
            guard !input.isEmpty else { return (0, 0) }
            if input[0] == 0x1F {
                inflateReset(stream)
                state = .inMember
            } else if input[0] == 0 {
                state = .padding
                return try decode(input: input, output: output)
            } else {
                throw DecoderFailure(kind: .trailingGarbage, offsetInInput: 0)
            }
        case .padding:
            while skipped < input.count && input[skipped] == 0 { skipped += 1 }
            if skipped < input.count { throw DecoderFailure(kind: .trailingGarbage, offsetInInput: skipped) }
            return (skipped, 0)
        case .inMember:
            break
        }
        guard !input.isEmpty || output.count > 0 else { return (0, 0) }
        // zlib's next_in is not const-qualified but inflate never writes through it.
        stream.pointee.next_in = UnsafeMutablePointer(mutating: input.baseAddress?.assumingMemoryBound(to: UInt8.self))
        stream.pointee.avail_in = UInt32(input.count)
        stream.pointee.next_out = output.baseAddress?.assumingMemoryBound(to: UInt8.self)
        stream.pointee.avail_out = UInt32(output.count)
        let rc = inflate(stream, Z_NO_FLUSH)
        let consumed = input.count - Int(stream.pointee.avail_in)
        let produced = output.count - Int(stream.pointee.avail_out)
        stream.pointee.next_in = nil
        stream.pointee.next_out = nil
        switch rc {
        case Z_OK, Z_BUF_ERROR:
            break
        case Z_STREAM_END:
            state = .betweenMembers
        case Z_NEED_DICT:
            throw DecoderFailure(kind: .corrupt("member needs a preset dictionary"), offsetInInput: consumed)
        case Z_MEM_ERROR:
            throw DecoderFailure(kind: .corrupt("out of memory"), offsetInInput: consumed)
        default:
            let message = stream.pointee.msg.map { String(cString: $0) } ?? "zlib error \(rc)"
            throw DecoderFailure(kind: .corrupt(message), offsetInInput: consumed)
        }
        return (consumed, produced)
    }
}
