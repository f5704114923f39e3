import AnomalyEngine
import LogwatchCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif

/// A secret given by reference, so it never has to be written in the configuration:
/// `env:NAME` (an environment variable) or `file:PATH` (a file's content, without the
/// trailing newline). Anything else is taken literally.
public struct SecretReference: Sendable, Equatable, CustomStringConvertible {
    public let text: String

    public init(_ text: String) { self.text = text }

    /// What the reference points to.
    /// - Throws: `ConfigError`-style text when the variable is unset or the file unreadable.
    public func resolve(environment: [String: String] = ProcessInfo.processInfo.environment) throws -> String {
        if text.hasPrefix("env:") {
            let name = String(text.dropFirst(4))
            guard let value = environment[name], !value.isEmpty else { throw SecretError(message: "environment variable \(name) is not set") }
            return value
        }
        if text.hasPrefix("file:") {
            let path = String(text.dropFirst(5))
            guard let handle = FileHandle(forReadingAtPath: path) else { throw SecretError(message: "cannot read \(path)") }
            defer { try? handle.close() }
            // Like ssh with private keys: a secret anyone but its owner can read is no longer a
            // secret, and one they can write lets them choose it. Root's files are trusted.
            var st = stat()
            if fstat(handle.fileDescriptor, &st) == 0 {
                if st.st_mode & 0o077 != 0 {
                    throw SecretError(message: "\(path) is readable or writable by others than its owner (mode \(String(st.st_mode & 0o777, radix: 8))); run chmod 600 \(path)")
                }
                if st.st_uid != geteuid() && st.st_uid != 0 {
                    throw SecretError(message: "\(path) belongs to another user (uid \(st.st_uid)); a secret must be the file of the user logwatch runs as, or root's")
                }
            }
            let data = (try? handle.readToEnd()) ?? Data()
            var value = String(decoding: data, as: UTF8.self)
            while value.hasSuffix("\n") || value.hasSuffix("\r") { value.removeLast() }
            guard !value.isEmpty else { throw SecretError(message: "\(path) is empty") }
            return value
        }
        return text
    }

    /// Never the secret itself: the reference, or "(given literally)".
    public var description: String { text.hasPrefix("env:") || text.hasPrefix("file:") ? text : "(given literally)" }
}

public struct SecretError: Error, CustomStringConvertible, Sendable {
    public let message: String
    public var description: String { message }
}
