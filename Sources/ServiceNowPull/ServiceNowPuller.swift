import AsyncHTTPClient
import Foundation
import LogIngest
import LogwatchCore
import NIOCore
import NIOHTTP1

/// What `tail --servicenow` pulls, and how.
public struct ServiceNowPullSettings: Sendable {
    public enum Auth: Sendable {
        /// OAuth 2.0 client credentials: a token from `POST /oauth_token.do`, renewed before it expires.
        case oauth(clientID: String, clientSecret: String)
        case basic(user: String, password: String)
    }

    /// The instance's base URL (`https://INSTANCE.service-now.com`).
    public var instance: String
    public var auth: Auth
    public var tables = ServiceNowPullSettings.defaultTables
    /// Rows per request (`sysparm_limit`).
    public var pageSize = 1000
    /// Requests a minute at most, over all tables (tokens included).
    public var maxRequestsPerMinute = 60
    /// Seconds between pulls once caught up.
    public var pollInterval = 10.0
    /// How far back each pull reads again (milliseconds), for rows committed after later ones.
    public var overlapMs: Int64 = 120_000
    /// Where a first start begins (milliseconds since the epoch); nil: the oldest row.
    public var start: Int64?
    /// Seconds a request may take.
    public var timeout = 60.0

    public static let defaultTables = ["syslog_transaction", "sysevent", "syslog", "sys_outbound_http_log"]

    public init(instance: String, auth: Auth) {
        self.instance = instance.hasSuffix("/") ? String(instance.dropLast()) : instance
        self.auth = auth
    }
}

/// Rows pulled over one span of time from every table, as events in time order, and the
/// cursors that stand after them.
public struct PulledBatch: Sendable {
    public let events: [TransactionEvent]
    public let cursors: [PullCursor]
    public let rows: Int
}

/// Follows ServiceNow's log tables through the Table API, as `FileFollower` follows files.
///
/// Time moves in spans: each pull reads every table's rows created in [position - overlap,
/// end), pages them with `sysparm_offset`, drops the `sys_id`s already handed on, and hands
/// the rest on as one batch in time order, so that tables read one after another still give
/// events in time order. A first start backfills in spans that grow while they are sparse
/// (up to six hours) and shrink while they are dense; once caught up, a pull every
/// `pollInterval` reads up to now. The cursors in each batch are what the caller saves with
/// the engine state: a restart (even after kill -9) reads again from there and drops what
/// was handed on, so no row is skipped or counted twice.
///
/// Requests are paced to `maxRequestsPerMinute`; 429 waits for `Retry-After`, 5xx and network
/// failures back off (1 s doubling to 60 s), a 401 renews an OAuth token once. Redirects are
/// never followed (a redirect could send the credentials to another host).
public final class ServiceNowPuller: @unchecked Sendable {
    private let settings: ServiceNowPullSettings
    private let options: IngestOptions
    private let inputIndex: [String: Int32]
    private let lock = NSLock()
    private var batches: [PulledBatch] = []
    private var notices: [String] = []
    private var stopRequested = false
    private let finished = DispatchSemaphore(value: 0)
    private var started = false
    private var cursors: [String: PullCursor]
    private var requestTimes: [Double] = []
    private var token: (value: String, renewAt: Double)?
    private var tables: [String]
    private var counts = (requests: 0, rows: 0, retries: 0)
    /// Batches waiting to be taken, at most: the pull waits meanwhile.
    static let maxWaiting = 4

    /// - Parameters:
    ///   - cursors: the saved cursors of this instance, by table (empty on a first start).
    ///   - inputIndex: each table's input number (for the events' origin).
    public init(settings: ServiceNowPullSettings, cursors: [String: PullCursor], options: IngestOptions, inputIndex: [String: Int32]) {
        self.settings = settings
        self.cursors = cursors
        var options = options
        options.format = .json
        self.options = options
        self.inputIndex = inputIndex
        tables = settings.tables
    }

    public func start() {
        lock.withLock { started = true }
        Task.detached { [self] in
            var configuration = HTTPClient.Configuration(timeout: .init(connect: .seconds(10), read: .milliseconds(Int64(settings.timeout * 1000))))
            configuration.redirectConfiguration = .disallow
            let client = HTTPClient(eventLoopGroupProvider: .singleton, configuration: configuration)
            await run(client)
            try? await client.shutdown()
            finished.signal()
        }
    }

