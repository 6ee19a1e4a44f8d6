import Glibc
import HTTP1
import HTTPServer
import Logging
import Testing

@testable import WithingsSim

/// The simulator mounted on the project's HTTPServer (port 0), talked to
/// over a real loopback socket: the transport faults only exist there.
struct ServedSimulatorTests {
    private struct Served {
        let harness: Harness
        let server: HTTPServer

        init(_ adjust: (inout SimulatorConfiguration) -> Void = { _ in }) throws {
            harness = Harness(adjust)
            var router = Router()
            harness.sim.install(into: &router)
            var configuration = HTTPServerConfiguration()
            configuration.port = 0
            configuration.threads = 1
            configuration.shutdownTimeout = .seconds(2)
            var logger = Logger(label: "sim-test") { _ in SwiftLogNoOpLogHandler() }
            logger.logLevel = .critical
            server = HTTPServer(configuration: configuration, router: router, logger: logger)
            try server.start()
        }

        /// One request on a fresh connection: the parsed answer, or the
        /// parser's error when the connection ended early.
        func exchange(_ request: HTTPRequest) throws -> Result<HTTPResponse, HTTP1Error> {
            let socket = try LoopbackSocket(port: server.port)
            var bytes: [UInt8] = []
            HTTPRequestEncoder.encode(request, host: "127.0.0.1:\(server.port)", into: &bytes)
            try socket.send(bytes)
            var parser = HTTPResponseParser()
            for _ in 0..<10_000 {
                guard let chunk = try socket.receive() else {
                    do {
                        guard let response = try parser.finish(for: request.method) else {
                            return .failure(HTTP1Error(status: 0, reason: "closed before a response"))
                        }
                        return .success(response)
                    } catch {
                        return .failure(error)
                    }
                }
                parser.append(chunk)
                do {
                    if let response = try parser.next(for: request.method) { return .success(response) }
                } catch {
                    return .failure(error)
                }
            }
            throw LoopbackSocket.Failure(description: "response never completed")
        }
    }

    /// Runs `body` against a served simulator and always shuts the server down.
    private func withServed(
        _ adjust: (inout SimulatorConfiguration) -> Void = { _ in }, _ body: (Served) async throws -> Void
    ) async throws {
        let served = try Served(adjust)
        do {
            try await body(served)
        } catch {
            await served.server.shutdown()
            throw error
        }
        await served.server.shutdown()
    }

    @Test func oauthFlowAndGetmeasOverTheWire() async throws {
        try await withServed { served in
            let redirect = try served.exchange(HTTPRequest(
                method: .get,
                target: "/oauth2_user/authorize2?response_type=code&client_id=demo-client&scope=user.metrics&state=x&redirect_uri="
                    + URLEncoding.percentEncode("http://localhost:8080/oauth/callback"))).get()
            #expect(redirect.status == 302)
            let code = try #require(try redirectParameters(redirect)["code"])
            let form = URLEncoding.encodeForm([
                ("action", "requesttoken"), ("grant_type", "authorization_code"), ("client_id", "demo-client"),
                ("client_secret", "demo-secret"), ("code", code), ("redirect_uri", "http://localhost:8080/oauth/callback"),
            ].map { (name: $0.0, value: $0.1) })
            let grant = try served.exchange(HTTPRequest(
                method: .post, target: "/v2/oauth2", headers: ["Content-Type": "application/x-www-form-urlencoded"],
                body: Array(form.utf8))).get()
            let token = try TokenBody(try envelope(grant)).accessToken
            let page = try served.exchange(HTTPRequest(
                method: .get, target: "/measure?action=getmeas&meastype=1", headers: ["Authorization": "Bearer " + token])).get()
            let body = try #require(try envelope(page)["body"] as? [String: Any])
            #expect((body["measuregrps"] as? [Any])?.count == 200)
        }
    }

    @Test func truncatedAndResetAnswersReachTheClientAsSuch() async throws {
        try await withServed { served in
            let token = try await served.harness.connect().accessToken
            let request = HTTPRequest(method: .get, target: "/measure?action=getmeas", headers: ["Authorization": "Bearer " + token])
            served.harness.sim.schedule(.truncateBody)
            guard case .failure = try served.exchange(request) else {
                Issue.record("a truncated body parsed as complete")
                return
            }
            served.harness.sim.schedule(.resetConnection)
            guard case .failure = try served.exchange(request) else {
                Issue.record("a reset connection produced an answer")
                return
            }
            #expect(try served.exchange(request).get().status == 200)
        }
    }

    @Test func controlRoutesAreMountedButRefusedWhenDisabled() async throws {
        try await withServed({ $0.control = false }) { served in
            let refused = try served.exchange(HTTPRequest(method: .get, target: "/_sim/counters")).get()
            #expect(refused.status == 403)
            let unknown = try served.exchange(HTTPRequest(method: .get, target: "/nothing")).get()
            #expect(unknown.status == 404)
            let wrongMethod = try served.exchange(HTTPRequest(method: .delete, target: "/measure")).get()
            #expect(wrongMethod.status == 405)
        }
    }
}

/// A blocking loopback TCP client whose every read is bounded by a timeout.
private final class LoopbackSocket {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    private let fd: Int32

    init(port: Int) throws {
        fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw Failure(description: "socket: errno \(errno)") }
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_port = in_port_t(UInt16(port).bigEndian)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        let result = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard result == 0 else {
            let code = errno
            Glibc.close(fd)
            throw Failure(description: "connect: errno \(code)")
        }
    }

    deinit { Glibc.close(fd) }

    func send(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { throw Failure(description: "send: errno \(errno)") }
            offset += count
        }
    }

    /// The next bytes; nil at end of stream or on a reset.
    func receive() throws -> [UInt8]? {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = recv(fd, &chunk, chunk.count, 0)
        if count > 0 { return Array(chunk[..<count]) }
        if count == 0 { return nil }
        let code = errno
        if code == ECONNRESET { return nil }
        throw Failure(description: code == EAGAIN ? "receive timed out" : "recv: errno \(code)")
    }
}
