import AsyncHTTPClient
import Foundation
import LogwatchCore
import LogwatchState
import NIOCore
import NIOHTTP1
import NIOSSL

/// Sends what the outbox holds, on a task of its own, so delivery never holds up reading and
/// detection. Per sink, alerts go out in the order they were queued: while the first one is
/// waiting to be retried, the ones behind it wait too. Delivered alerts leave the outbox;
/// refused ones become dead letters; nothing is lost while a receiver is down.
public final class Deliverer: @unchecked Sendable {
    private let store: StateStore
    private let targets: [DeliveryTarget]
    private let connectTimeout: Double
    private let timeout: Double
    private let initialBackoff: Double
    private let maxBackoff: Double
    private let report: @Sendable (String) -> Void
    private let lock = NSLock()
    private var wakeRequested = false
    private var stopRequested = false
    private var lastResend: [String: Double] = [:]
    private let finished = DispatchSemaphore(value: 0)
    private var started = false
    /// Counts for the summary.
    private var deliveredCount = 0
    private var deadCount = 0
    private var retriedCount = 0
    private var bySink: [String: SinkCounts] = [:]

    /// Deliveries of one sink since this deliverer started.
    public struct SinkCounts: Sendable, Equatable {
        public var delivered = 0, retried = 0, dead = 0
    }

    /// Per sink (every configured one, from zero).
    public var sinkCounts: [String: SinkCounts] {
        lock.withLock {
            var all = bySink
            for t in targets where all[t.name] == nil { all[t.name] = SinkCounts() }
            return all
        }
    }

    public init(store: StateStore, targets: [DeliveryTarget], connectTimeout: Double, timeout: Double,
                initialBackoff: Double, maxBackoff: Double, report: @escaping @Sendable (String) -> Void) {
        self.store = store
        self.targets = targets
        self.connectTimeout = connectTimeout
        self.timeout = timeout
        self.initialBackoff = initialBackoff
        self.maxBackoff = maxBackoff
        self.report = report
    }

    public var counts: (delivered: Int, retried: Int, dead: Int) {
        lock.withLock { (deliveredCount, retriedCount, deadCount) }
    }

    /// Starts delivering (the outbox left by an earlier run goes first).
    public func start() {
        lock.withLock { started = true }
        for (sink, n) in orphaned.sorted(by: { $0.key < $1.key }) {
            report("logwatch: \(n) undelivered alert\(n == 1 ? "" : "s") in the outbox for sink '\(sink)', which is not configured now; they stay there (logwatch alerts --undelivered)")
        }
        Task.detached { [self] in
            var configuration = HTTPClient.Configuration(
                timeout: .init(connect: .milliseconds(Int64(connectTimeout * 1000)), read: .milliseconds(Int64(timeout * 1000))))
            // A redirect is never followed: it would turn the POST into a GET that carries
            // nothing, or send the signed alert to a host nobody configured.
            configuration.redirectConfiguration = .disallow
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            await run(client)
            try? await client.shutdown()
            finished.signal()
        }
    }

    /// New alerts were queued: look at the outbox now rather than at the next poll.
    public func wake() {
        lock.withLock { wakeRequested = true }
    }

    /// Stops after the request in flight (waiting at most `grace` seconds for it); what is
    /// still queued stays in the outbox for the next run.
    public func stop(grace: Double = 2) {
        let wasStarted = lock.withLock { () -> Bool in
            stopRequested = true
            return started
        }
        if wasStarted { _ = finished.wait(timeout: .now() + grace) }
    }

    /// Waits until the outbox is empty (every alert delivered or dead-lettered) or `timeout`
    /// seconds passed. Returns the number still queued.
    public func drain(timeout: Double) -> Int {
        let deadline = Date().addingTimeInterval(timeout)
        while true {
            let left = queued
            if left == 0 || Date() >= deadline { return left }
            wake()
            usleep(50_000)
        }
    }

    /// Alerts waiting in the outbox for this deliverer's sinks.
    public var queued: Int {
        let counts = (try? store.outboxCounts()) ?? [:]
        return targets.reduce(0) { $0 + (counts[$1.name] ?? 0) }
    }

    /// Sinks with alerts in the outbox that no configured sink sends (renamed or removed).
    public var orphaned: [String: Int] {
        let names = Set(targets.map(\.name))
        return ((try? store.outboxCounts()) ?? [:]).filter { !names.contains($0.key) }
    }

