import Foundation

/// The decoding help (`LogReader.shareDecoding()`) of the input the reader thread is on, for
/// the detecting thread. Offered and withdrawn by the reader thread, used by the other.
final class DecodeHelpSlot: @unchecked Sendable {
    private let lock = NSLock()
    private var current: DecodingHelp?

    func offer(_ help: DecodingHelp?) {
        lock.lock()
        current = help
        lock.unlock()
    }

    /// Decodes a block of the current input if it has one to decode; true if it did.
    func help() -> Bool {
        lock.lock()
        let help = current
        lock.unlock()
        return help?.help() ?? false
    }
}
