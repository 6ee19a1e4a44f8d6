import Foundation
import Glibc
import HTTP1
import Testing
import TLS

@testable import HTTPServer

/// A blocking TLS client over a loopback socket, for one test.
/// `@unchecked Sendable`: used by one test at a time, each call awaited.
final class TLSTestClient: @unchecked Sendable {
    private let socket: TestClient
    private let session: TLSSession

    init(port: Int, caFile: String, receiveBuffer: Int32? = nil) throws {
        socket = try TestClient(port: port, receiveBuffer: receiveBuffer)
        session = try TLSSession(
            client: TLSClientContext(caFile: caFile, useSystemTrust: false), serverName: "localhost")
    }

    /// Sends `request` and returns every plaintext byte until the server
    /// closes (the last request should say Connection: close).
    func exchange(_ request: String) async throws -> String {
        try await testIO.run { try self.exchangeBlocking(request) }
    }

    private func exchangeBlocking(_ request: String) throws -> String {
        try session.writePlaintext(Array(request.utf8))
        var plaintext: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 16384)
        while true {
            _ = try session.handshake()
            let out = session.takeCiphertext()
            if !out.isEmpty { try socket.sendBlocking(out) }
            if session.isHandshakeComplete {
                if case .closed = try session.readPlaintext(into: &plaintext) { break }
            }
            let count = recv(socket.fd, &chunk, chunk.count, 0)
            if count <= 0 {
                session.receiveEndOfStream()
                _ = try? session.readPlaintext(into: &plaintext)
                break
            }
            session.receive(ciphertext: Array(chunk[..<count]))
        }
        return String(decoding: plaintext, as: UTF8.self)
    }
}

@Suite struct TLSServerTests {
    @Test func httpsServesKeepAliveRequestsThenCloses() async throws {
        let pki = try await testIO.run { try TestPKI.shared }  // openssl runs off the shared pool
        let context = try TLSServerContext(certificateFile: pki.path("server.pem"), privateKeyFile: pki.path("server.key"))
        try await withServer(configure: { $0.tls = context }, routes: standardRoutes) { server in
            let client = try TLSTestClient(port: server.port, caFile: pki.path("ca.pem"))
            let answer = try await client.exchange(
                "GET /echo/one HTTP/1.1\r\nHost: localhost\r\n\r\n"
                    + "POST /echo HTTP/1.1\r\nHost: localhost\r\nContent-Length: 5\r\n\r\nhello"
                    + "GET /echo/three HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            // Bodies are not followed by a line break: count status lines in the text.
            #expect(answer.components(separatedBy: "HTTP/1.1 ").count - 1 == 3)
            #expect(answer.components(separatedBy: "HTTP/1.1 200 OK\r\n").count - 1 == 3)
            #expect(answer.contains("\r\n\r\none"))
            #expect(answer.contains("\r\n\r\nhello"))
            #expect(answer.hasSuffix("\r\n\r\nthree"))
        }
    }

    /// More ciphertext than the socket takes at once: the transport keeps
    /// the records and finishes them on writable events.
    @Test func largeAnswerOverHTTPSArrivesWhole() async throws {
        let pki = try await testIO.run { try TestPKI.shared }  // openssl runs off the shared pool
        let context = try TLSServerContext(certificateFile: pki.path("server.pem"), privateKeyFile: pki.path("server.key"))
        let big = [UInt8](repeating: UInt8(ascii: "t"), count: 1024 * 1024)
        try await withServer(configure: { $0.tls = context }, routes: { router in
            router.add(.get, "/big") { _, _ in
                HTTPResponse(status: 200, headers: ["Content-Type": "application/octet-stream"], body: big)
            }
        }) { server in
            let client = try TLSTestClient(port: server.port, caFile: pki.path("ca.pem"), receiveBuffer: 16 * 1024)
            let answer = try await client.exchange("GET /big HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            #expect(answer.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(answer.contains("Content-Length: \(big.count)\r\n"))
            let body = answer.components(separatedBy: "\r\n\r\n").dropFirst().joined(separator: "\r\n\r\n")
            #expect(body.utf8.count == big.count)
        }
    }

    @Test func plainHTTPToAnHTTPSPortIsDropped() async throws {
        let pki = try await testIO.run { try TestPKI.shared }  // openssl runs off the shared pool
        let context = try TLSServerContext(certificateFile: pki.path("server.pem"), privateKeyFile: pki.path("server.key"))
        try await withServer(configure: { $0.tls = context }, routes: standardRoutes) { server in
            let client = try TestClient(port: server.port)
            try await client.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            // No HTTP answer: the TLS layer refuses and closes.
            #expect(try await client.waitForClose())
            #expect(server.openConnections == 0)
        }
    }
}
