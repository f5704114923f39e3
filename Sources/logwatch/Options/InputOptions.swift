import ArgumentParser
import Foundation
import LogIngest

extension LogFormat: ExpressibleByArgument {}

/// How logs are parsed: options shared by every command that reads logs.
struct InputOptions: ParsableArguments {
    @Option(help: "Input format: \(LogFormat.allCases.map(\.rawValue).joined(separator: ", ")). Detected per input by default.")
    var format: LogFormat = .auto

    @Option(help: ArgumentHelp("Zone of timestamps without a UTC offset: UTC, +02:00, or a name like Europe/Paris.", valueName: "zone"))
    var timezone: String = "UTC"

    @Option(help: ArgumentHelp("Format of timestamps written for people, as in a ServiceNow export with display values: dd/MM/yyyy HH:mm:ss, MM-dd-yyyy hh:mm:ss a. Read in --timezone.", valueName: "pattern"))
    var dateFormat: String?

    @Option(name: .customLong("field"), help: ArgumentHelp(
        "Where to find a field: NAME=PATH, a JSON path, CSV column or W3C field. Names: \(FieldRole.allCases.map(\.fieldName).joined(separator: ", ")).",
        valueName: "name=path"))
    var fields: [String] = []

    @Option(help: "Lines longer than this many bytes are skipped and counted as oversized.")
    var maxLineBytes: Int = 64 * 1024

    func validate() throws {
        guard NaiveTimeZone(timezone) != nil else {
            throw ValidationError("--timezone '\(timezone)': not UTC, an offset like +02:00, or a known zone name")
        }
        _ = try fieldOverrides()
        if let dateFormat, DisplayDateFormat(dateFormat) == nil {
            throw ValidationError("--date-format '\(dateFormat)': needs yyyy, MM, dd, HH (or hh with a) and mm, as in dd/MM/yyyy HH:mm:ss")
        }
        guard maxLineBytes >= 16 else { throw ValidationError("--max-line-bytes must be at least 16") }
    }

    func fieldOverrides() throws -> [FieldRole: String] {
        var result: [FieldRole: String] = [:]
        for spec in fields {
            let parts = spec.split(separator: "=", maxSplits: 1).map(String.init)
            guard parts.count == 2, !parts[1].isEmpty else {
                throw ValidationError("--field '\(spec)': expected NAME=PATH, e.g. principal=actor.client_id")
            }
            guard let role = FieldRole.allCases.first(where: { $0.fieldName == parts[0] }) else {
                throw ValidationError("--field '\(spec)': unknown name '\(parts[0])'; names are \(FieldRole.allCases.map(\.fieldName).joined(separator: ", "))")
            }
            result[role] = parts[1]
        }
        return result
    }

    func ingestOptions() throws -> IngestOptions {
        var options = IngestOptions()
        options.format = format
        options.naiveZone = NaiveTimeZone(timezone) ?? .utc
        options.fieldOverrides = try fieldOverrides()
        options.dateFormat = dateFormat.flatMap(DisplayDateFormat.init)
        options.maxLineBytes = maxLineBytes
        return options
    }
}

/// Standard input can be read once.
func validateInputs(_ files: [String]) throws {
    guard files.filter({ $0 == "-" }).count <= 1 else { throw ValidationError("standard input (-) can be given once") }
}

/// `--jobs` when not given: the cores, at most 8 (more helps only with that many inputs that
/// overlap in time).
let defaultJobs = max(1, min(8, ProcessInfo.processInfo.activeProcessorCount))

/// Checks `--since`/`--until` texts.
func validateWindow(since: String?, until: String?) throws {
    if let since, parseUserTimestamp(since) == nil { throw ValidationError("--since '\(since)': not a time like 2025-11-28 or 2025-11-28T09:00:00Z") }
    if let until, parseUserTimestamp(until) == nil { throw ValidationError("--until '\(until)': not a time like 2025-11-28 or 2025-11-28T09:00:00Z") }
}
