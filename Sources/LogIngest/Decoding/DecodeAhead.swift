import Foundation

/// Decompression ahead of the framing and parsing that take its bytes: on a thread of its own,
/// or shared (no thread: a block at a time, by the reader when none is ready or by any thread
/// calling `help()`).
///
/// From `init` on, the `DecodeState` is the thread's alone (shared: used only under
/// `decodeLock`). Blocks of `blockSize` decoded bytes, at most `capacity` waiting, end with a
/// block marked `end` (carrying the error, if decoding failed, after the bytes decoded before
/// it). `read(into:)` copies bytes out in order, `takeBlock()` hands a block over whole, and
/// the error is thrown only once every byte before it was handed out, as a direct read would.
/// `cancel()` (the owner going away early) stops the decoding at its next block; the source
/// is closed when the state is let go.
///
/// `@unchecked Sendable`: the decoding side and the consumer meet only through the two queues
/// (a block's bytes are written before it is queued and read after it is taken) and, shared,
/// `decodeLock`; the consumer-side fields are the consumer's alone.
final class DecodeAhead: @unchecked Sendable {
    struct Counts {
        var consumed: Int64
        var produced: Int64
        var read: Int64
    }

    private struct Block {
        /// `headroom` bytes, then the decoded bytes.
        var bytes: UnsafeMutableRawBufferPointer
        var count: Int
        var counts: Counts
        var end: Bool
        var error: IngestError?
    }

    /// Decoded bytes handed over whole (`takeBlock()`): they lie at `data` within `memory`,
    /// which has at least `headroom` bytes before them for the reader to put a partial line
    /// in front. The memory goes back with `giveBack(_:)`.
    struct Handed {
        let memory: UnsafeMutableRawBufferPointer
        let data: Range<Int>
        /// The input's last bytes (then `error`, if it was damaged there).
        let end: Bool
        let error: IngestError?
    }

    static let capacity = 4
    /// Room before each block's bytes, where a framer puts the partial line it holds so that
    /// the line and the block's bytes are contiguous without copying the block.
    static let headroom = 16 * 1024
    private let blockSize: Int
    private let filled = BatchQueue<Block>(capacity: DecodeAhead.capacity)
    /// Blocks' buffers back from the consumer, for the thread to reuse (room for all of them:
    /// the queued, the one being filled, the one being read and one handed over).
    private let free = BatchQueue<UnsafeMutableRawBufferPointer>(capacity: DecodeAhead.capacity + 4)

    /// The consumer's: the block being copied out, and how far.
    private var current: Block?
    private var offset = 0
    /// The counts as of the block in hand.
    private(set) var counts: Counts

    /// Shared decoding (no thread of its own): the state, decoded a block at a time under
    /// `decodeLock` by whichever thread asks first, and whether it has ended.
    private let sharedState: DecodeState?
    private let decodeLock = NSLock()
    private var stateEnded = false

    /// With `shared`, no thread is started: blocks are decoded by the reader when it finds
    /// none ready, and by any thread calling `help()` meanwhile.
    init(_ state: DecodeState, blockSize: Int = 256 * 1024, shared: Bool = false) {
        self.blockSize = blockSize
        counts = Counts(consumed: state.compressedConsumed, produced: state.decodedProduced, read: state.source.bytesRead)
        if shared {
            sharedState = state
            return
        }
        sharedState = nil
        let handoff = StateHandoff(state)
        Thread.detachNewThread { [self] in
            decode(handoff.state)
        }
    }

    /// Shared decoding: decodes the next block if no other thread is decoding, the input has
    /// not ended and fewer than `capacity` blocks wait. True when it decoded one.
    ///
    /// A thread with time to spare (detection waiting for events) calls this instead of
    /// waiting, so decompression goes to whichever of two busy threads has room: a third
    /// thread that the scheduler time-slices against both was slower (0.41 s against 0.38 s
    /// on the 2M combined set).
    func help() -> Bool {
        guard let state = sharedState, decodeLock.try() else { return false }
        defer { decodeLock.unlock() }
        guard !stateEnded, filled.count < Self.capacity, !filled.isCancelled else { return false }
        stateEnded = decodeBlock(state)
        return true
    }

