import Foundation
import Testing
import TestSupport
import LogwatchConfig
import LogwatchCore
import LogwatchState
@testable import Alerting

/// Routing without a process: alerts to a file sink, to the history and to the outbox.
@Suite struct AlertEmitterTests {
    func sinks(_ specs: [SinkSpec], store: StateStore?) throws -> AlertSinks {
        try AlertSinks(specs: specs, output: .json, names: InputNames(["gateway.log"]), store: store, delivery: DeliverySettings(), caFile: nil)
    }

    @Test func anAlertReachesTheFileSinkTheHistoryAndTheOutboxOnce() throws {
        let dir = Scratch.directory("emit")
        let store = try StateStore(directory: dir.appendingPathComponent("state").path)
        var file = SinkSpec(name: "archive", kind: .file)
        file.path = dir.appendingPathComponent("alerts.jsonl").path
        var hook = SinkSpec(name: "hook", kind: .webhook, url: SecretReference("http://127.0.0.1:9/hook"))
        hook.minSeverity = .critical
        let slack = SinkSpec(name: "chat", kind: .slack, url: SecretReference("http://127.0.0.1:9/slack"))
        let emitter = AlertEmitter(sinks: try sinks([file, hook, slack], store: store), names: InputNames(["gateway.log"]), store: store, flushEachBatch: true)

        var alerts = [AlertFixtures.alert()]
        try emitter.emit(&alerts)
        #expect(alerts.isEmpty)
        // The same alert again, as re-derived after a crash: suppressed everywhere.
        alerts = [AlertFixtures.alert()]
        try emitter.emit(&alerts)
        #expect(emitter.suppressed == 1)
        #expect(emitter.tally.firing == 1)

        let lines = try String(contentsOf: dir.appendingPathComponent("alerts.jsonl"), encoding: .utf8).split(separator: "\n")
        #expect(lines.count == 1)
        let json = try AlertFixtures.object(String(lines[0]))
        #expect(json["id"] as? String == "c58cc32a0c1bba6c")
        #expect((json["evidence"] as? [String: Any]).flatMap { $0["samples"] as? [[String: Any]] }?.first?["file"] as? String == "gateway.log")
        #expect(try store.alerts().map(\.phase) == [.firing])
        // The webhook takes critical alerts only; Slack takes this warning.
        #expect(try store.outboxCounts() == ["chat": 1])
        #expect(try store.outboxHead(sink: "chat", limit: 1)[0].body == SlackPayload.body(AlertFixtures.alert()))
    }

    @Test func theTallyCountsIncidentsByKindRemindersAndResolutions() {
        var tally = AlertTally()
        for a in [AlertFixtures.alert(), AlertFixtures.alert(reminder: true), AlertFixtures.alert(status: .resolved)] { tally.add(a) }
        #expect(tally.line == "alerts: 1 incident (failed_auth_spike/principal 1), 1 reminder, 1 resolved")
        #expect(AlertTally().line == "alerts: 0 incidents, 0 reminders, 0 resolved")
    }
}

@Suite struct AlertWriterTests {
    @Test func textIsOneAlignedLineWithEscapedLogText() {
        let writer = AlertWriter(format: .text, inputs: InputNames([]), fd: -1)
        let line = writer.text(AlertFixtures.alert(principal: "evil\u{1B}[2J"))
        #expect(line.hasPrefix("2025-11-25 03:01  FIRING    warning   failed_auth_spike/principal     evil\\x1b[2J: 20 failed logins"))
        #expect(!line.contains("\u{1B}"))
    }

    @Test func jsonHasTheDocumentedKeysInOrder() throws {
        var out: [UInt8] = []
        AlertWriter.json(AlertFixtures.alert(), inputs: InputNames(["gateway.log"]), to: &out)
        let text = String(decoding: out, as: UTF8.self)
        let keys = ["id", "detector", "scope", "key", "severity", "status", "window", "observed", "baseline", "threshold", "score", "message", "evidence"]
        let positions = keys.map { text.range(of: "\"\($0)\":")?.lowerBound }
        #expect(positions.allSatisfy { $0 != nil })
        #expect(positions.compactMap { $0 } == positions.compactMap { $0 }.sorted())
        #expect(try AlertFixtures.object(text)["status"] as? String == "firing")
    }
}
