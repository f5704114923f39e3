import Foundation
import Testing

/// Headless Chromium (Debian's `chromium` package), for the tests that look at the report the
/// way a reader does: rendered, screenshotted, with the browser's console watched.
enum Browser {
    struct Rendering {
        var screenshot: URL
        /// Every message the page logged to the console: script errors, blocked scripts
        /// (content security policy violations), failed loads.
        var console: [String]
    }

    static var executable: String? {
        for dir in (ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin").split(separator: ":") {
            for name in ["chromium", "chromium-browser", "google-chrome"] {
                let path = "\(dir)/\(name)"
                if FileManager.default.isExecutableFile(atPath: path) { return path }
            }
        }
        return nil
    }

    /// Runs Chromium on the page; nil (and the test fails, saying how to install it) when
    /// there is no Chromium.
    private static func run(_ extra: [String], page: URL) throws -> (stdout: String, stderr: String)? {
        guard let chromium = executable else {
            Issue.record("these tests need a headless browser: apt-get install chromium (.ci/run installs it)")
            return nil
        }
        let profile = CLI.temporaryDirectory()
        let p = Process()
        p.executableURL = URL(fileURLWithPath: chromium)
        p.arguments = ["--headless", "--no-sandbox", "--disable-gpu", "--hide-scrollbars", "--no-first-run",
                       "--user-data-dir=\(profile.path)", "--enable-logging=stderr", "--v=0"] + extra + [page.absoluteString]
        let out = Pipe(), err = Pipe()
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        try p.run()
        final class Box: @unchecked Sendable { var data = Data() }
        let box = Box()
        let done = DispatchSemaphore(value: 0)
        let reader = out.fileHandleForReading
        Thread.detachNewThread {
            box.data = reader.readDataToEndOfFile()
            done.signal()
        }
        let errData = err.fileHandleForReading.readDataToEndOfFile()
        done.wait()
        p.waitUntilExit()
        try? FileManager.default.removeItem(at: profile)
        return (String(decoding: box.data, as: UTF8.self), String(decoding: errData, as: UTF8.self))
    }

    /// A screenshot of the page at `width` × `height` CSS pixels, and its console messages.
    static func render(_ page: URL, width: Int = 1280, height: Int) throws -> Rendering? {
        let png = CLI.temporaryDirectory().appendingPathComponent("screenshot.png")
        guard let (_, stderr) = try run(["--window-size=\(width),\(height)", "--screenshot=\(png.path)"], page: page) else { return nil }
        let console = stderr.split(separator: "\n").filter { $0.contains(":CONSOLE") }.map(String.init)
        return Rendering(screenshot: png, console: console)
    }

    /// The page's DOM after loading, serialized.
    static func dom(_ page: URL) throws -> String? {
        try run(["--dump-dom"], page: page)?.stdout
    }

    /// Pixels of each colour (hex RRGGBB) in a PNG, counted by Tests/logwatchTests/pngcolors.py.
    static func colourCounts(_ png: URL, _ colours: [String]) throws -> [String: Int] {
        let script = URL(fileURLWithPath: #filePath).deletingLastPathComponent().appendingPathComponent("pngcolors.py")
        let (_, output) = try CLI.tool(["python3", script.path, png.path] + colours)
        struct Result: Decodable { var counts: [String: Int] }
        return try JSONDecoder().decode(Result.self, from: Data(output.utf8)).counts
    }
}
