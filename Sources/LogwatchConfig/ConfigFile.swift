import AnomalyEngine
import LogwatchCore
import Foundation
#if canImport(Glibc)
import Glibc
#endif
import Yams

/// A problem in a configuration file, naming the file, the line and the key.
public struct ConfigError: Error, CustomStringConvertible, Sendable {
    public let file: String
    public let line: Int?
    public let message: String

    public var description: String {
        if let line { return "\(file):\(line): \(message)" }
        return "\(file): \(message)"
    }
}

/// Reads `logwatch.yml`: the engine's settings, the alert sinks and delivery. Every key is optional; unknown keys,
/// wrong types and bad networks are errors naming the line and the key.
public struct ConfigFile: Sendable {
    public let file: String

    /// - Parameter file: the name used in error messages.
    public init(file: String) {
        self.file = file
    }

    static let topKeys = ["max_lateness", "max_future", "max_keys", "realert", "detectors", "principals", "sinks", "delivery"]

    /// Reads and checks a configuration file.
    /// - Throws: `ConfigError` naming the file, and the line and key where it can.
    public static func load(path: String) throws -> LogwatchConfiguration {
        // Read through FileHandle: String(contentsOfFile:) leaks its buffer on an empty file
        // in Swift 6.3's Foundation, which LeakSanitizer reports.
        let data: Data
        do {
            guard let handle = FileHandle(forReadingAtPath: path) else {
                throw ConfigError(file: path, line: nil, message: "cannot read: \(FileManager.default.fileExists(atPath: path) ? "permission denied" : "no such file")")
            }
            defer { try? handle.close() }
            // Checked on the open file, so a swap between check and read changes nothing.
            var st = stat()
            // Whoever can write it can turn detectors off or send alerts elsewhere: its owner
            // (the user logwatch runs as, or root) alone.
            if fstat(handle.fileDescriptor, &st) == 0 {
                if st.st_mode & (S_IWGRP | S_IWOTH) != 0 {
                    throw ConfigError(file: path, line: nil, message: "writable by others than its owner (mode \(String(st.st_mode & 0o777, radix: 8))): they could turn detectors off or send alerts elsewhere; run chmod go-w \(path)")
                }
                if st.st_uid != geteuid() && st.st_uid != 0 {
                    throw ConfigError(file: path, line: nil, message: "belongs to another user (uid \(st.st_uid)), who could turn detectors off or send alerts elsewhere; it must be the file of the user logwatch runs as, or root's")
                }
            }
            data = try handle.readToEnd() ?? Data()
        } catch let error as ConfigError {
            throw error
        } catch {
            throw ConfigError(file: path, line: nil, message: "cannot read: \((error as NSError).localizedDescription)")
        }
        guard let text = String(data: data, encoding: .utf8) else {
            throw ConfigError(file: path, line: nil, message: "not valid UTF-8 text")
        }
        return try ConfigFile(file: path).parse(text)
    }

    /// Checks configuration text; every key is optional, an empty text means all defaults.
    public func parse(_ text: String) throws -> LogwatchConfiguration {
        let root: Node?
        do {
            root = try Yams.compose(yaml: text)
        } catch let error as YamlError {
            throw ConfigError(file: file, line: Self.line(of: error), message: "not valid YAML: \(Self.problem(of: error))")
        }
        var full = LogwatchConfiguration()
        guard let root else { return full } // an empty file: all defaults
        var config = EngineConfiguration()
        for (key, value) in try mapping(root, "", allowed: Self.topKeys) {
            switch key {
            case "max_lateness": config.maxLatenessSeconds = try duration(value, key, max: Self.day)
            case "max_future": config.maxFutureSeconds = try duration(value, key, min: 60, max: Self.year)
            case "max_keys": config.maxKeys = try integer(value, key, min: 1, max: 100_000_000)
            case "realert": config.realertSeconds = try duration(value, key, max: Self.year)
            case "detectors": try detectors(value, into: &config)
            case "principals": config.principals = try principals(value)
            case "sinks": full.sinks = try sinks(value)
            case "delivery": full.delivery = try delivery(value)
            default: break
            }
        }
        full.engine = config
        return full
    }

    // MARK: Sinks