    /// Stops after the request in flight (waiting at most `grace` seconds).
    public func stop(grace: Double = 5) {
        let wasStarted = lock.withLock { () -> Bool in
            stopRequested = true
            return started
        }
        if wasStarted { _ = finished.wait(timeout: .now() + grace) }
    }

    /// The batches pulled since the last call, oldest first.
    public func take() -> [PulledBatch] {
        lock.withLock {
            defer { batches.removeAll() }
            return batches
        }
    }

    /// What happened that the operator should hear of (retries, refusals), since the last call.
    public func takeNotices() -> [String] {
        lock.withLock {
            defer { notices.removeAll() }
            return notices
        }
    }

    /// Requests made, rows pulled, requests retried.
    public var totals: (requests: Int, rows: Int, retries: Int) { lock.withLock { counts } }

    private var shouldStop: Bool { lock.withLock { stopRequested } }

    private func notice(_ text: String) {
        lock.withLock { notices.append("servicenow: " + text) }
    }

    // MARK: - The pull loop

    private func run(_ client: HTTPClient) async {
        var position: Int64
        if let saved = cursors.values.map(\.position).min() {
            position = saved
        } else if let start = settings.start {
            position = start
        } else {
            guard let oldest = await oldestRow(client) else { return }
            position = oldest ?? Self.nowMs()
        }
        var seen: [String: [String: Int64]] = [:]
        for table in tables { seen[table] = Dictionary(cursors[table]?.seen.map { ($0, position) } ?? [], uniquingKeysWith: { a, _ in a }) }
        var span: Int64 = 15 * 60_000
        while !shouldStop {
            let now = Self.nowMs()
            let end = min(position + span, now)
            let live = end == now
            var rows: [(table: String, created: Int64, row: [String: Any])] = []
            for table in tables {
                var offset = 0
                // nil: the table was refused for good (and left out), or a stop was asked for.
                while !shouldStop, let page = await fetch(client, table: table, from: position - settings.overlapMs, to: end, offset: offset) {
                    for row in page {
                        guard let id = Self.text(row["sys_id"]), let created = Self.text(row["sys_created_on"]).flatMap(Self.parseTime) else { continue }
                        if seen[table]?[id] != nil { continue }
                        seen[table, default: [:]][id] = created
                        rows.append((table, created, row))
                    }
                    if page.count < settings.pageSize { break }
                    offset += settings.pageSize
                }
            }
            if shouldStop { return }
            let order = Dictionary(uniqueKeysWithValues: tables.enumerated().map { ($1, $0) })
            rows.sort { ($0.created, order[$0.table] ?? 0) < ($1.created, order[$1.table] ?? 0) }
            let events = makeEvents(rows)
            for table in tables {
                seen[table] = seen[table]?.filter { $0.value >= end - settings.overlapMs } ?? [:]
            }
            let batch = PulledBatch(events: events, cursors: tables.map {
                PullCursor(source: settings.instance, table: $0, position: end, seen: (seen[$0] ?? [:]).keys.sorted())
            }, rows: rows.count)
            // Wait while the caller has not taken what was pulled before.
            while !shouldStop && lock.withLock({ batches.count >= Self.maxWaiting }) { try? await Task.sleep(nanoseconds: 50_000_000) }
            lock.withLock {
                batches.append(batch)
                counts.rows += rows.count
            }
            position = end
            if rows.count > 20_000 { span = max(60_000, span / 2) } else if rows.count < 2_000 { span = min(6 * 3_600_000, span * 2) }
            if live { await pause(settings.pollInterval) }
        }
    }

    /// Events of the rows, in the rows' order (a reader per run of rows from one table).
    private func makeEvents(_ rows: [(table: String, created: Int64, row: [String: Any])]) -> [TransactionEvent] {
        var events: [TransactionEvent] = []
        var i = 0
        while i < rows.count {
            var j = i
            var text: [UInt8] = []
            while j < rows.count && rows[j].table == rows[i].table {
                if let data = try? JSONSerialization.data(withJSONObject: rows[j].row) { text += data; text.append(0x0A) }
                j += 1
            }
            let table = rows[i].table
            if let reader = try? LogReader(bytes: text, name: "\(settings.instance)/\(table)", inputIndex: inputIndex[table] ?? 0, options: options) {
                while let e = try? reader.next() { events.append(e) }
            }
            i = j
        }
        return events
    }

