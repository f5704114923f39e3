import Foundation
import LogwatchCore
import LogwatchState

/// Hands alerts to the sinks. With a state store, each alert is recorded in the history and
/// queued for the network sinks in one transaction, which commits only once the local sinks
/// have it, flushed; the ones recorded before (re-derived from lines read again after a
/// crash) are dropped.
public final class AlertEmitter {
    public let sinks: AlertSinks
    public let names: InputNames
    public let store: StateStore?
    /// Flush after every batch (live mode: alerts are wanted now, not when a buffer fills).
    public let flushEachBatch: Bool
    public private(set) var tally = AlertTally()
    public private(set) var suppressed = 0
    public private(set) var dropped = 0

    public init(sinks: AlertSinks, names: InputNames, store: StateStore?, flushEachBatch: Bool) {
        self.sinks = sinks
        self.names = names
        self.store = store
        self.flushEachBatch = flushEachBatch
    }

    public func emit(_ alerts: inout [Alert]) throws(StateError) {
        guard !alerts.isEmpty else { return }
        defer { alerts.removeAll(keepingCapacity: true) }
        guard let store else {
            writeLocal(alerts, fresh: [Bool](repeating: true, count: alerts.count))
            if flushEachBatch { sinks.flushLocal() }
            return
        }
        let now = Int64(Date().timeIntervalSince1970 * 1000)
        var deliveries: [[OutboxItem]] = []
        let records = alerts.map { a in
            var bytes: [UInt8] = []
            AlertWriter.json(a, inputs: names, to: &bytes)
            let json = String(decoding: bytes, as: UTF8.self)
            deliveries.append(sinks.deliveries(for: a, json: json))
            return StoredAlert(id: a.id, phase: a.phase, decidedAt: a.decidedAt,
                               detector: a.detector.rawValue, severity: a.severity.rawValue, key: a.key.canonical,
                               message: a.message, json: json, recordedAt: now)
        }
        // The local sinks have the new alerts, flushed, before the history says they were
        // emitted: an interruption in between prints an alert twice, never not at all.
        let local = alerts
        let result = try store.record(records, deliveries: deliveries, outboxLimit: sinks.outboxLimit) { fresh in
            writeLocal(local, fresh: fresh)
            sinks.flushLocal()
        }
        if result.dropped > 0 {
            dropped += result.dropped
            printError("logwatch: the outbox is full (\(sinks.outboxLimit) undelivered alerts): dropped the \(result.dropped) oldest")
        }
        if deliveries.contains(where: { !$0.isEmpty }) { sinks.deliverer?.wake() }
    }

    /// Writes the new alerts to the local sinks, and counts them.
    private func writeLocal(_ alerts: [Alert], fresh: [Bool]) {
        for (a, isNew) in zip(alerts, fresh) {
            guard isNew else { suppressed += 1; continue }
            tally.add(a)
            for l in sinks.local where l.spec.accepts(a.severity, a.detector) { l.writer.write(a, to: l.out) }
        }
    }
}