    private var shouldStop: Bool { lock.withLock { stopRequested } }

    private func run(_ client: HTTPClient) async {
        while !shouldStop {
            var nextDue = Date().addingTimeInterval(1).timeIntervalSince1970
            for target in targets {
                if shouldStop { break }
                if let due = await deliver(target, client) { nextDue = min(nextDue, due) }
            }
            // Sleep until something is due, new alerts arrive, or a stop is asked for.
            while !shouldStop && Date().timeIntervalSince1970 < nextDue {
                let woken = lock.withLock { () -> Bool in
                    defer { wakeRequested = false }
                    return wakeRequested
                }
                if woken { break }
                try? await Task.sleep(nanoseconds: 20_000_000)
            }
        }
    }

    /// Sends what is due for one target; returns when it should be looked at again.
    private func deliver(_ target: DeliveryTarget, _ client: HTTPClient) async -> Double? {
        let perRequest: Int
        switch target.format {
        case .webhook(let batch): perRequest = batch ?? 1
        case .slack: perRequest = 1
        case .alertmanager: perRequest = 100
        }
        while !shouldStop {
            let rows: [OutboxRow]
            do {
                rows = try store.outboxHead(sink: target.name, limit: perRequest)
            } catch {
                report("logwatch: \(target.name): \(error)")
                return Date().timeIntervalSince1970 + 1
            }
            guard let first = rows.first else { break }
            let now = Date().timeIntervalSince1970
            if Double(first.nextAttemptAt) / 1000 > now { return Double(first.nextAttemptAt) / 1000 }
            // A batch holds only rows that are due (after a retry all of them are).
            let batch = rows.prefix { Double($0.nextAttemptAt) / 1000 <= now }
            let outcome = await send(Array(batch), to: target, client)
            do {
                switch outcome {
                case .delivered:
                    try store.markDelivered(batch.map(\.seq))
                    lock.withLock { deliveredCount += batch.count; bySink[target.name, default: SinkCounts()].delivered += batch.count }
                case .retry(let reason, let after):
                    let attempts = first.attempts + 1
                    let wait = after ?? DeliveryRules.backoff(attempt: attempts, initial: initialBackoff, maximum: maxBackoff)
                    // Counted from the failure, not from the start of the attempt (a timeout takes a while).
                    let failedAt = Date().timeIntervalSince1970
                    try store.markRetry(batch.map(\.seq), nextAttemptAt: Int64((failedAt + wait) * 1000), error: reason)
                    lock.withLock { retriedCount += 1; bySink[target.name, default: SinkCounts()].retried += 1 }
                    if attempts == 1 || attempts % 10 == 0 {
                        report("logwatch: \(target.name) (\(target.redactedURL)): \(reason); \(batch.count) alert\(batch.count == 1 ? "" : "s") kept, next attempt in \(String(format: "%.1f", wait)) s (attempt \(attempts))")
                    }
                    return failedAt + wait
                case .reject(let status, let body):
                    try store.deadLetter(Array(batch), status: status, response: body)
                    lock.withLock { deadCount += batch.count; bySink[target.name, default: SinkCounts()].dead += batch.count }
                    report("logwatch: \(target.name) (\(target.redactedURL)) refused \(batch.count) alert\(batch.count == 1 ? "" : "s") with HTTP \(status): \(body.prefix(200)); kept as undelivered (logwatch alerts --undelivered), not retried")
                }
            } catch {
                report("logwatch: \(target.name): \(error)")
                return now + 1
            }
        }
        if case .alertmanager(let resend) = target.format { return await resendFiring(target, client, every: resend) }
        return nil
    }

    /// Alertmanager forgets an alert it stops hearing about: the firing ones are sent again
    /// every `resend` seconds (only when nothing older waits in the outbox).
    private func resendFiring(_ target: DeliveryTarget, _ client: HTTPClient, every resend: Double) async -> Double? {
        let now = Date().timeIntervalSince1970
        let last = lock.withLock { lastResend[target.name] }
        guard let last else {
            lock.withLock { lastResend[target.name] = now }
            return now + resend
        }
        guard now - last >= resend else { return last + resend }
        lock.withLock { lastResend[target.name] = now }
        guard let bodies = try? store.activeAlertmanagerAlerts(sink: target.name), !bodies.isEmpty else { return now + resend }
        let rows = bodies.enumerated().map { i, body in
            OutboxRow(seq: -1, sink: target.name, key: "resend-\(Int64(now))-\(i)", incident: "", body: body)
        }
        if case .retry(let reason, _) = await send(rows, to: target, client) {
            report("logwatch: \(target.name) (\(target.redactedURL)): resending \(rows.count) firing alert\(rows.count == 1 ? "" : "s") failed (\(reason)); next try in \(Int(resend)) s")
        }
        return now + resend
    }

