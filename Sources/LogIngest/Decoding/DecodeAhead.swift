import Foundation

/// Decompression on a thread of its own, ahead of the framing and parsing that take its bytes.
///
/// From `init` on, the `DecodeState` is the thread's alone. It fills blocks of `blockSize`
/// decoded bytes, at most `capacity` waiting, and ends with a block marked `end` (carrying
/// the error, if decoding failed, after the bytes decoded before it). `read(into:)` copies
/// bytes out in order and throws that error only once every byte before it was handed out,
/// as a direct read would. `cancel()` (the owner going away early) stops the thread at its
/// next block; the source is closed when the thread lets go of the state.
///
/// `@unchecked Sendable`: `filled`, `free` and `cancelled` are touched only with `condition`
/// held; a block's bytes are written by the thread before it is queued and read by the
/// consumer after it is taken (the lock orders the two); the consumer-side fields are the
/// consumer's alone.
final class DecodeAhead: @unchecked Sendable {
    struct Counts {
        var consumed: Int64
        var produced: Int64
        var read: Int64
    }

    private struct Block {
        var bytes: UnsafeMutableRawBufferPointer
        var count: Int
        var counts: Counts
        var end: Bool
        var error: IngestError?
    }

    static let capacity = 4
    private let blockSize: Int
    private let condition = NSCondition()
    private var filled: [Block] = []
    private var free: [UnsafeMutableRawBufferPointer] = []
    private var cancelled = false

    /// The consumer's: the block being copied out, and how far.
    private var current: Block?
    private var offset = 0
    /// The counts as of the block in hand.
    private(set) var counts: Counts

    init(_ state: DecodeState, blockSize: Int = 256 * 1024) {
        self.blockSize = blockSize
        counts = Counts(consumed: state.compressedConsumed, produced: state.decodedProduced, read: state.source.bytesRead)
        filled.reserveCapacity(Self.capacity)
        let handoff = StateHandoff(state)
        Thread.detachNewThread { [self] in
            decode(handoff.state)
        }
    }

    private final class StateHandoff: @unchecked Sendable {
        let state: DecodeState
        init(_ state: DecodeState) { self.state = state }
    }

    deinit {
        if let current { current.bytes.deallocate() }
        for block in filled { block.bytes.deallocate() }
        for bytes in free { bytes.deallocate() }
    }

    /// The thread: decode block after block until the input ends, fails, or nobody wants more.
    private func decode(_ state: DecodeState) {
        while true {
            condition.lock()
            while filled.count >= Self.capacity && !cancelled { condition.wait() }
            if cancelled {
                condition.unlock()
                return
            }
            let bytes = free.popLast() ?? .allocate(byteCount: blockSize, alignment: 16)
            condition.unlock()

            var count = 0
            var end = false
            var failure: IngestError?
            while count < blockSize {
                do {
                    let n = try state.read(into: UnsafeMutableRawBufferPointer(rebasing: bytes[count...]))
                    if n == 0 { end = true; break }
                    count += n
                } catch {
                    failure = error
                    end = true
                    break
                }
            }
            let block = Block(bytes: bytes, count: count,
                              counts: Counts(consumed: state.compressedConsumed, produced: state.decodedProduced, read: state.source.bytesRead),
                              end: end, error: failure)
            condition.lock()
            filled.append(block)
            condition.broadcast()
            condition.unlock()
            if end { return }
        }
    }

    /// Stops the thread at its next block (the reader is going away).
    func cancel() {
        condition.lock()
        cancelled = true
        condition.broadcast()
        condition.unlock()
    }

    /// Copies the next decoded bytes into `output`; 0 only at the clean end of the input.
    func read(into output: UnsafeMutableRawBufferPointer) throws(IngestError) -> Int {
        while true {
            if let block = current {
                if offset < block.count {
                    let n = min(output.count, block.count - offset)
                    output.baseAddress!.copyMemory(from: block.bytes.baseAddress! + offset, byteCount: n)
                    offset += n
                    return n
                }
                if block.end {
                    if let error = block.error { throw error }
                    return 0
                }
                condition.lock()
                free.append(block.bytes)
                condition.broadcast()
                condition.unlock()
                current = nil
            }
            condition.lock()
            while filled.isEmpty { condition.wait() }
            let next = filled.removeFirst()
            condition.broadcast()
            condition.unlock()
            current = next
            offset = 0
            counts = next.counts
        }
    }
}
