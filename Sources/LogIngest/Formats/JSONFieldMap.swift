import LogwatchCore
#if canImport(Glibc)
import Glibc
#elseif canImport(Darwin)
import Darwin
#endif

/// Where each field of an event is found in JSON logs: dotted paths (nested objects and dotted
/// keys are the same thing here), in order of preference, per role.
///
/// The defaults cover Elastic Common Schema, nginx JSON as commonly configured, Caddy, Traefik,
/// Kong, Envoy, AWS API Gateway and ServiceNow table exports.
public struct JSONFieldMap: Sendable {
    struct Entry: Sendable {
        let role: FieldRole
        let rank: Int
        let unit: DurationUnit
    }

    private(set) var entries: [Entry] = []
    /// Each entry's path, and all of them end to end in `arena` (at `offsets`) for lookups.
    private var paths: [[UInt8]] = []
    private var arena: [UInt8] = []
    private var offsets: [Int] = []
    private var lengths: [Int] = []
    private var table: [Int32] = []
    private var mask = 0
    private var longestPath = 0

    public static let defaultPaths: [FieldRole: [String]] = [
        .time: ["@timestamp", "timestamp", "StartUTC", "StartLocal", "start_time", "time", "ts", "time_iso8601",
                "time_local", "started_at", "requestTimeEpoch", "requestTime", "requestContext.requestTimeEpoch",
                "sys_created_on", "sys_created_on.value", "datetime", "date", "event.created", "eventTime"],
        .sourceIP: ["source.ip", "client.ip", "source.address", "client.address", "remote_addr", "remote_ip",
                    "client_ip", "ClientHost", "ClientAddr", "request.remote_ip", "request.client_ip",
                    "downstream_remote_address", "identity.sourceIp", "requestContext.identity.sourceIp",
                    "sourceIp", "source_ip", "ip", "c-ip", "remote_ip.value"],
        .principal: ["principal", "user.name", "user.id", "client.user.name", "oauth.client_id", "client_id",
                     "api_key_id", "consumer.username", "consumer.custom_id", "consumer.id", "authenticated_entity.id",
                     "authorizer.principalId", "requestContext.authorizer.principalId", "principalId",
                     "identity.user", "identity.apiKeyId", "requestContext.identity.apiKeyId", "ClientUsername",
                     "user_id", "remote_user", "username", "user", "user.value"],
        .method: ["http.request.method", "request_method", "method", "request.method", "RequestMethod", "httpMethod",
                  "http_method", "requestContext.httpMethod"],
        .path: ["url.original", "url.path", "request_uri", "uri", "path", "request.uri", "RequestPath", "request.url",
                "url.full", "url", "requestContext.path", "url.value", "path.value"],
        .requestLine: ["request"],
        .status: ["http.response.status_code", "status", "response.status", "DownstreamStatus", "response_code",
                  "http_status", "statusCode", "status_code", "sc-status", "response_status", "response_status.value", "http_status.value"],
        .duration: ["event.duration", "request_time", "Duration", "duration", "latencies.request", "responseLatency",
                    "response_time", "time_taken", "duration_ms", "latency", "response_time.value"],
        .bytes: ["http.response.bytes", "http.response.body.bytes", "body_bytes_sent", "bytes_sent", "size",
                 "DownstreamContentSize", "response.size", "responseLength", "output_length", "bytes", "response_bytes", "output_length.value"],
        .apiType: ["type", "api_type", "integration_type", "protocol", "type.value"],
        .errorText: ["error", "error.code", "error.message", "error.type", "error_code", "error_description",
                     "oauth_error", "fault", "faultcode", "fault_code", "soap_fault", "authorizer.error",
                     "error_message", "errorMessage"],
        // ServiceNow's tables (`ServiceNowRecord`); `X.value` where every field is an object
        // `{"value": ..., "display_value": ...}` (the Table API's `sysparm_display_value=all`).
        .createdBy: ["sys_created_by", "sys_created_by.value"],
        .eventName: ["name", "name.value"],
        .parm1: ["parm1", "parm1.value"],
        .parm2: ["parm2", "parm2.value"],
        .message: ["message", "message.value"],
        .host: ["hostname", "hostname.value"],
        .recordID: ["sys_id", "sys_id.value"],
    ]

    /// Units of the duration fields whose producers fix them.
    static let durationUnits: [String: DurationUnit] = [
        "event.duration": .nanoseconds, "Duration": .nanoseconds, "request_time": .seconds,
        "latencies.request": .milliseconds, "responseLatency": .milliseconds, "response_time": .milliseconds,
        "time_taken": .milliseconds, "duration_ms": .milliseconds, "response_time.value": .milliseconds,
    ]

    /// The default map with `overrides` (role to path) replacing a role's defaults entirely.
    public init(overrides: [FieldRole: String] = [:]) {
        for role in FieldRole.allCases {
            if let path = overrides[role] {
                add(path, role: role, rank: 0, unit: role == .duration ? .milliseconds : .auto)
            } else {
                for (rank, path) in (Self.defaultPaths[role] ?? []).enumerated() {
                    add(path, role: role, rank: rank, unit: Self.durationUnits[path] ?? .auto)
                }
            }
        }
        var size = 16
        while size < entries.count * 4 { size *= 2 }
        table = Array(repeating: -1, count: size)
        mask = size - 1
        for (index, path) in paths.enumerated() {
            offsets.append(arena.count)
            lengths.append(path.count)
            arena.append(contentsOf: path)
            longestPath = max(longestPath, path.count)
            var slot = path.withUnsafeBytes { Self.hash($0) } & mask
            while table[slot] >= 0 { slot = (slot + 1) & mask }
            table[slot] = Int32(index)
        }
    }

    private mutating func add(_ path: String, role: FieldRole, rank: Int, unit: DurationUnit) {
        // A path named for two roles keeps its first role.
        let bytes = Array(path.utf8)
        guard !paths.contains(bytes) else { return }
        paths.append(bytes)
        entries.append(Entry(role: role, rank: rank, unit: unit))
    }

    @inline(__always)
    static func hash(_ bytes: UnsafeRawBufferPointer) -> Int {
        Int(truncatingIfNeeded: FastHash.bytes(bytes) >> 1)
    }

    /// The entry for a dotted path, found without allocating.
    func lookup(_ path: UnsafeRawBufferPointer) -> Entry? {
        guard path.count <= longestPath, !path.isEmpty else { return nil }
        var slot = Self.hash(path) & mask
        return arena.withUnsafeBytes { arena in
            while true {
                let index = Int(table[slot])
                if index < 0 { return nil }
                if lengths[index] == path.count && memcmp(arena.baseAddress! + offsets[index], path.baseAddress!, path.count) == 0 {
                    return entries[index]
                }
                slot = (slot + 1) & mask
            }
        }
    }
}