    static let sinkKeys = ["name", "kind", "url", "path", "headers", "min_severity", "detectors", "batch", "signing_secret",
                           "resend", "generator_url", "ca_file", "client_certificate", "client_key"]

    private func sinks(_ node: Node) throws -> [SinkSpec] {
        guard case .sequence(let items) = node else { throw error(node, "sinks: expected a list of sinks, each with a kind") }
        var result: [SinkSpec] = []
        for (i, item) in items.enumerated() {
            let path = "sinks[\(i)]"
            let pairs = try mapping(item, path, allowed: Self.sinkKeys)
            guard let kindNode = pairs.first(where: { $0.0 == "kind" })?.1 else {
                throw error(item, "\(path): needs a kind (\(SinkKind.allCases.map(\.rawValue).joined(separator: ", ")))")
            }
            guard let kind = kindNode.string.flatMap(SinkKind.init(rawValue:)) else {
                throw error(kindNode, "\(path).kind: '\(kindNode.string ?? "?")' is not one of \(SinkKind.allCases.map(\.rawValue).joined(separator: ", "))")
            }
            var sink = SinkSpec(name: "\(kind.rawValue)-\(i + 1)", kind: kind)
            for (k, v) in pairs {
                let p = "\(path).\(k)"
                switch k {
                case "name": sink.name = try text(v, p)
                case "url": sink.url = SecretReference(try text(v, p))
                case "path": sink.path = try text(v, p)
                case "headers":
                    guard case .mapping(let m) = v else { throw error(v, "\(p): expected a mapping of header names to values") }
                    for (hk, hv) in m {
                        guard let name = hk.string, !name.isEmpty, name.allSatisfy({ $0.isLetter || $0.isNumber || $0 == "-" }) else {
                            throw error(hk, "\(p): '\(hk.string ?? "?")' is not a header name")
                        }
                        sink.headers.append((name, SecretReference(try text(hv, "\(p).\(name)"))))
                    }
                case "min_severity":
                    guard let sev = v.string.flatMap(Severity.init(rawValue:)) else {
                        throw error(v, "\(p): expected one of info, warning, critical")
                    }
                    sink.minSeverity = sev
                case "detectors":
                    guard case .sequence(let seq) = v else { throw error(v, "\(p): expected a list of detectors") }
                    for d in seq {
                        guard let kind = d.string.flatMap(DetectorKind.init(rawValue:)) else {
                            throw error(d, "\(p): '\(d.string ?? "?")' is not one of \(DetectorKind.allCases.map(\.rawValue).joined(separator: ", "))")
                        }
                        sink.detectors.insert(kind)
                    }
                case "batch": sink.batch = try integer(v, p, min: 1, max: 10_000)
                case "signing_secret": sink.signingSecret = SecretReference(try text(v, p))
                case "resend": sink.resendSeconds = try duration(v, p, min: 1, max: Self.day)
                case "generator_url": sink.generatorURL = try text(v, p)
                case "ca_file": sink.caFile = try text(v, p)
                case "client_certificate": sink.clientCertificate = try text(v, p)
                case "client_key": sink.clientKey = try text(v, p)
                default: break
                }
            }
            if kind.isNetwork && sink.url == nil { throw error(item, "\(path): a \(kind.rawValue) sink needs a url") }
            if kind == .file && sink.path == nil { throw error(item, "\(path): a file sink needs a path") }
            if sink.batch != nil && kind != .webhook { throw error(item, "\(path).batch: only webhook sinks batch") }
            if (sink.clientCertificate == nil) != (sink.clientKey == nil) {
                throw error(item, "\(path): client_certificate and client_key go together")
            }
            if let url = sink.url, !SinkURL.isReference(url.text), SinkURL.parse(url.text) == nil {
                throw error(item, "\(path).url: not an http or https URL")
            }
            guard !result.contains(where: { $0.name == sink.name }) else { throw error(item, "\(path).name: '\(sink.name)' is used twice") }
            result.append(sink)
        }
        return result
    }

