import Foundation
import NIOCore
import NIOHTTP1
import NIOPosix

/// Serves `GET /metrics` (the Prometheus text format) and `GET /healthz` over HTTP/1.1, on
/// one event-loop thread of its own, so that a scrape never waits for the follow loop and a
/// stuck follow loop still answers 503.
public final class MetricsServer: Sendable {
    private let group: MultiThreadedEventLoopGroup
    private let channel: any Channel
    /// Where it listens (the port the system chose, when asked for port 0).
    public let address: String

    /// Binds `host`:`port`.
    /// - Throws: `MetricsError` when the address cannot be bound (in use, not local).
    public init(host: String, port: Int, metrics: TailMetrics) throws(MetricsError) {
        let group = MultiThreadedEventLoopGroup(numberOfThreads: 1)
        let bootstrap = ServerBootstrap(group: group)
            .serverChannelOption(ChannelOptions.socketOption(.so_reuseaddr), value: 1)
            .childChannelInitializer { channel in
                channel.pipeline.configureHTTPServerPipeline(withErrorHandling: true).flatMap {
                    channel.pipeline.addHandler(MetricsHandler(metrics: metrics))
                }
            }
        do {
            channel = try bootstrap.bind(host: host, port: port).wait()
        } catch {
            try? group.syncShutdownGracefully()
            throw MetricsError("--metrics-listen \(host):\(port): cannot listen (\(error))")
        }
        self.group = group
        let bound = channel.localAddress
        let shown = bound.map { $0.protocol == .inet6 ? "[\($0.ipAddress ?? host)]" : ($0.ipAddress ?? host) } ?? host
        address = "\(shown):\(bound?.port ?? port)"
    }

    public func stop() {
        try? channel.close().wait()
        try? group.syncShutdownGracefully()
    }

    /// `ADDR:PORT`, `[V6]:PORT` or a port alone (on 127.0.0.1: the loopback unless told otherwise).
    public static func parse(_ text: String) -> (host: String, port: Int)? {
        func port(_ s: Substring) -> Int? { Int(s).flatMap { (0...65_535).contains($0) ? $0 : nil } }
        if let p = port(Substring(text)) { return ("127.0.0.1", p) }
        if text.hasPrefix("["), let close = text.firstIndex(of: "]") {
            let rest = text[text.index(after: close)...]
            guard rest.hasPrefix(":"), let p = port(rest.dropFirst()) else { return nil }
            return (String(text[text.index(after: text.startIndex)..<close]), p)
        }
        guard let colon = text.lastIndex(of: ":"), let p = port(text[text.index(after: colon)...]) else { return nil }
        let host = String(text[..<colon])
        return (host.isEmpty ? "127.0.0.1" : host, p)
    }
}

public struct MetricsError: Error, CustomStringConvertible {
    public var description: String
    init(_ description: String) { self.description = description }
}

private final class MetricsHandler: ChannelInboundHandler, @unchecked Sendable {
    typealias InboundIn = HTTPServerRequestPart
    typealias OutboundOut = HTTPServerResponsePart

    private let metrics: TailMetrics
    private var request: HTTPRequestHead?

    init(metrics: TailMetrics) { self.metrics = metrics }

    func channelRead(context: ChannelHandlerContext, data: NIOAny) {
        switch unwrapInboundIn(data) {
        case .head(let head):
            request = head
        case .body:
            break
        case .end:
            guard let head = request else { return }
            request = nil
            respond(to: head, context: context)
        }
    }

    private func respond(to head: HTTPRequestHead, context: ChannelHandlerContext) {
        let status: HTTPResponseStatus
        var body: [UInt8]
        var type = "text/plain; charset=utf-8"
        let path = head.uri.split(separator: "?", maxSplits: 1).first.map(String.init) ?? head.uri
        if head.method != .GET && head.method != .HEAD {
            (status, body) = (.methodNotAllowed, Array("only GET\n".utf8))
        } else if path == "/metrics" {
            status = .ok
            body = metrics.exposition()
            type = "text/plain; version=0.0.4; charset=utf-8"
        } else if path == "/healthz" {
            let problems = metrics.healthProblems()
            status = problems.isEmpty ? .ok : .serviceUnavailable
            body = Array((problems.isEmpty ? "ok\n" : problems.joined(separator: "\n") + "\n").utf8)
        } else {
            (status, body) = (.notFound, Array("not found: /metrics and /healthz are served\n".utf8))
        }
        var headers = HTTPHeaders()
        headers.add(name: "Content-Type", value: type)
        headers.add(name: "Content-Length", value: String(body.count))
        let keepAlive = head.isKeepAlive
        if !keepAlive { headers.add(name: "Connection", value: "close") }
        context.write(wrapOutboundOut(.head(HTTPResponseHead(version: head.version, status: status, headers: headers))), promise: nil)
        if head.method != .HEAD {
            context.write(wrapOutboundOut(.body(.byteBuffer(context.channel.allocator.buffer(bytes: body)))), promise: nil)
        }
        context.writeAndFlush(wrapOutboundOut(.end(nil))).whenComplete { [context] _ in
            if !keepAlive { context.close(promise: nil) }
        }
        body.removeAll()
    }
}
