@testable import LogwatchCore
import Testing

/// `EventBatch` destroys events through `TransactionEvent.destroy`, which releases only the
/// texts: these tests hold the event to that shape and the batch to its contents.
@Suite struct EventBatchTests {
    /// Every field of an event is trivial (nothing to release) but its three texts. A new
    /// reference-counted field must be released by `TransactionEvent.destroy` too: this test
    /// fails until the list below (and `destroy`) say how.
    @Test func anEventsOnlyReferenceCountedFieldsAreItsThreeTexts() {
        let event = TransactionEvent(time: 1, sourceIP: IPAddress("10.0.0.1"), principal: "svc", method: "GET", path: "/x",
                                     status: 200, failureReason: .badCredentials, durationMs: 1, bytes: 2)
        var texts: [String] = []
        for child in Mirror(reflecting: event).children {
            let value = child.value
            if value is String? {
                texts.append(child.label ?? "?")
                continue
            }
            let trivial = value is Int64 || value is IPAddress? || value is Outcome || value is FailureReason?
                || value is APIProtocol || value is UInt32 || value is Origin || value is Int? || value is Double?
                || value is Int64? || value is Direction || value is UInt64
            #expect(trivial, "\(child.label ?? "?") is \(type(of: value)): is it released by TransactionEvent.destroy?")
        }
        #expect(texts.sorted() == ["method", "path", "principalText"])
    }

    /// Emptied and filled again, a batch holds what was appended last, with and without
    /// methods and paths, with texts long enough to live on the heap (so that a text not
    /// released shows as a leak under AddressSanitizer's leak checker, which CI runs).
    @Test func aBatchEmptiedAndFilledAgainHoldsWhatWasAppended() {
        let batch = EventBatch(capacity: 64)
        for round in 0..<3 {
            for i in 0..<64 {
                let principal = "integration-service-account-\(round)-\(i)"
                if i % 3 == 0 {
                    batch.append(time: Int64(i), sourceIP: nil, principal: principal, apiProtocol: .rest,
                                 method: "POST", path: "/api/now/table/incident/\(i)", status: 201, outcome: .success,
                                 failureReason: nil, durationMs: nil, bytes: nil, origin: Origin(input: 0, line: Int64(i)),
                                 direction: .inbound, recordID: 0)
                } else {
                    batch.append(time: Int64(i), sourceIP: nil, principal: principal, principalHash: 0, status: 401,
                                 outcome: .authFailure, failureReason: .badCredentials, origin: Origin(input: 0, line: Int64(i)),
                                 direction: .inbound, recordID: 0)
                }
            }
            #expect(batch.count == 64)
            #expect(batch[5].principal == "integration-service-account-\(round)-5" && batch[5].path == nil)
            #expect(batch[6].path == "/api/now/table/incident/6" && batch[6].method == "POST")
            batch.removeAll()
            #expect(batch.isEmpty)
        }
    }
}
