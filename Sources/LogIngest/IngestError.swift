#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Everything that can go wrong while reading an input, with a message a user can act on.
public struct IngestError: Error, CustomStringConvertible, Sendable, Equatable {
    enum Kind: Equatable {
        case cannotOpen(errno: Int32)
        case readFailed(errno: Int32)
        case corrupt(stream: String, detail: String)
        case truncated(stream: String)
        case trailingGarbage(stream: String)
    }

    let kind: Kind
    /// The input's name as the user gave it (`-` is standard input).
    public let input: String
    /// The compressed byte offset at which decoding stopped, for damaged streams.
    public let offset: Int64?

    static func cannotOpen(_ input: String, errno: Int32) -> IngestError {
        IngestError(kind: .cannotOpen(errno: errno), input: input, offset: nil)
    }

    static func readFailed(_ input: String, errno: Int32, offset: Int64) -> IngestError {
        IngestError(kind: .readFailed(errno: errno), input: input, offset: offset)
    }

    static func corrupt(_ input: String, stream: String, detail: String, offset: Int64) -> IngestError {
        IngestError(kind: .corrupt(stream: stream, detail: detail), input: input, offset: offset)
    }

    static func truncated(_ input: String, stream: String, offset: Int64) -> IngestError {
        IngestError(kind: .truncated(stream: stream), input: input, offset: offset)
    }

    static func trailingGarbage(_ input: String, stream: String, offset: Int64) -> IngestError {
        IngestError(kind: .trailingGarbage(stream: stream), input: input, offset: offset)
    }

    /// True when the input was opened and partly read, then found damaged.
    public var isDamage: Bool {
        switch kind {
        case .corrupt, .truncated, .trailingGarbage: true
        default: false
        }
    }

    public var description: String {
        switch kind {
        case .cannotOpen(let e):
            return "\(input): cannot open: \(errnoText(e))"
        case .readFailed(let e):
            return "\(input): read failed at byte \(offset ?? 0): \(errnoText(e))"
        case .corrupt(let stream, let detail):
            return "\(input): \(stream) stream corrupt at compressed byte \(offset ?? 0) (\(detail)); decoding stopped there"
        case .truncated(let stream):
            return "\(input): \(stream) stream truncated: it ends at compressed byte \(offset ?? 0) in the middle of a frame"
        case .trailingGarbage(let stream):
            return "\(input): bytes after the last \(stream) frame, at compressed byte \(offset ?? 0), are not \(stream) data; decoding stopped there"
        }
    }
}

func errnoText(_ e: Int32) -> String {
    String(cString: strerror(e))
}
