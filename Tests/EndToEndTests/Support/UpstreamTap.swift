import Foundation
import HTTP1
import HTTPClient
import HTTPServer
import JSON
import Logging
import Reactor
import Synchronization
import TLS

/// A recording relay between the gateway and `withings-sim`: the gateway's
/// WITHINGS_API_URL points here, every call is forwarded unchanged, and each
/// access and refresh token the simulator hands out is noted. The simulator
/// does not list the tokens it issued, and the gateway must never show them,
/// so this is how a test learns the exact strings to look for in logs and
/// in the database file. A transport failure upstream (a reset injected by
/// the simulator) is passed on as a reset, so the gateway sees what it would
/// have seen directly.
final class UpstreamTap: Sendable {
    /// Paths of the API host (the account pages carry no token and are not relayed).
    static let relayedPaths = ["/v2/oauth2", "/v2/signature", "/measure"]

    private let group: EventLoopGroup
    private let client: HTTPClient
    private let server: HTTPServer
    private let ledger = TokenLedger()
    /// Origin of this relay, e.g. "https://127.0.0.1:40123".
    let origin: String

    /// - Parameters:
    ///   - upstream: the simulator's origin.
    ///   - tls: certificate files to serve HTTPS with, and the CA to trust upstream; nil = plain HTTP.
    init(upstream: String, tls: ThrowawayCertificates?) throws {
        group = try EventLoopGroup(threads: 1, name: "tap-client")
        var clientConfiguration = HTTPClientConfiguration()
        if let tls { clientConfiguration.tls = try TLSClientContext(caFile: tls.ca, useSystemTrust: false) }
        var logger = Logger(label: "upstream-tap")
        logger.logLevel = .critical
        client = HTTPClient(group: group, configuration: clientConfiguration, logger: logger)

        let relay = Relay(client: client, ledger: ledger, upstream: upstream)
        var router = Router()
        for path in Self.relayedPaths {
            for method in [HTTPMethod.get, .post] {
                router.add(method, path) { request, _ in await relay.forward(request) }
            }
        }
        var configuration = HTTPServerConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.threads = 1
        configuration.compression = false
        if let tls {
            configuration.tls = try TLSServerContext(certificateFile: tls.certificate, privateKeyFile: tls.key)
        }
        server = HTTPServer(configuration: configuration, router: router, logger: logger)
        try server.start()
        origin = "\(tls == nil ? "http" : "https")://127.0.0.1:\(server.port)"
    }

    /// Every access and refresh token the simulator issued through this relay, in order.
    var issuedTokens: [String] { ledger.tokens.withLock { $0 } }

    func shutdown() async {
        await server.shutdown()
        await client.shutdown()
        group.shutdown()
    }
}

/// The tokens seen so far (shared by the relay's concurrent handlers).
private final class TokenLedger: Sendable {
    let tokens = Mutex<[String]>([])

    /// Notes `access_token` and `refresh_token` of a token-endpoint answer.
    func record(answer: [UInt8]) {
        guard let body = (try? JSONParser.parse(answer))?["body"] else { return }
        let found = ["access_token", "refresh_token"].compactMap { body[$0]?.string }
        if !found.isEmpty { tokens.withLock { $0 += found } }
    }
}

private struct Relay: Sendable {
    private static let forwardedRequestHeaders = ["content-type", "authorization", "x-request-id"]
    /// Framing and encoding are the relay's own business on each hop.
    private static let droppedResponseHeaders: Set<String> = [
        "content-length", "transfer-encoding", "content-encoding", "connection", "date", "server", "vary",
    ]

    let client: HTTPClient
    let ledger: TokenLedger
    let upstream: String

    func forward(_ request: HTTPRequest) async -> HTTPResponse {
        var headers = HTTPHeaders()
        for name in Self.forwardedRequestHeaders {
            if let value = request.headers[name] { headers.add(name, value) }
        }
        let outbound = HTTPClientRequest(
            method: request.method, url: upstream + request.target, headers: headers, body: request.body)
        let answer: HTTPResponse
        do {
            answer = try await client.send(outbound, timeout: .seconds(60))
        } catch {
            // The simulator reset or cut the connection: do the same to the gateway.
            return HTTPResponse(status: 502, fault: .resetConnection)
        }
        if request.path == "/v2/oauth2" { ledger.record(answer: answer.body) }
        var relayed = HTTPHeaders()
        for field in answer.headers where !Self.droppedResponseHeaders.contains(field.name.lowercased()) {
            relayed.add(field.name, field.value)
        }
        return HTTPResponse(status: answer.status, headers: relayed, body: answer.body)
    }
}
