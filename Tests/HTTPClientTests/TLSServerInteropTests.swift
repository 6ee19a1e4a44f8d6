import Foundation
import HTTP1
import HTTPServer
import Logging
import Reactor
import TLS
import Testing

@testable import HTTPClient
import TestCertificates

/// The client against the project's own server over HTTPS with the
/// throw-away CA: what the gateway does against `withings-sim --tls-cert`.
@Suite struct TLSServerInteropTests {
    /// 1 MiB with no short period, so a misplaced record shows.
    static let mebibyte: [UInt8] = {
        var state: UInt64 = 0x2545_F491_4F6C_DD1D
        return (0..<(1024 * 1024)).map { _ in
            state ^= state << 13
            state ^= state >> 7
            state ^= state << 17
            return UInt8(truncatingIfNeeded: state)
        }
    }()

    /// An HTTPS server and a client trusting `trust`; both always stopped.
    private func withTLSPair(
        trust: String = "ca.pem", maxConnectionsPerOrigin: Int = 2,
        _ body: (HTTPClient, String, HTTPServer) async throws -> Void
    ) async throws {
        let pki = try TestPKI.shared
        var router = Router()
        router.add(.get, "/hello") { _, _ in HTTPResponse(status: 200, contentType: "text/plain", body: "hello") }
        router.add(.get, "/big") { _, _ in
            HTTPResponse(status: 200, headers: ["Content-Type": "application/octet-stream"], body: Self.mebibyte)
        }
        router.add(.post, "/echo") { request, _ in
            HTTPResponse(status: 200, headers: ["Content-Type": "application/octet-stream"], body: request.body)
        }
        var configuration = HTTPServerConfiguration()
        configuration.port = 0
        configuration.threads = 1
        configuration.limits.maxBodyBytes = 4 * 1024 * 1024
        configuration.tls = try TLSServerContext(
            certificateFile: pki.path("server.pem"), privateKeyFile: pki.path("server.key"))
        let server = HTTPServer(configuration: configuration, router: router, logger: Logger(label: "tls-interop-server"))
        try server.start()

        var clientConfiguration = HTTPClientConfiguration()
        clientConfiguration.tls = try TLSClientContext(caFile: pki.path(trust), useSystemTrust: false)
        clientConfiguration.maxConnectionsPerOrigin = maxConnectionsPerOrigin
        let group = try EventLoopGroup(threads: 1, name: "tls-interop-client")
        let client = HTTPClient(group: group, configuration: clientConfiguration, logger: Logger(label: "tls-interop"))

        let outcome: Result<Void, any Error>
        do {
            try await body(client, "https://127.0.0.1:\(server.port)", server)
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        await client.shutdown()
        await server.shutdown()
        // Joining loop threads blocks: not on the two shared concurrency threads.
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread {
                group.shutdown()
                continuation.resume()
            }.start()
        }
        try outcome.get()
    }

    @Test func sequentialCallsShareOneTLSConnection() async throws {
        try await withTLSPair(maxConnectionsPerOrigin: 1) { client, base, _ in
            for index in 0..<5 {
                let get = try await client.send(HTTPClientRequest(method: .get, url: base + "/hello"), timeout: .seconds(30))
                #expect(get.status == 200 && get.body == Array("hello".utf8), "call \(index)")
                let post = try await client.send(
                    .form(url: base + "/echo", [("call", "\(index)")]), timeout: .seconds(30))
                #expect(String(decoding: post.body, as: UTF8.self) == "call=\(index)")
            }
            #expect(await client.openConnections(to: base) == 1)
        }
    }

    @Test func concurrentCallsAndAMebibyteEachWay() async throws {
        try await withTLSPair { client, base, _ in
            let upload = Array(Self.mebibyte.reversed())
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                tasks.addTask {
                    let echoed = try await client.send(
                        HTTPClientRequest(
                            method: .post, url: base + "/echo", headers: ["Content-Type": "application/octet-stream"],
                            body: upload),
                        timeout: .seconds(60))
                    #expect(echoed.status == 200)
                    #expect(echoed.body == upload)
                }
                tasks.addTask {
                    let downloaded = try await client.send(
                        HTTPClientRequest(method: .get, url: base + "/big"), timeout: .seconds(60))
                    #expect(downloaded.status == 200)
                    #expect(downloaded.body == Self.mebibyte)
                }
                for _ in 0..<10 {
                    tasks.addTask {
                        let response = try await client.send(
                            HTTPClientRequest(method: .get, url: base + "/hello"), timeout: .seconds(60))
                        #expect(response.body == Array("hello".utf8))
                    }
                }
                try await tasks.waitForAll()
            }
            #expect(await client.openConnections(to: base) <= 2)
        }
    }

    @Test func aClientTrustingAnotherCARefusesTheServer() async throws {
        try await withTLSPair(trust: "other-ca.pem") { client, base, server in
            do throws(HTTPClientError) {
                let response = try await client.send(
                    HTTPClientRequest(method: .get, url: base + "/hello"), timeout: .seconds(30))
                Issue.record("expected a TLS failure, got status \(response.status)")
            } catch {
                guard case .tls(let reason) = error else {
                    Issue.record("expected .tls, got \(error)")
                    return
                }
                #expect(reason.contains("certificate"), "\(reason)")
            }
            // The refused handshake cost the server nothing lasting.
            for _ in 0..<500 where server.openConnections > 0 { try await Task.sleep(for: .milliseconds(20)) }
            #expect(server.openConnections == 0)
        }
    }
}
