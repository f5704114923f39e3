import Foundation
import Testing
import LogwatchCore
@testable import Alerting

/// Alertmanager's v2 API takes a JSON array of postable alerts: `labels` (the identity),
/// `annotations`, `startsAt`, `endsAt`, `generatorURL`
/// (https://github.com/prometheus/alertmanager/blob/main/api/v2/openapi.yaml, `postableAlert`).
@Suite struct AlertmanagerPayloadTests {
    @Test func aPostableAlertHasLabelsAnnotationsAndTimes() throws {
        let a = AlertFixtures.alert()
        let alert = try AlertFixtures.object(AlertmanagerPayload.alert(a, generatorURL: "https://lw.example/incidents/{id}"))
        #expect(alert["labels"] as? [String: String] == ["alertname": "failed_auth_spike", "scope": "principal", "principal": "partner-acme", "severity": "warning"])
        let annotations = try #require(alert["annotations"] as? [String: String])
        #expect(annotations["incident_id"] == a.id)
        #expect(annotations["summary"] == a.message)
        #expect(annotations["description"] == "failed_auth_spike/principal: observed 20, threshold 20, usual 0; evidence from 2025-11-25T03:00:00.000Z to 2025-11-25T03:01:13.000Z")
        #expect(alert["startsAt"] as? String == "2025-11-25T03:01:00.000Z")
        #expect(alert["generatorURL"] as? String == "https://lw.example/incidents/c58cc32a0c1bba6c")
        // A firing alert is queued without endsAt: it is set when sent.
        #expect(alert["endsAt"] == nil)
    }

    @Test func aResolutionEndsAtItsDecisionButNeverInTheFuture() throws {
        let a = AlertFixtures.alert(status: .resolved)
        let past = try AlertFixtures.object(AlertmanagerPayload.alert(a, generatorURL: "x", now: Date(timeIntervalSince1970: 1_800_000_000)))
        #expect(past["endsAt"] as? String == "2025-11-25T03:01:13.000Z")
        let early = try AlertFixtures.object(AlertmanagerPayload.alert(a, generatorURL: "x", now: Date(timeIntervalSince1970: 1_764_039_665)))
        #expect(early["endsAt"] as? String == "2025-11-25T03:01:05.000Z")
    }

    @Test func aRequestSetsEndsAtFourResendsAheadOnFiringAlertsOnly() throws {
        let firing = AlertmanagerPayload.alert(AlertFixtures.alert(), generatorURL: "x")
        let resolved = AlertmanagerPayload.alert(AlertFixtures.alert(status: .resolved), generatorURL: "x", now: Date(timeIntervalSince1970: 1_800_000_000))
        let now = Date(timeIntervalSince1970: 1_800_000_000)
        let body = AlertmanagerPayload.request([firing, resolved], resendSeconds: 60, now: now)
        let array = try #require(try JSONSerialization.jsonObject(with: Data(body)) as? [[String: Any]])
        #expect(array.count == 2)
        #expect(array[0]["endsAt"] as? String == "2027-01-15T08:04:00.000Z")
        #expect(array[1]["endsAt"] as? String == "2025-11-25T03:01:13.000Z")
    }
}

@Suite struct WebhookPayloadTests {
    @Test func oneAlertIsItsObjectAndABatchIsAnArray() throws {
        #expect(WebhookPayload.request([#"{"id":"a"}"#], batch: nil) == Array(#"{"id":"a"}"#.utf8))
        #expect(WebhookPayload.request([#"{"id":"a"}"#, #"{"id":"b"}"#], batch: 20) == Array(#"[{"id":"a"},{"id":"b"}]"#.utf8))
    }

    @Test func everyPhaseOfAnIncidentHasItsOwnDeliveryKey() {
        let keys = [AlertFixtures.alert(), AlertFixtures.alert(reminder: true), AlertFixtures.alert(status: .resolved)].map(\.deliveryKey)
        #expect(keys == ["c58cc32a0c1bba6c-firing-1764039673000", "c58cc32a0c1bba6c-reminder-1764039673000", "c58cc32a0c1bba6c-resolved-1764039673000"])
    }
}