    private func delivery(_ node: Node) throws -> DeliverySettings {
        var d = DeliverySettings()
        for (k, v) in try mapping(node, "delivery", allowed: ["connect_timeout", "timeout", "initial_backoff", "max_backoff", "outbox_limit"]) {
            let p = "delivery.\(k)"
            switch k {
            case "connect_timeout": d.connectTimeoutSeconds = Double(try duration(v, p, min: 1, max: Self.hour))
            case "timeout": d.timeoutSeconds = Double(try duration(v, p, min: 1, max: Self.hour))
            case "initial_backoff": d.initialBackoffSeconds = Double(try duration(v, p, min: 1, max: Self.hour))
            case "max_backoff": d.maxBackoffSeconds = Double(try duration(v, p, min: 1, max: Self.day))
            case "outbox_limit": d.outboxLimit = try integer(v, p, min: 1, max: 100_000_000)
            default: break
            }
        }
        return d
    }

    private func text(_ node: Node, _ path: String) throws -> String {
        guard case .scalar = node, let t = node.string, !t.isEmpty else { throw error(node, "\(path): expected text") }
        return t
    }

    // MARK: Sections

    private func detectors(_ node: Node, into config: inout EngineConfiguration) throws {
        for (name, value) in try mapping(node, "detectors", allowed: DetectorKind.allCases.map(\.rawValue)) {
            let path = "detectors.\(name)"
            switch name {
            case DetectorKind.failedAuthSpike.rawValue:
                var s = config.failedAuth
                for (k, v) in try mapping(value, path, allowed: ["enabled", "resolve_after", "count_denied", "source_ip", "principal", "global"]) {
                    let p = "\(path).\(k)"
                    switch k {
                    case "enabled": s.enabled = try boolean(v, p)
                    case "resolve_after": s.resolveAfterMinutes = try minutes(v, p, max: 7 * Self.day)
                    case "count_denied": s.countDenied = try boolean(v, p)
                    case "source_ip": s.sourceIP = try burst(v, p, defaults: FailedAuthSettings().sourceIP!)
                    case "principal": s.principal = try burst(v, p, defaults: FailedAuthSettings().principal!)
                    case "global": s.global = try rate(v, p, defaults: FailedAuthSettings().global!)
                    default: break
                    }
                }
                config.failedAuth = s
            case DetectorKind.unexpectedSourceIP.rawValue:
                var s = config.unexpectedSourceIP
                for (k, v) in try mapping(value, path, allowed: ["enabled", "allowlists", "learning", "learning_period", "ipv4_prefix", "ipv6_prefix", "max_networks_per_principal", "resolve_after"]) {
                    let p = "\(path).\(k)"
                    switch k {
                    case "enabled": s.enabled = try boolean(v, p)
                    case "allowlists": s.allowlists = try boolean(v, p)
                    case "learning": s.learning = try boolean(v, p)
                    case "learning_period": s.learningSeconds = try duration(v, p, max: Self.year)
                    case "ipv4_prefix": s.ipv4Prefix = try integer(v, p, min: 0, max: 32)
                    case "ipv6_prefix": s.ipv6Prefix = try integer(v, p, min: 0, max: 128)
                    case "max_networks_per_principal": s.maxNetworksPerPrincipal = try integer(v, p, min: 1, max: 65_536)
                    case "resolve_after": s.resolveAfterMinutes = try minutes(v, p, max: 7 * Self.day)
                    default: break
                    }
                }
                config.unexpectedSourceIP = s
            case DetectorKind.volumeSurge.rawValue:
                var s = config.volumeSurge
                for (k, v) in try mapping(value, path, allowed: ["enabled", "resolve_after", "principal", "global"]) {
                    let p = "\(path).\(k)"
                    switch k {
                    case "enabled": s.enabled = try boolean(v, p)
                    case "resolve_after": s.resolveAfterMinutes = try minutes(v, p, max: 7 * Self.day)
                    case "principal": s.principal = try rate(v, p, defaults: VolumeSurgeSettings().principal!)
                    case "global": s.global = try rate(v, p, defaults: VolumeSurgeSettings().global!)
                    default: break
                    }
                }
                config.volumeSurge = s
            default: break
            }
        }
    }

