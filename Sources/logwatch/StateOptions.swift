import AnomalyEngine
import ArgumentParser
import Foundation
import LogwatchState

/// Where the state that outlives a process is kept.
struct StateOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The state directory: file checkpoints, learned baselines and networks, alert history. Default: $XDG_STATE_HOME/logwatch, else ~/.local/state/logwatch.", valueName: "dir"))
    var stateDir: String?

    @Flag(help: "Delete the saved state and start over.")
    var resetState = false

    var directory: String { stateDir ?? StateStore.defaultDirectory() }

    /// Opens the store and an engine holding its saved state. Errors are reported and end
    /// the command with status 2.
    func open(configuration: EngineConfiguration) throws -> (StateStore, Engine) {
        let store: StateStore
        do {
            store = try StateStore(directory: directory, reset: resetState)
        } catch {
            printError("logwatch: \(error)")
            throw ExitCode(2)
        }
        let engine = Engine(configuration: configuration)
        do {
            if let saved = try store.engineSnapshot() {
                for note in try engine.restore(saved) { printError("logwatch: state: \(note)") }
            }
        } catch let error as SnapshotError {
            printError("logwatch: state file \(store.databasePath): \(error); start over with --reset-state")
            throw ExitCode(2)
        } catch {
            printError("logwatch: \(error)")
            throw ExitCode(2)
        }
        return (store, engine)
    }
}

/// Hands alerts to the output; with a state store, records each in the history first and
/// drops the ones recorded before (re-derived from lines read again after a crash).
final class AlertEmitter {
    let writer: AlertWriter
    let out: OutputStream
    let store: StateStore?
    /// Flush after every batch (live mode: alerts are wanted now, not when a buffer fills).
    let flushEachBatch: Bool
    private(set) var tally = AlertTally()
    private(set) var suppressed = 0

    init(writer: AlertWriter, out: OutputStream, store: StateStore?, flushEachBatch: Bool) {
        self.writer = writer
        self.out = out
        self.store = store
        self.flushEachBatch = flushEachBatch
    }

    func emit(_ alerts: inout [Alert]) throws(StateError) {
        guard !alerts.isEmpty else { return }
        defer { alerts.removeAll(keepingCapacity: true) }
        var fresh = [Bool](repeating: true, count: alerts.count)
        if let store {
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            let records = alerts.map { a in
                var json: [UInt8] = []
                AlertWriter.json(a, inputs: writer.inputs, to: &json)
                return StoredAlert(id: a.id, status: a.isReminder ? "reminder" : a.status.rawValue, decidedAt: a.decidedAt,
                                   detector: a.detector.rawValue, severity: a.severity.rawValue, key: a.key.canonical,
                                   message: a.message, json: String(decoding: json, as: UTF8.self), recordedAt: now)
            }
            fresh = try store.record(records)
        }
        for (a, isNew) in zip(alerts, fresh) {
            if isNew {
                writer.write(a, to: out)
                tally.add(a)
            } else {
                suppressed += 1
            }
        }
        if flushEachBatch { out.flush() }
    }
}
