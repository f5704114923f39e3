import Foundation
import TestSupport

/// Runs the built `logwatch` binary, as a user would.
enum CLI {
    struct Result {
        var status: Int32
        var stdout: String
        var stderr: String
        var lines: [String] { stdout.split(separator: "\n").map(String.init) }
    }

    static var binary: URL {
        // The test bundle and the executable are built into the same directory.
        let exe = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return exe.deletingLastPathComponent().appendingPathComponent("logwatch")
    }

    static func run(_ arguments: [String], stdin: Data? = nil, cwd: URL? = nil, environment: [String: String] = [:]) throws -> Result {
        let process = Process()
        process.executableURL = binary
        process.arguments = arguments
        if !environment.isEmpty {
            process.environment = ProcessInfo.processInfo.environment.merging(environment) { _, new in new }
        }
        if let cwd { process.currentDirectoryURL = cwd }
        let out = Pipe(), err = Pipe()
        process.standardOutput = out
        process.standardError = err
        if let stdin {
            let file = temporaryDirectory().appendingPathComponent("stdin")
            try stdin.write(to: file)
            process.standardInput = try FileHandle(forReadingFrom: file)
        } else {
            process.standardInput = FileHandle.nullDevice
        }
        try process.run()
        // Drain stdout on another thread while stderr is read here, so neither pipe fills up.
        final class Box: @unchecked Sendable { var data = Data() }
        let stdoutBox = Box()
        let reader = out.fileHandleForReading
        let done = DispatchSemaphore(value: 0)
        Thread.detachNewThread {
            stdoutBox.data = reader.readDataToEndOfFile()
            done.signal()
        }
        let stderrData = err.fileHandleForReading.readDataToEndOfFile()
        done.wait()
        let stdoutData = stdoutBox.data
        process.waitUntilExit()
        return Result(status: process.terminationStatus, stdout: String(decoding: stdoutData, as: UTF8.self), stderr: String(decoding: stderrData, as: UTF8.self))
    }

    static func temporaryDirectory() -> URL {
        Scratch.directory("cli")
    }

    static func compress(_ tool: String, _ file: URL) throws -> URL {
        _ = try Self.tool(tool, "-q", "-k", "-f", file.path)
        return URL(fileURLWithPath: file.path + (tool == "gzip" ? ".gz" : ".zst"))
    }

    /// Runs a helper program found on the PATH (python3, zstd, ...) with standard input empty
    /// and standard error discarded, and returns its exit status and standard output.
    static func tool(_ arguments: String...) throws -> (status: Int32, stdout: String) {
        try tool(arguments)
    }

    static func tool(_ arguments: [String]) throws -> (status: Int32, stdout: String) {
        let p = Process()
        p.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        p.arguments = arguments
        let out = Pipe()
        p.standardOutput = out
        p.standardError = FileHandle.nullDevice
        p.standardInput = FileHandle.nullDevice
        try p.run()
        let data = out.fileHandleForReading.readDataToEndOfFile()
        p.waitUntilExit()
        return (p.terminationStatus, String(decoding: data, as: UTF8.self))
    }
}