    /// A scope: `false` turns it off, `true` keeps the defaults, a mapping overrides some of them.
    private func burst(_ node: Node, _ path: String, defaults: BurstThresholds) throws -> BurstThresholds? {
        if let on = node.scalar.flatMap({ _ in node.bool }) { return on ? defaults : nil }
        var t = defaults
        for (k, v) in try mapping(node, path, allowed: ["short_window", "short_threshold", "long_window", "long_threshold", "min_distinct"]) {
            let p = "\(path).\(k)"
            switch k {
            case "short_window": t.shortWindowMinutes = try minutes(v, p)
            case "short_threshold": t.shortThreshold = try integer(v, p, min: 1, max: Self.countLimit)
            case "long_window": t.longWindowMinutes = try minutes(v, p)
            case "long_threshold": t.longThreshold = try integer(v, p, min: 1, max: Self.countLimit)
            case "min_distinct": t.minDistinct = try integer(v, p, min: 1, max: 1_000_000)
            default: break
            }
        }
        return t
    }

    private func rate(_ node: Node, _ path: String, defaults: RateThresholds) throws -> RateThresholds? {
        if let on = node.scalar.flatMap({ _ in node.bool }) { return on ? defaults : nil }
        var t = defaults
        for (k, v) in try mapping(node, path, allowed: ["window", "ratio", "peak_ratio", "min_count", "learning_period", "baseline_half_life", "peak_half_life"]) {
            let p = "\(path).\(k)"
            switch k {
            case "window": t.windowMinutes = try minutes(v, p)
            case "ratio": t.ratio = try number(v, p, min: 1, max: 1_000_000)
            case "peak_ratio": t.peakRatio = try number(v, p, min: 0, max: 1_000_000)
            case "min_count": t.minCount = try integer(v, p, min: 1, max: Self.countLimit)
            case "learning_period": t.learningSeconds = try duration(v, p, max: Self.year)
            case "baseline_half_life": t.baselineHalfLifeSeconds = try duration(v, p, min: 60, max: Self.year)
            case "peak_half_life": t.peakHalfLifeSeconds = try duration(v, p, min: 60, max: Self.year)
            default: break
            }
        }
        return t
    }

    private func principals(_ node: Node) throws -> [String: PrincipalPolicy] {
        var result: [String: PrincipalPolicy] = [:]
        guard case .mapping(let m) = node else { throw error(node, "principals: expected a mapping of principal names") }
        for (keyNode, value) in m {
            guard let name = keyNode.string else { throw error(keyNode, "principals: a principal name must be text") }
            let path = "principals.\(name)"
            for (k, v) in try mapping(value, path, allowed: ["allow"]) where k == "allow" {
                guard case .sequence(let seq) = v else { throw error(v, "\(path).allow: expected a list of networks, e.g. [10.0.0.0/8, 2001:db8::/32]") }
                var networks: [IPNetwork] = []
                for (i, item) in seq.enumerated() {
                    guard let text = item.string, let net = IPNetwork(text) else {
                        throw error(item, "\(path).allow[\(i)]: '\(item.string ?? "?")' is not an IPv4 or IPv6 network in CIDR notation")
                    }
                    networks.append(net)
                }
                result[name] = PrincipalPolicy(allow: networks)
            }
        }
        return result
    }

    // MARK: Typed values

    private func error(_ node: Node, _ message: String) -> ConfigError {
        ConfigError(file: file, line: node.mark?.line, message: message)
    }

    private func mapping(_ node: Node, _ path: String, allowed: [String]) throws -> [(String, Node)] {
        guard case .mapping(let m) = node else {
            throw error(node, "\(path.isEmpty ? "the file" : path): expected a mapping of keys")
        }
        var pairs: [(String, Node)] = []
        var seen = Set<String>()
        for (k, v) in m {
            guard let key = k.string else { throw error(k, "\(path): keys must be text") }
            let full = path.isEmpty ? key : "\(path).\(key)"
            guard allowed.contains(key) else {
                throw error(k, "unknown key '\(full)' (known here: \(allowed.joined(separator: ", ")))")
            }
            guard seen.insert(key).inserted else { throw error(k, "'\(full)' is given twice") }
            pairs.append((key, v))
        }
        return pairs
    }

    private func boolean(_ node: Node, _ path: String) throws -> Bool {
        guard case .scalar = node, let b = node.bool else { throw error(node, "\(path): expected true or false") }
        return b
    }

