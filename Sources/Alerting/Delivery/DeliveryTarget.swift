import Foundation
import LogwatchConfig
import NIOSSL

/// A network sink with its secrets resolved, ready to send to.
public struct DeliveryTarget: Sendable {
    public enum Format: Sendable {
        /// One alert object per request, or a JSON array of up to `batch`.
        case webhook(batch: Int?)
        /// One message per request.
        case slack
        /// A JSON array of postable alerts; firing ones are sent again every `resend` seconds.
        case alertmanager(resendSeconds: Double)
    }

    public var name: String
    public var format: Format
    public var url: String
    public var headers: [(String, String)]
    public var signingSecret: String?
    public var tls: TLSConfiguration?

    public init(name: String, format: Format, url: String, headers: [(String, String)], signingSecret: String?, tls: TLSConfiguration?) {
        self.name = name
        self.format = format
        self.url = url
        self.headers = headers
        self.signingSecret = signingSecret
        self.tls = tls
    }

    /// The same URL, fit for messages.
    public var redactedURL: String { DeliveryRules.redact(url) }
}

extension DeliveryTarget {
    /// The target a sink's configuration describes, with its references resolved, its URL
    /// checked, and its TLS configuration (trust roots, client certificate) loaded.
    public init(resolving spec: SinkSpec, caFile: String?) throws {
        func resolve(_ ref: SecretReference, _ what: String) throws -> String {
            do { return try ref.resolve() } catch { throw SinkError("sink \(spec.name): \(what) \(ref): \(error)") }
        }
        let url = try resolve(spec.url ?? SecretReference(""), "url")
        guard let u = SinkURL.parse(url) else {
            throw SinkError("sink \(spec.name): url \(spec.url.map(\.description) ?? "") is not an http or https URL")
        }
        var endpoint = url
        if spec.kind == .alertmanager && !u.path.hasSuffix("/api/v2/alerts") {
            endpoint = (url.hasSuffix("/") ? String(url.dropLast()) : url) + "/api/v2/alerts"
        }
        let headers = try spec.headers.map { ($0.0, try resolve($0.1, "header \($0.0)")) }
        let secret = try spec.signingSecret.map { try resolve($0, "signing secret") }
        var tls: TLSConfiguration?
        if u.scheme == "https" {
            var t = TLSConfiguration.makeClientConfiguration()
            t.certificateVerification = .fullVerification
            if let ca = spec.caFile ?? caFile {
                guard FileManager.default.isReadableFile(atPath: ca) else { throw SinkError("sink \(spec.name): CA file \(ca) cannot be read") }
                t.additionalTrustRoots = [.file(ca)]
            }
            if let cert = spec.clientCertificate, let key = spec.clientKey {
                do {
                    t.certificateChain = try NIOSSLCertificate.fromPEMFile(cert).map { .certificate($0) }
                    t.privateKey = .privateKey(try NIOSSLPrivateKey(file: key, format: .pem))
                } catch {
                    throw SinkError("sink \(spec.name): client certificate \(cert) or key \(key): \(error)")
                }
            }
            tls = t
        }
        let format: DeliveryTarget.Format
        switch spec.kind {
        case .slack: format = .slack
        case .alertmanager: format = .alertmanager(resendSeconds: Double(spec.resendSeconds))
        default: format = .webhook(batch: spec.batch)
        }
        self.init(name: spec.name, format: format, url: endpoint, headers: headers, signingSecret: secret, tls: tls)
    }
}

/// Why a sink cannot be set up; names the sink, never a secret.
public struct SinkError: Error, CustomStringConvertible {
    public let description: String
    init(_ description: String) { self.description = description }
}