    /// The creation time of the oldest row of any table; nil (and so the run ends) only on stop.
    private func oldestRow(_ client: HTTPClient) async -> Int64?? {
        var oldest: Int64?
        for table in tables {
            guard let page = await request(client, table: table, query: "ORDERBYsys_created_on", limit: 1, offset: 0, fields: "sys_created_on") else {
                if shouldStop { return nil }
                continue
            }
            if let t = page.first.flatMap({ Self.text($0["sys_created_on"]) }).flatMap(Self.parseTime) { oldest = min(oldest ?? t, t) }
        }
        return .some(oldest)
    }

    private func fetch(_ client: HTTPClient, table: String, from: Int64, to: Int64, offset: Int) async -> [[String: Any]]? {
        let query = "sys_created_on>=\(Self.format(from))^sys_created_on<\(Self.format(to))^ORDERBYsys_created_on^ORDERBYsys_id"
        return await request(client, table: table, query: query, limit: settings.pageSize, offset: offset, fields: nil)
    }

    /// One page of a table, retried until it comes, the table is refused for good (it is then
    /// dropped), or a stop is asked for (nil for both).
    private func request(_ client: HTTPClient, table: String, query: String, limit: Int, offset: Int, fields: String?) async -> [[String: Any]]? {
        var components = URLComponents(string: "\(settings.instance)/api/now/table/\(table)")!
        var items = [URLQueryItem(name: "sysparm_query", value: query), URLQueryItem(name: "sysparm_limit", value: String(limit)),
                     URLQueryItem(name: "sysparm_offset", value: String(offset)), URLQueryItem(name: "sysparm_display_value", value: "false"),
                     URLQueryItem(name: "sysparm_exclude_reference_link", value: "true")]
        if let fields { items.append(URLQueryItem(name: "sysparm_fields", value: fields)) }
        components.queryItems = items
        // "+" is a space in a query string: the encoded query must keep its own.
        components.percentEncodedQuery = components.percentEncodedQuery?.replacingOccurrences(of: "+", with: "%2B")
        let url = components.url!.absoluteString
        var backoff = 1.0
        var renewed = false
        while !shouldStop {
            var req = HTTPClientRequest(url: url)
            req.method = .GET
            req.headers.add(name: "Accept", value: "application/json")
            guard let authorization = await authorization(client) else { return nil }
            req.headers.add(name: "Authorization", value: authorization)
            await pace()
            do {
                let response = try await client.execute(req, timeout: .milliseconds(Int64(settings.timeout * 1000)))
                let body = try await response.body.collect(upTo: 256 << 20)
                lock.withLock { counts.requests += 1 }
                switch response.status.code {
                case 200:
                    guard let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any],
                          let result = object["result"] as? [[String: Any]] else {
                        notice("\(table): the answer is not a Table API result; retrying in \(Int(backoff)) s")
                        break
                    }
                    return result
                case 401 where !renewed:
                    if case .oauth = settings.auth {
                        lock.withLock { token = nil }
                        renewed = true
                        continue
                    }
                    notice("\(table): HTTP 401: the user name or password is refused; retrying in \(Int(backoff)) s")
                case 403, 404:
                    notice("\(table): HTTP \(response.status.code): the user cannot read this table (it needs read access to \(table)); it is left out")
                    lock.withLock { tables.removeAll { $0 == table } }
                    return nil
                case 429:
                    let wait = response.headers.first(name: "Retry-After").flatMap(Double.init).map { min(max($0, 1), 300) } ?? backoff
                    lock.withLock { counts.retries += 1 }
                    notice("\(table): HTTP 429 (rate limited): waiting \(Int(wait)) s as Retry-After says")
                    await pause(wait)
                    continue
                default:
                    notice("\(table): HTTP \(response.status.code); retrying in \(Int(backoff)) s")
                }
            } catch {
                notice("\(table): \(error); retrying in \(Int(backoff)) s")
            }
            lock.withLock { counts.retries += 1 }
            await pause(backoff)
            backoff = min(backoff * 2, 60)
        }
        return nil
    }

    /// The Authorization header: basic, or a bearer token fetched (or renewed) when needed.
    private func authorization(_ client: HTTPClient) async -> String? {
        switch settings.auth {
        case .basic(let user, let password):
            return "Basic " + Data("\(user):\(password)".utf8).base64EncodedString()
        case .oauth(let id, let secret):
            if let t = lock.withLock({ token }), Date().timeIntervalSince1970 < t.renewAt { return "Bearer \(t.value)" }
            var backoff = 1.0
            while !shouldStop {
                var req = HTTPClientRequest(url: "\(settings.instance)/oauth_token.do")
                req.method = .POST
                req.headers.add(name: "Content-Type", value: "application/x-www-form-urlencoded")
                req.headers.add(name: "Accept", value: "application/json")
                req.body = .bytes(ByteBuffer(string: "grant_type=client_credentials&client_id=\(Self.formEncode(id))&client_secret=\(Self.formEncode(secret))"))
                await pace()
                do {
                    let response = try await client.execute(req, timeout: .milliseconds(Int64(settings.timeout * 1000)))
                    let body = try await response.body.collect(upTo: 1 << 20)
                    lock.withLock { counts.requests += 1 }
                    if response.status == .ok, let object = try? JSONSerialization.jsonObject(with: Data(body.readableBytesView)) as? [String: Any],
                       let value = object["access_token"] as? String {
                        let lifetime = (object["expires_in"] as? Double) ?? Double(object["expires_in"] as? String ?? "") ?? 1800
                        // Renewed before it runs out: a fifth of its life, at most a minute, early.
                        let renewAt = Date().timeIntervalSince1970 + lifetime - min(60, lifetime / 5)
                        lock.withLock { token = (value, renewAt) }
                        return "Bearer \(value)"
                    }
                    notice("oauth_token.do: HTTP \(response.status.code): no token for client \(id); retrying in \(Int(backoff)) s")
                } catch {
                    notice("oauth_token.do: \(error); retrying in \(Int(backoff)) s")
                }
                await pause(backoff)
                backoff = min(backoff * 2, 60)
            }
            return nil
        }
    }

    /// Waits until one more request keeps within `maxRequestsPerMinute`.
    private func pace() async {
        while !shouldStop {
            let now = Date().timeIntervalSince1970
            let wait = lock.withLock { () -> Double in
                requestTimes.removeAll { $0 <= now - 60 }
                if requestTimes.count < settings.maxRequestsPerMinute {
                    requestTimes.append(now)
                    return 0
                }
                return requestTimes[0] + 60 - now
            }
            if wait <= 0 { return }
            await pause(min(wait, 1))
        }
    }

    private func pause(_ seconds: Double) async {
        let until = Date().timeIntervalSince1970 + seconds
        while !shouldStop && Date().timeIntervalSince1970 < until {
            try? await Task.sleep(nanoseconds: 50_000_000)
        }
    }

    // MARK: - Values

    static func nowMs() -> Int64 { Int64(Date().timeIntervalSince1970 * 1000) }

    static func text(_ value: Any?) -> String? {
        if let s = value as? String { return s }
        if let object = value as? [String: Any] { return object["value"] as? String }
        return nil
    }

    /// `2025-11-24 09:00:01` (UTC, as the Table API writes raw date-times) to milliseconds.
    static func parseTime(_ text: String) -> Int64? {
        let b = Array(text.utf8)
        guard b.count == 19 else { return nil }
        func n(_ from: Int, _ count: Int) -> Int? {
            var v = 0
            for i in from..<(from + count) {
                guard b[i] >= 48 && b[i] <= 57 else { return nil }
                v = v * 10 + Int(b[i] - 48)
            }
            return v
        }
        guard let y = n(0, 4), let mo = n(5, 2), let d = n(8, 2), let h = n(11, 2), let mi = n(14, 2), let s = n(17, 2) else { return nil }
        return (Int64(EventTime.daysFromCivil(year: y, month: mo, day: d)) * 86_400 + Int64(h * 3600 + mi * 60 + s)) * 1000
    }

    /// Milliseconds to the Table API's date-time (whole seconds, rounded down).
    static func format(_ ms: Int64) -> String {
        let seconds = ms >= 0 ? ms / 1000 : (ms - 999) / 1000
        let days = seconds >= 0 ? seconds / 86_400 : (seconds - 86_399) / 86_400
        let rest = Int(seconds - days * 86_400)
        let (y, m, d) = EventTime.civilFromDays(Int(days))
        return String(format: "%04d-%02d-%02d %02d:%02d:%02d", y, m, d, rest / 3600, rest / 60 % 60, rest % 60)
    }

    static func formEncode(_ s: String) -> String {
        var allowed = CharacterSet.alphanumerics
        allowed.insert(charactersIn: "-._~")
        return s.addingPercentEncoding(withAllowedCharacters: allowed) ?? s
    }
}
