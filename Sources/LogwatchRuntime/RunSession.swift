import Alerting
import AnomalyEngine
import Foundation
import LogIngest
import LogwatchConfig
import LogwatchCore
import LogwatchState

/// What a session that raises alerts (`scan`, `tail`) is given: the configuration file, how
/// to parse, where alerts go, and the state directory.
public struct SessionSettings {
    public var configPath: String?
    public var ingest = IngestOptions()
    public var output: AlertFormat = .json
    /// `--state-dir`.
    public var stateDirectory: String?
    public var resetState = false
    /// Sinks given on the command line, after those of the configuration.
    public var commandLineSinks: [SinkSpec] = []
    public var caFile: String?

    public init() {}
}

/// What `scan`, `report` and `tail` share: the configuration, the window of event time, the
/// state directory and the engine restored from it, the limit on future events, and the
/// summary of what the engine judged.
public struct RunSession {
    /// The configuration file as read (the defaults without one).
    public let configuration: LogwatchConfiguration

    /// Loads the configuration file, or the defaults without one.
    /// - Throws: `RunExit.failed`, after reporting the file, line and key at fault.
    public init(configPath: String?) throws(RunExit) {
        guard let configPath else {
            configuration = LogwatchConfiguration()
            return
        }
        do {
            configuration = try ConfigFile.load(path: configPath)
        } catch {
            throw .reporting(error)
        }
    }

    public var engineConfiguration: EngineConfiguration { configuration.engine }

    /// The event-time window `--since`/`--until` give, in milliseconds; texts the command line
    /// has already checked (`parseUserTimestamp`).
    public static func window(since: String?, until: String?, zone: NaiveTimeZone) -> Range<Int64> {
        let start = since.flatMap { parseUserTimestamp($0, zone: zone) } ?? Int64.min
        let end = until.flatMap { parseUserTimestamp($0, zone: zone) } ?? Int64.max
        return start..<max(start, end)
    }

    /// Events dated more than `max_future` ahead of this machine's clock are not judged.
    public static func limitFuture(_ engine: Engine) {
        engine.futureLimit = Int64(Date().timeIntervalSince1970 * 1000) + engine.configuration.maxFutureSeconds * 1000
    }

    /// Opens the state store in `directory` (the default one when nil).
    public static func openStore(directory: String?, reset: Bool) throws(RunExit) -> StateStore {
        do {
            return try StateStore(directory: directory ?? StateStore.defaultDirectory(), reset: reset)
        } catch {
            throw .reporting(error)
        }
    }

    /// A new private directory (mode 0700) under `$TMPDIR`, else `/tmp`, for the outbox of a
    /// scan that keeps no state.
    public static func temporaryStateDirectory() throws(RunExit) -> String {
        let base = ProcessInfo.processInfo.environment["TMPDIR"].flatMap { $0.hasPrefix("/") ? $0 : nil } ?? "/tmp"
        var template = Array((base.hasSuffix("/") ? base : base + "/").utf8CString.dropLast()) + Array("logwatch-scan-XXXXXX".utf8CString)
        guard let made = mkdtemp(&template) else {
            printError("logwatch: cannot make a temporary outbox in \(base): \(String(cString: strerror(errno)))")
            throw .failed
        }
        return String(cString: made)
    }

    /// An engine of this configuration holding the store's saved state.
    public func restoreEngine(from store: StateStore) throws(RunExit) -> Engine {
        let engine = Engine(configuration: engineConfiguration)
        do {
            if let saved = try store.engineSnapshot() {
                for note in try engine.restore(saved) { printError("logwatch: state: \(note)") }
            }
        } catch let error as SnapshotError {
            printError("logwatch: state file \(store.databasePath): \(error); start over with --reset-state")
            throw .failed
        } catch {
            throw .reporting(error)
        }
        return engine
    }

    /// The sinks of the configuration, then those of the command line.
    public func sinkSpecs(adding commandLine: [SinkSpec]) -> [SinkSpec] {
        configuration.sinks + commandLine
    }
}
