import Alerting
import ArgumentParser
import Foundation
import LogIngest
import LogwatchConfig
import LogwatchCore
import LogwatchState

/// `logwatch alerts`: the alert history kept in the state directory.
struct Alerts: ParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "alerts",
        abstract: "List the alerts recorded in the state directory by tail (and scan --state-dir).",
        discussion: "Oldest first. --since counts back from now in event time: the time the engine decided the alert."
    )

    @OptionGroup var state: StateOptions

    @Option(help: ArgumentHelp("Only alerts decided within this long before now: 90s, 30m, 24h, 7d; or a time like 2025-11-28T09:00:00Z.", valueName: "duration"))
    var since: String?

    @Option(help: ArgumentHelp("Only this detector: \(DetectorKind.allCases.map(\.rawValue).joined(separator: ", ")).", valueName: "detector"))
    var detector: String?

    @Option(help: "Show at most this many (the newest).")
    var limit: Int = 1000

    @Option(help: "json (the alerts as they were emitted, one per line) or text.")
    var output: AlertFormat = .text

    @Flag(help: "List the alerts not delivered to network sinks: waiting in the outbox (with their last error) and refused by the receiver.")
    var undelivered = false

    func validate() throws {
        if let since, Self.parseSince(since, now: 0) == nil {
            throw ValidationError("--since '\(since)': not a duration like 30m, 24h or 7d, nor a time like 2025-11-28T09:00:00Z")
        }
        let detectors = DetectorKind.allCases.map(\.rawValue)
        if let detector, !detectors.contains(detector) {
            throw ValidationError("--detector '\(detector)': one of \(detectors.joined(separator: ", "))")
        }
        guard limit >= 1 else { throw ValidationError("--limit must be at least 1") }
        if state.resetState { throw ValidationError("--reset-state is for tail and scan, not alerts") }
    }

    /// Milliseconds since the epoch for "30m"-style durations (back from `now`) or a time.
    static func parseSince(_ text: String, now: Int64) -> Int64? {
        if text.last?.isLetter == true, let seconds = ConfigFile.parseDuration(text) { return now - seconds * 1000 }
        return parseUserTimestamp(text)
    }

    func run() throws {
        let directory = state.stateDir ?? StateStore.defaultDirectory()
        guard FileManager.default.fileExists(atPath: directory + "/state.sqlite") else {
            printError("logwatch: no state in \(directory) (logwatch tail, or scan --state-dir, creates it)")
            throw ExitCode(2)
        }
        if undelivered { return try listUndelivered(directory) }
        let rows: [StoredAlert]
        do {
            let store = try StateStore(readingFrom: directory)
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            rows = try store.alerts(since: since.flatMap { Self.parseSince($0, now: now) }, detector: detector, limit: limit)
        } catch {
            printError("logwatch: \(error)")
            throw ExitCode(2)
        }
        let out = BufferedOutput(fd: 1)
        for r in rows {
            switch output {
            case .json:
                out.write(r.json + "\n")
            case .text:
                let when = String(EventTime.rfc3339(r.decidedAt).prefix(19)).replacingOccurrences(of: "T", with: " ")
                out.write("\(when)  \(r.phase.label.padding(toLength: 8, withPad: " ", startingAt: 0))  \(r.severity.padding(toLength: 8, withPad: " ", startingAt: 0))  \(r.detector.padding(toLength: 20, withPad: " ", startingAt: 0))  \(TextSafety.escape(r.message))\n")
            }
        }
        out.flush()
        printError("\(rows.count) alert\(rows.count == 1 ? "" : "s") from \(directory)")
    }

    private func listUndelivered(_ directory: String) throws {
        let pending: [OutboxRow], dead: [DeadLetter]
        do {
            (pending, dead) = try StateStore(readingFrom: directory).undelivered()
        } catch {
            printError("logwatch: \(error)")
            throw ExitCode(2)
        }
        func when(_ ms: Int64) -> String { String(EventTime.rfc3339(ms).prefix(19)).replacingOccurrences(of: "T", with: " ") }
        let out = BufferedOutput(fd: 1)
        for p in pending {
            let next = p.attempts == 0 ? "not tried yet" : "\(p.attempts) attempt\(p.attempts == 1 ? "" : "s"), last: \(p.lastError ?? "?"), next at \(when(p.nextAttemptAt))"
            out.write("WAITING  \(p.sink)  \(p.key)  queued \(when(p.enqueuedAt))  \(TextSafety.escape(next))\n")
        }
        for d in dead {
            out.write("REFUSED  \(d.sink)  \(d.key)  at \(when(d.failedAt))  HTTP \(d.status): \(TextSafety.escape(String(d.response.prefix(200))))\n")
        }
        out.flush()
        printError("\(pending.count) waiting, \(dead.count) refused, in \(directory)")
    }
}
