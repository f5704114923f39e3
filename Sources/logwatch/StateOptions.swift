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

    /// Opens the store. Errors are reported and end the command with status 2.
    func openStore() throws -> StateStore {
        do {
            return try StateStore(directory: directory, reset: resetState)
        } catch {
            printError("logwatch: \(error)")
            throw ExitCode(2)
        }
    }

    /// An engine holding the store's saved state.
    func restoreEngine(from store: StateStore, configuration: EngineConfiguration) throws -> Engine {
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
        return engine
    }
}

/// Hands alerts to the sinks. With a state store, each alert is first recorded in the history
/// and queued for the network sinks in one transaction, and the ones recorded before
/// (re-derived from lines read again after a crash) are dropped.
final class AlertEmitter {
    let sinks: AlertSinks
    let names: InputNames
    let store: StateStore?
    /// Flush after every batch (live mode: alerts are wanted now, not when a buffer fills).
    let flushEachBatch: Bool
    private(set) var tally = AlertTally()
    private(set) var suppressed = 0
    private(set) var dropped = 0

    init(sinks: AlertSinks, names: InputNames, store: StateStore?, flushEachBatch: Bool) {
        self.sinks = sinks
        self.names = names
        self.store = store
        self.flushEachBatch = flushEachBatch
    }

    func emit(_ alerts: inout [Alert]) throws(StateError) {
        guard !alerts.isEmpty else { return }
        defer { alerts.removeAll(keepingCapacity: true) }
        var fresh = [Bool](repeating: true, count: alerts.count)
        if let store {
            let now = Int64(Date().timeIntervalSince1970 * 1000)
            var deliveries: [[OutboxItem]] = []
            let records = alerts.map { a in
                var bytes: [UInt8] = []
                AlertWriter.json(a, inputs: names, to: &bytes)
                let json = String(decoding: bytes, as: UTF8.self)
                deliveries.append(sinks.deliveries(for: a, json: json))
                return StoredAlert(id: a.id, status: a.isReminder ? "reminder" : a.status.rawValue, decidedAt: a.decidedAt,
                                   detector: a.detector.rawValue, severity: a.severity.rawValue, key: a.key.canonical,
                                   message: a.message, json: json, recordedAt: now)
            }
            let result = try store.record(records, deliveries: deliveries, outboxLimit: sinks.outboxLimit)
            fresh = result.fresh
            if result.dropped > 0 {
                dropped += result.dropped
                printError("logwatch: the outbox is full (\(sinks.outboxLimit) undelivered alerts): dropped the \(result.dropped) oldest")
            }
            if deliveries.contains(where: { !$0.isEmpty }) { sinks.deliverer?.wake() }
        }
        for (a, isNew) in zip(alerts, fresh) {
            guard isNew else { suppressed += 1; continue }
            tally.add(a)
            for l in sinks.local where l.spec.accepts(a.severity, a.detector) { l.writer.write(a, to: l.out) }
        }
        if flushEachBatch { sinks.flushLocal() }
    }
}
