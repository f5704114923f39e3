import Foundation
import Testing
import TestSupport
import AnomalyEngine
import LogwatchConfig
import LogwatchCore

@Suite struct ConfigFileTests {
    static let repo = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()

    func parse(_ yaml: String) throws -> LogwatchConfiguration {
        try ConfigFile(file: "t.yml").parse(yaml)
    }

    @Test func theSampleConfigurationsLoad() throws {
        let c = try ConfigFile.load(path: Self.repo.appendingPathComponent("samples/logwatch.yml").path)
        #expect(c.engine.principals.count == 1)
        #expect(c.sinks.isEmpty)
        let s = try ConfigFile.load(path: Self.repo.appendingPathComponent("samples/sinks.yml").path)
        #expect(s.sinks.map(\.kind) == [.webhook, .slack, .alertmanager, .file])
        #expect(s.sinks[0].batch == 20)
        #expect(s.delivery.outboxLimit == 100_000)
    }

    @Test func anEmptyTextMeansAllDefaults() throws {
        #expect(try parse("") == LogwatchConfiguration())
    }

    @Test(arguments: [
        ("max_keys: lots\n", "t.yml:1: max_keys: expected a whole number, got 'lots'"),
        ("realert: soon\n", "t.yml:1: realert: expected a duration"),
        ("principals:\n  svc:\n    allow: [10.0.0.0/8, 10.0.0.0/33]\n", "t.yml:3: principals.svc.allow[1]: '10.0.0.0/33' is not an IPv4 or IPv6 network"),
        ("detectors:\n  volume_surge:\n    principal:\n      ratio: high\n", "t.yml:4: detectors.volume_surge.principal.ratio: expected a number"),
        ("detectors:\n  volume_surge:\n    principal:\n      ratio: 0.5\n", "t.yml:4: detectors.volume_surge.principal.ratio: must be at least 1"),
        ("colour: blue\n", "t.yml:1: unknown key 'colour'"),
        ("detectors:\n  failed_auth_spike: {enabled: maybe}\n", "t.yml:2: detectors.failed_auth_spike.enabled: expected true or false"),
        ("sinks:\n  - name: a\n    kind: webhook\n    url: ftp://example.com/x\n", "url: not an http or https URL"),
        ("sinks:\n  - name: a\n    kind: webhook\n", "a webhook sink needs a url"),
        ("a: [unclosed\n", "not valid YAML"),
    ])
    func errorsNameTheLineAndTheKey(yaml: String, message: String) {
        #expect {
            _ = try parse(yaml)
        } throws: { error in
            "\(error)".contains(message)
        }
    }

    /// Values that would overflow a time in milliseconds, or a count, once the engine or the
    /// deliverer uses them: refused where they are read, with the line and the key.
    @Test(arguments: [
        ("realert: 106751991168d\n", "t.yml:1: realert: must be at most 365d"),
        ("max_lateness: 9999999999999999s\n", "t.yml:1: max_lateness: must be at most 1d"),
        ("max_future: 99999999999m\n", "t.yml:1: max_future: must be at most 365d"),
        ("detectors:\n  unexpected_source_ip:\n    learning_period: 9999999999d\n", "t.yml:3: detectors.unexpected_source_ip.learning_period: must be at most 365d"),
        ("detectors:\n  volume_surge:\n    global:\n      baseline_half_life: 99999999w\n", "t.yml:4: detectors.volume_surge.global.baseline_half_life: must be at most 365d"),
        ("detectors:\n  failed_auth_spike:\n    resolve_after: 30d\n", "t.yml:3: detectors.failed_auth_spike.resolve_after: must be at most 7d"),
        ("detectors:\n  failed_auth_spike:\n    source_ip:\n      short_window: 2d\n", "t.yml:4: detectors.failed_auth_spike.source_ip.short_window: must be at most 1d"),
        ("detectors:\n  volume_surge:\n    principal:\n      min_count: 99999999999999\n", "t.yml:4: detectors.volume_surge.principal.min_count: 99999999999999 is out of range"),
        ("detectors:\n  volume_surge:\n    principal:\n      ratio: 1e300\n", "t.yml:4: detectors.volume_surge.principal.ratio: must be at most 1000000"),
        ("max_keys: 9223372036854775807\n", "t.yml:1: max_keys: 9223372036854775807 is out of range"),
        ("delivery:\n  timeout: 9999999999999s\n", "t.yml:2: delivery.timeout: must be at most 1h"),
        ("delivery:\n  max_backoff: 100d\n", "t.yml:2: delivery.max_backoff: must be at most 1d"),
    ])
    func valuesThatWouldOverflowAreRefusedWithTheirLineAndKey(yaml: String, message: String) {
        #expect {
            _ = try parse(yaml)
        } throws: { error in
            "\(error)".hasPrefix(message)
        }
    }

    /// The largest values accepted run: an engine configured with every maximum judges events,
    /// closes its windows and saves its state without trapping.
    @Test func theLargestAcceptedValuesRun() throws {
        let c = try parse("""
            max_lateness: 1d
            max_future: 365d
            max_keys: 100000000
            realert: 365d
            detectors:
              failed_auth_spike:
                resolve_after: 7d
                source_ip: {short_window: 1d, long_window: 1d, short_threshold: 1000000000, long_threshold: 1000000000}
                global: {window: 1d, ratio: 1000000, peak_ratio: 1000000, min_count: 1000000000, learning_period: 365d, baseline_half_life: 365d, peak_half_life: 365d}
              unexpected_source_ip: {learning_period: 365d, resolve_after: 7d, max_networks_per_principal: 65536}
              volume_surge:
                resolve_after: 7d
                principal: {window: 1d, learning_period: 365d}
            delivery: {connect_timeout: 1h, timeout: 1h, initial_backoff: 1h, max_backoff: 1d, outbox_limit: 100000000}
            """)
        let engine = Engine(configuration: c.engine)
        engine.futureLimit = Int64.max
        var alerts: [Alert] = []
        for i in 0..<2_000 {
            engine.process(TransactionEvent(time: 1_764_000_000_000 + Int64(i) * 60_000, sourceIP: IPAddress("192.0.2.\(i % 200)"), principal: "svc",
                                            status: i % 3 == 0 ? 401 : 200, outcome: i % 3 == 0 ? .authFailure : .success), into: &alerts)
        }
        engine.finish(into: &alerts)
        let saved = engine.snapshot()
        #expect(try Engine(configuration: c.engine).restore(saved).isEmpty)
        #expect(engine.stats.events == 2_000)
    }

    @Test(arguments: [0o666, 0o664, 0o620, 0o602])
    func aFileOthersThanItsOwnerCanWriteIsRefused(mode: Int) throws {
        let file = Scratch.directory("config").appendingPathComponent("logwatch.yml")
        try "max_keys: 10\n".write(to: file, atomically: true, encoding: .utf8)
        chmod(file.path, 0o644)
        #expect(try ConfigFile.load(path: file.path).engine.maxKeys == 10)
        chmod(file.path, mode_t(mode))
        #expect {
            _ = try ConfigFile.load(path: file.path)
        } throws: { error in
            "\(error)".contains("logwatch.yml: writable by others than its owner (mode \(String(mode, radix: 8)))")
        }
    }

    /// Like ssh with private keys: 0600 or 0400, nothing for the group or others.
    @Test(arguments: [0o640, 0o604, 0o660, 0o644])
    func aSecretFileOthersCanReadIsRefused(mode: Int) throws {
        let file = Scratch.directory("secret").appendingPathComponent("hmac.key")
        try "s3cret\n".write(to: file, atomically: true, encoding: .utf8)
        chmod(file.path, 0o600)
        #expect(try SecretReference("file:" + file.path).resolve() == "s3cret")
        chmod(file.path, 0o400)
        #expect(try SecretReference("file:" + file.path).resolve() == "s3cret")
        chmod(file.path, mode_t(mode))
        #expect {
            _ = try SecretReference("file:" + file.path).resolve()
        } throws: { error in
            "\(error)".contains("hmac.key is readable or writable by others than its owner (mode \(String(mode, radix: 8))); run chmod 600")
        }
    }

    @Test(arguments: [("90s", 90), ("15m", 900), ("6h", 21_600), ("7d", 604_800), ("2w", 1_209_600), ("30", 30)] as [(String, Int64)])
    func durationsReadTheirUnit(text: String, seconds: Int64) {
        #expect(ConfigFile.parseDuration(text) == seconds)
    }

    @Test(arguments: ["", "m", "-5s", "soon", "5 minutes"])
    func durationsRefuseWhatIsNotOne(text: String) {
        #expect(ConfigFile.parseDuration(text) == nil)
    }
}

@Suite struct SinkURLTests {
    @Test(arguments: ["http://127.0.0.1:8098/hook", "https://hooks.slack.com/services/T0/B0/XYZ", "http://alertmanager:9093"])
    func httpAndHttpsURLsWithAHostAreSinkURLs(text: String) {
        #expect(SinkURL.parse(text) != nil)
    }

    @Test(arguments: ["ftp://example.com/x", "http://", "example.com/hook", "", "file:///etc/passwd"])
    func otherTextsAreNot(text: String) {
        #expect(SinkURL.parse(text) == nil)
    }

    @Test func referencesAreResolvedOnlyWhenUsed() throws {
        #expect(SinkURL.isReference("env:LOGWATCH_URL") && SinkURL.isReference("file:/run/secrets/url"))
        #expect(!SinkURL.isReference("https://example.com"))
        #expect(try SecretReference("env:X").resolve(environment: ["X": "value"]) == "value")
        #expect(throws: SecretError.self) { try SecretReference("env:X").resolve(environment: [:]) }
    }
}