    /// The next decoded block, waiting for the thread or (shared) decoding it here.
    private func nextBlock() -> Block {
        guard let state = sharedState else {
            // The thread always ends with a block marked `end` (unless cancelled, and then
            // nobody reads): pop cannot come back empty.
            return filled.pop()!
        }
        while true {
            if let block = filled.take() { return block }
            decodeLock.lock()
            defer { decodeLock.unlock() }
            if filled.count == 0 {
                // Ended with nothing queued: only after `cancel()` dropped the last block
                // (nobody reads then); an empty end keeps this from waiting for ever.
                if stateEnded { return Block(bytes: .allocate(byteCount: Self.headroom, alignment: 16), count: 0, counts: counts, end: true) }
                stateEnded = decodeBlock(state)
            }
        }
    }

    private final class StateHandoff: @unchecked Sendable {
        let state: DecodeState
        init(_ state: DecodeState) { self.state = state }
    }

    /// Runs once the thread has let go (it holds `self` until it returns).
    deinit {
        if let current { current.bytes.deallocate() }
        while let block = filled.take() { block.bytes.deallocate() }
        while let bytes = free.take() { bytes.deallocate() }
    }

    /// The thread: decode block after block until the input ends, fails, or nobody wants more.
    private func decode(_ state: DecodeState) {
        while !filled.isCancelled {
            if decodeBlock(state) { return }
        }
    }

    /// Decodes one block and queues it; true when that was the last (the input ended or
    /// failed, or nobody wants more).
    private func decodeBlock(_ state: DecodeState) -> Bool {
        let bytes = free.take() ?? .allocate(byteCount: Self.headroom + blockSize, alignment: 16)
        var count = 0
        var end = false
        var failure: IngestError?
        while count < blockSize {
            do {
                let n = try state.read(into: UnsafeMutableRawBufferPointer(rebasing: bytes[(Self.headroom + count)...]))
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
        guard filled.push(block) else {
            bytes.deallocate()
            return true
        }
        return end
    }

    /// Stops the thread at its next block (the reader is going away).
    func cancel() {
        filled.cancel()
    }

    /// The next decoded bytes, handed over without a copy: what is left of the block being
    /// read, or the next block. Interleaves with `read(into:)`, in order. Nil once the block
    /// marked `end` has been handed over (or read).
    func takeBlock() -> Handed? {
        if current == nil {
            if ended { return nil }
            let next = nextBlock()
            current = next
            offset = 0
            counts = next.counts
        }
        let block = current!
        current = nil
        if block.end { ended = true }
        return Handed(memory: block.bytes, data: (Self.headroom + offset)..<(Self.headroom + block.count), end: block.end, error: block.error)
    }

    /// Memory handed over by `takeBlock()`, for the thread to fill again.
    func giveBack(_ memory: UnsafeMutableRawBufferPointer) {
        if !free.push(memory) { memory.deallocate() }
    }

    /// Set once the block marked `end` was handed over whole.
    private var ended = false

    /// Copies the next decoded bytes into `output`; 0 only at the clean end of the input.
    func read(into output: UnsafeMutableRawBufferPointer) throws(IngestError) -> Int {
        while true {
            if let block = current {
                if offset < block.count {
                    let n = min(output.count, block.count - offset)
                    output.baseAddress!.copyMemory(from: block.bytes.baseAddress! + Self.headroom + offset, byteCount: n)
                    offset += n
                    return n
                }
                if block.end {
                    if let error = block.error { throw error }
                    return 0
                }
                free.push(block.bytes)
                current = nil
            }
            let next = nextBlock()
            current = next
            offset = 0
            counts = next.counts
        }
    }
}

/// A way for another thread to decode ahead for a reader that shares its decoding
/// (`LogReader.shareDecoding()`): `help()` decodes one block when there is one to decode.
struct DecodingHelp: Sendable {
    let ahead: DecodeAhead

    /// Decodes the reader's next block if nobody else is decoding it and there is room;
    /// true when it did (so calling again may help more).
    func help() -> Bool { ahead.help() }
}