    private func integer(_ node: Node, _ path: String, min: Int = Int.min, max: Int = Int.max) throws -> Int {
        guard case .scalar = node, let text = node.string, let v = Int(text.replacingOccurrences(of: "_", with: "")) else {
            throw error(node, "\(path): expected a whole number, got '\(node.string ?? "a collection")'")
        }
        guard v >= min && v <= max else { throw error(node, "\(path): \(v) is out of range (\(min)...\(max == Int.max ? "" : String(max)))") }
        return v
    }

    private func number(_ node: Node, _ path: String, min: Double, max: Double) throws -> Double {
        guard case .scalar = node, let text = node.string, let v = Double(text), v.isFinite else {
            throw error(node, "\(path): expected a number, got '\(node.string ?? "a collection")'")
        }
        guard v >= min else { throw error(node, "\(path): must be at least \(NumberFormat.decimal(min))") }
        guard v <= max else { throw error(node, "\(path): must be at most \(NumberFormat.decimal(max))") }
        return v
    }

    /// `90s`, `15m`, `6h`, `7d`, or a number of seconds.
    /// The ranges that keep every time in milliseconds and every count far from overflow.
    static let hour: Int64 = 3_600, day: Int64 = 86_400, year: Int64 = 365 * 86_400
    static let countLimit = 1_000_000_000

    /// `90s`, `15m`, `6h`, `7d`, or a number of seconds, from `min` to `max` seconds.
    private func duration(_ node: Node, _ path: String, min: Int64 = 0, max: Int64) throws -> Int64 {
        guard case .scalar = node, let text = node.string, let seconds = Self.parseDuration(text) else {
            throw error(node, "\(path): expected a duration such as 90s, 15m, 6h or 7d, got '\(node.string ?? "a collection")'")
        }
        guard seconds >= min else { throw error(node, "\(path): must be at least \(min) s") }
        guard seconds <= max else { throw error(node, "\(path): must be at most \(Self.durationText(max)) (\(NumberFormat.grouped(max)) s)") }
        return seconds
    }

    /// `1h`, `1d`, `365d`: a whole number of the largest unit that divides `seconds`.
    static func durationText(_ seconds: Int64) -> String {
        for (unit, size) in [("d", Int64(86_400)), ("h", 3_600), ("m", 60)] where seconds % size == 0 { return "\(seconds / size)\(unit)" }
        return "\(seconds)s"
    }

    /// A window or resolution delay in whole minutes, from 1 minute to `max` seconds.
    private func minutes(_ node: Node, _ path: String, max: Int64 = day) throws -> Int {
        let seconds = try duration(node, path, min: 60, max: max)
        guard seconds % 60 == 0 else { throw error(node, "\(path): windows are whole minutes") }
        return Int(seconds / 60)
    }

    /// Seconds in `90s`, `15m`, `6h`, `7d`, `2w`, or a plain number of seconds.
    public static func parseDuration(_ text: String) -> Int64? {
        let t = text.trimmingCharacters(in: .whitespaces)
        guard let last = t.last else { return nil }
        let units: [Character: Int64] = ["s": 1, "m": 60, "h": 3600, "d": 86_400, "w": 604_800]
        if let unit = units[last], let v = Int64(t.dropLast()), v >= 0, v < Int64.max / unit { return v * unit }
        if let v = Int64(t), v >= 0 { return v }
        return nil
    }


    private static func line(of error: YamlError) -> Int? {
        switch error {
        case .scanner(_, _, let mark, _), .parser(_, _, let mark, _), .composer(_, _, let mark, _): return mark.line
        default: return nil
        }
    }

    private static func problem(of error: YamlError) -> String {
        switch error {
        case .scanner(_, let problem, _, _), .parser(_, let problem, _, _), .composer(_, let problem, _, _): return problem
        case .duplicatedKeysInMapping(let duplicates, _): return "duplicated keys: \(duplicates.joined(separator: ", "))"
        default: return "\(error)"
        }
    }
}

extension Node {
    var scalar: Node.Scalar? {
        if case .scalar(let s) = self { return s }
        return nil
    }
}