    /// The request body for a batch of outbox rows.
    static func body(_ rows: [OutboxRow], format: DeliveryTarget.Format, now: Date) -> [UInt8] {
        switch format {
        case .webhook(let batch): WebhookPayload.request(rows.map(\.body), batch: batch)
        case .slack: Array(rows[0].body.utf8)
        case .alertmanager(let resend): AlertmanagerPayload.request(rows.map(\.body), resendSeconds: resend, now: now)
        }
    }

    private func send(_ rows: [OutboxRow], to target: DeliveryTarget, _ client: HTTPClient) async -> AttemptOutcome {
        let now = Date()
        let body = Self.body(rows, format: target.format, now: now)
        var request = HTTPClientRequest(url: target.url)
        request.method = .POST
        request.headers.add(name: "Content-Type", value: "application/json")
        request.headers.add(name: "User-Agent", value: "logwatch/\(LogwatchVersion.current)")
        // One key per alert; a batch is keyed by the alerts it holds.
        request.headers.add(name: "Idempotency-Key", value: rows.count == 1 ? rows[0].key : rows.map(\.key).joined(separator: ","))
        for (name, value) in target.headers { request.headers.replaceOrAdd(name: name, value: value) }
        if let secret = target.signingSecret {
            let timestamp = Int64(now.timeIntervalSince1970)
            request.headers.add(name: "X-Logwatch-Timestamp", value: String(timestamp))
            request.headers.add(name: "X-Logwatch-Signature", value: DeliveryRules.signature(secret: secret, timestamp: timestamp, body: body))
        }
        request.tlsConfiguration = target.tls
        request.body = .bytes(ByteBuffer(bytes: body))
        do {
            let response = try await client.execute(request, timeout: .milliseconds(Int64(timeout * 1000)))
            // The status decides. Of the body only the start is read, for a message: however
            // long the rest, an answer is never mistaken for a network error.
            let text = await Self.start(of: response.body)
            return DeliveryRules.classify(status: Int(response.status.code), retryAfter: response.headers.first(name: "Retry-After"),
                                          location: response.headers.first(name: "Location"), body: text, now: now)
        } catch {
            return .retry(reason: Self.describe(error), after: nil)
        }
    }

    /// The first `limit` bytes of a response body as text; the rest is not read (letting go of
    /// the body ends the transfer). A body that breaks off gives what arrived before.
    static func start(of body: HTTPClientResponse.Body, limit: Int = 512) async -> String {
        var head: [UInt8] = []
        do {
            for try await chunk in body {
                head += chunk.readableBytesView.prefix(limit - head.count)
                if head.count >= limit { break }
            }
        } catch {}
        return String(decoding: head, as: UTF8.self)
    }

    /// A network error in a few words, without the URL (it may carry a token).
    static func describe(_ error: any Error) -> String {
        if let e = error as? HTTPClientError {
            switch e {
            case .connectTimeout: return "connect timeout"
            case .deadlineExceeded, .readTimeout: return "timed out"
            case .remoteConnectionClosed: return "connection closed by the receiver"
            default: return "HTTP client error (\(e.shortDescription))"
            }
        }
        if error is NIOSSLError || error is BoringSSLError {
            let text = String(describing: error)
            if text.contains("CERTIFICATE_VERIFY_FAILED") {
                return "TLS error: the receiver's certificate is not trusted (a private CA needs --ca-file or ca_file)"
            }
            // BoringSSL's reason, e.g. SSLV3_ALERT_HANDSHAKE_FAILURE or TLSV13_ALERT_CERTIFICATE_REQUIRED.
            if let r = text.range(of: "OPENSSL_internal:") {
                return "TLS error: " + text[r.upperBound...].prefix { $0 != " " && $0 != "]" }
            }
            return "TLS error (\(text.prefix(160)))"
        }
        // NIO's connection errors name the host and port, never the path or query.
        return "cannot connect or send (\(String(describing: error).prefix(200)))"
    }
}
