import LogwatchCore
import Foundation
@_exported import TestSupport
@testable import AnomalyEngine

/// Synthetic event streams for driving the engine.
struct Streams {
    /// 2025-11-24T00:00:00Z, a Monday.
    static let t0: Int64 = 1_763_942_400_000
    static let minute: Int64 = 60_000
    static let hour: Int64 = 3_600_000
    static let day: Int64 = 86_400_000

    var rng = SeededGenerator(seed: 7)
    var events: [TransactionEvent] = []
    private var line: Int64 = 0

    mutating func add(_ time: Int64, ip: String?, principal: String?, fail: Bool = false) {
        line += 1
        events.append(TransactionEvent(
            time: time, sourceIP: ip.flatMap(IPAddress.init), principal: principal, apiProtocol: .rest,
            method: "GET", path: "/api/x", status: fail ? 401 : 200, outcome: fail ? .authFailure : .success,
            failureReason: fail ? .badCredentials : nil, origin: Origin(input: 0, line: line)))
    }

    /// `perHour` events spread at random over `[from, to)`, as a Poisson-like stream.
    mutating func steady(from: Int64, to: Int64, perHour: Double, ip: () -> String?, principal: String?, fail: Bool = false) {
        var t = from
        while true {
            let u = Double.random(in: 0.000001..<1, using: &rng)
            t += Int64(-log(u) / perHour * Double(Self.hour))
            if t >= to { break }
            add(t, ip: ip(), principal: principal, fail: fail)
        }
    }

    mutating func randomIP(_ prefix: String = "198.51.100") -> String {
        "\(prefix).\(Int.random(in: 1...254, using: &rng))"
    }

    /// Runs the engine over the events in time order and returns every alert.
    func run(_ configuration: EngineConfiguration = EngineConfiguration(), engine: Engine? = nil) -> [Alert] {
        let engine = engine ?? Engine(configuration: configuration)
        var alerts: [Alert] = []
        for e in events.sorted(by: { $0.time != $1.time ? $0.time < $1.time : $0.origin.line < $1.origin.line }) {
            engine.process(e, into: &alerts)
        }
        engine.finish(into: &alerts)
        return alerts
    }
}

extension Array where Element == Alert {
    var firing: [Alert] { filter { $0.status == .firing && !$0.isReminder } }
    func of(_ d: DetectorKind, _ s: AlertScope) -> [Alert] { filter { $0.detector == d && $0.scope == s } }
    var summary: String { map { "\($0.status.rawValue) \($0.detector.rawValue)/\($0.scope.rawValue) \($0.message)" }.joined(separator: "\n") }
}
