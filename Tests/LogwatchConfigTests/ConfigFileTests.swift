import Foundation
import Testing
import TestSupport
import LogwatchConfig

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

    @Test func aFileEveryUserCanWriteIsRefused() throws {
        let file = Scratch.directory("config").appendingPathComponent("logwatch.yml")
        try "max_keys: 10\n".write(to: file, atomically: true, encoding: .utf8)
        #expect(try ConfigFile.load(path: file.path).engine.maxKeys == 10)
        chmod(file.path, 0o666)
        #expect {
            _ = try ConfigFile.load(path: file.path)
        } throws: { error in
            "\(error)".contains("writable by every user")
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
