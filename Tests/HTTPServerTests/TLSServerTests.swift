import Foundation
import Glibc
import HTTP1
import Logging
import Testing
import TLS

@testable import HTTPServer
import TestCertificates

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

/// HTTPS on the project's server: a hand-driven TLS client and curl against
/// it, hostile first bytes, a stalled handshake, both ways to end.
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

    @Test func curlSendsGetsAndPostsOverOneKeptAliveConnection() async throws {
        try await withTLSServer { server, pki in
            let url = "https://127.0.0.1:\(server.port)"
            let format = "|%{http_code} %{num_connects}\\n"
            let result = try await curl([
                "--cacert", pki.path("ca.pem"), "-w", format, url + "/hello",
                "--next", "--cacert", pki.path("ca.pem"), "-w", format, "--data-binary", "ping", url + "/echo",
                "--next", "--cacert", pki.path("ca.pem"), "-w", format, url + "/echo/7",
                "--next", "--cacert", pki.path("ca.pem"), "-w", format, "--data-binary", "pong", url + "/echo",
            ])
            #expect(result.exitCode == 0, "\(result.errors)")
            // One TCP connection (num_connects 1, then 0), every answer in order.
            #expect(result.output == "hello|200 1\nping|200 0\n7|200 0\npong|200 0\n")
        }
    }

    @Test func curlMovesAMebibyteBothWays() async throws {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("tls-body-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: directory) }
        let upload = directory.appendingPathComponent("upload").path
        let echoed = directory.appendingPathComponent("echoed").path
        let downloaded = directory.appendingPathComponent("downloaded").path
        try Data(mebibyte.reversed()).write(to: URL(fileURLWithPath: upload))

        try await withTLSServer { server, pki in
            let url = "https://127.0.0.1:\(server.port)"
            let result = try await curl([
                "--cacert", pki.path("ca.pem"), "-w", "%{http_code} %{num_connects}\\n",
                "--data-binary", "@" + upload, "-o", echoed, url + "/echo",
                "--next", "--cacert", pki.path("ca.pem"), "-w", "%{http_code} %{num_connects}\\n",
                "-o", downloaded, url + "/big",
            ])
            #expect(result.exitCode == 0, "\(result.errors)")
            #expect(result.output == "200 1\n200 0\n")
        }
        #expect(try Data(contentsOf: URL(fileURLWithPath: echoed)) == Data(mebibyte.reversed()))
        #expect(try Data(contentsOf: URL(fileURLWithPath: downloaded)) == Data(mebibyte))
    }

    @Test func curlTrustingAnotherCARefusesTheServer() async throws {
        try await withTLSServer { server, pki in
            let url = "https://127.0.0.1:\(server.port)/hello"
            let refused = try await curl(["--cacert", pki.path("other-ca.pem"), url])
            #expect(refused.exitCode == 60, "curl: \(refused.exitCode) \(refused.errors)")  // peer certificate not trusted
            #expect(refused.output.isEmpty)
            let trusted = try await curl(["--cacert", pki.path("ca.pem"), url])
            #expect(trusted.exitCode == 0 && trusted.output == "hello", "\(trusted.errors)")
        }
    }

    /// What a plain-HTTP client, a scanner or a broken peer might send first.
    static let hostileOpenings: [(name: String, bytes: [UInt8])] = [
        ("plain HTTP request", Array("GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8)),
        ("garbage", Array(mebibyte.prefix(4096))),
        ("handshake record longer than TLS allows", [0x16, 0x03, 0x01, 0xFF, 0xFF] + Array(repeating: 0, count: 64)),
        ("SSLv2-style hello", [0x80, 0x2E, 0x01, 0x00, 0x02, 0x00, 0x15, 0x00, 0x00, 0x00, 0x10]
            + Array(repeating: 0x41, count: 37)),
        ("alert before any hello", [0x15, 0x03, 0x03, 0x00, 0x02, 0x02, 0x28]),
        ("nothing, then end of stream", []),
    ]

    @Test(arguments: hostileOpenings.indices)
    func hostileFirstBytesCloseOnlyThatConnection(_ index: Int) async throws {
        let (name, bytes) = Self.hostileOpenings[index]
        // A short header timeout also ends openings OpenSSL would wait on.
        try await withTLSServer(configure: { $0.headerTimeout = .seconds(1) }) { server, pki in
            let hostile = try TestClient(port: server.port, receiveTimeout: .seconds(30))
            if bytes.isEmpty { hostile.finishSending() } else { try? await hostile.send(bytes) }
            // Whatever comes back (an alert at most), the server closes.
            #expect(try await hostile.waitForClose(), "\(name)")

            let client = try RawTLSClient(port: server.port, caFile: pki.path("ca.pem"))
            try await client.handshake()
            try await client.send("GET /hello HTTP/1.1\r\nHost: localhost\r\nConnection: close\r\n\r\n")
            let answer = try await client.readToEnd()
            #expect(answer.text.hasPrefix("HTTP/1.1 200 OK\r\n") && answer.text.hasSuffix("\r\n\r\nhello"), "\(name)")
        }
    }

    @Test func aFailedHandshakeIsLoggedAtDebugOnly() async throws {
        let pki = try TestPKI.shared
        let sink = LogSink()
        var logger = Logger(label: "tls-log") { _ in LevelSinkHandler(sink: sink) }
        logger.logLevel = .trace
        var configuration = HTTPServerConfiguration()
        configuration.port = 0
        configuration.threads = 1
        configuration.tls = try TLSServerContext(
            certificateFile: pki.path("server.pem"), privateKeyFile: pki.path("server.key"))
        let server = HTTPServer(configuration: configuration, router: Router(), logger: logger)
        try server.start()
        let outcome: Result<Void, any Error>
        do {
            let client = try TestClient(port: server.port)
            try await client.send("GET /secret-path HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await client.waitForClose())
            #expect(try await waitForNoConnections(server))
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        await server.shutdown()
        try outcome.get()
        let lines = sink.lines.withLock { $0 }
        #expect(lines.contains { $0.hasPrefix("debug TLS handshake failed") && $0.contains("peer=127.0.0.1:") }, "\(lines)")
        // Nothing louder about it (the server's own start and stop lines aside),
        // and nothing of what the client sent.
        #expect(!lines.contains { !$0.hasPrefix("debug ") && $0.contains("TLS") }, "\(lines)")
        #expect(!lines.contains { $0.contains("secret-path") }, "\(lines)")
    }

    @Test func plainHTTPGetsNoHTTPAnswer() async throws {
        try await withTLSServer { server, _ in
            let client = try TestClient(port: server.port, receiveTimeout: .seconds(30))
            try await client.send("GET /hello HTTP/1.1\r\nHost: localhost\r\n\r\n")
            // At most a TLS alert: never an HTTP status line in the clear.
            var received: [UInt8] = []
            var chunk = [UInt8](repeating: 0, count: 4096)
            while true {
                let count = recv(client.fd, &chunk, chunk.count, 0)
                if count <= 0 { break }
                received.append(contentsOf: chunk[..<count])
            }
            #expect(!String(decoding: received, as: UTF8.self).contains("HTTP/1.1"))
            #expect(received.isEmpty || received[0] == 0x15, "only an alert record may come back")
        }
    }

    /// A client that stops mid-handshake (or never starts) meets the
    /// header timeout, not the far longer idle timeout.
    @Test(arguments: [true, false])
    func stalledHandshakeIsClosedByTheHeaderTimeout(sendsHalfAHello: Bool) async throws {
        try await withTLSServer(configure: {
            $0.headerTimeout = .milliseconds(300)
            $0.idleTimeout = .seconds(3600)
        }) { server, pki in
            let stalled = try RawTLSClient(port: server.port, caFile: pki.path("ca.pem"), receiveTimeout: .seconds(60))
            if sendsHalfAHello { try await stalled.sendPartialHello(fraction: 0.5) }
            #expect(try await stalled.socket.waitForClose())
            #expect(try await waitForNoConnections(server))
        }
    }

    @Test func pipelinedRequestsInOneRecordAreAnsweredInOrder() async throws {
        try await withTLSServer { server, pki in
            let client = try RawTLSClient(port: server.port, caFile: pki.path("ca.pem"))
            try await client.handshake()
            try await client.send(
                "GET /echo/1 HTTP/1.1\r\nHost: a\r\n\r\n"
                    + "POST /echo HTTP/1.1\r\nHost: a\r\nContent-Length: 3\r\n\r\ntwo"
                    + "GET /echo/3 HTTP/1.1\r\nHost: a\r\n\r\n")
            let text = try await client.read(until: "\r\n\r\n3")
            let bodies = text.components(separatedBy: "HTTP/1.1 200 OK\r\n").dropFirst().map {
                $0.components(separatedBy: "\r\n\r\n").last ?? ""
            }
            #expect(bodies == ["1", "two", "3"])
        }
    }

    @Test func largeAnswersToAClientThatReadsLateArriveWholeAndInOrder() async throws {
        try await withTLSServer { server, pki in
            let client = try RawTLSClient(port: server.port, caFile: pki.path("ca.pem"))
            try await client.handshake()
            // Four MiB of answers with nobody reading: the server's writes
            // hit a full socket, hold ciphertext, and resume on writable.
            try await client.send(
                String(repeating: "GET /big HTTP/1.1\r\nHost: a\r\n\r\n", count: 3)
                    + "GET /echo/after HTTP/1.1\r\nHost: a\r\n\r\n")
            try await Task.sleep(for: .milliseconds(300))
            let responses = try await client.readResponses(4)
            #expect(responses.map(\.status) == [200, 200, 200, 200])
            #expect(responses.prefix(3).allSatisfy { $0.body == mebibyte })
            #expect(responses.last?.body == Array("after".utf8))
        }
    }

    @Test func connectionCloseEndsWithCloseNotify() async throws {
        try await withTLSServer { server, pki in
            let client = try RawTLSClient(port: server.port, caFile: pki.path("ca.pem"))
            try await client.handshake()
            try await client.send("GET /hello HTTP/1.1\r\nHost: a\r\nConnection: close\r\n\r\n")
            let answer = try await client.readToEnd()
            #expect(answer.text.hasSuffix("\r\n\r\nhello"))
            #expect(answer.closeNotify, "the server ends its answer with close_notify")
        }
    }

    @Test func requestFollowedByCloseNotifyIsStillAnswered() async throws {
        try await withTLSServer { server, pki in
            let client = try RawTLSClient(port: server.port, caFile: pki.path("ca.pem"))
            try await client.handshake()
            // Request and close_notify in one segment: the server must answer
            // what it read before the end of the client's stream.
            try await client.send("GET /echo/last HTTP/1.1\r\nHost: a\r\n\r\n", thenCloseNotify: true)
            let answer = try await client.readToEnd()
            #expect(answer.text.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(answer.text.hasSuffix("\r\n\r\nlast"))
            #expect(try await waitForNoConnections(server))
        }
    }

    @Test func requestThenEndOfStreamWithoutCloseNotifyIsStillAnswered() async throws {
        try await withTLSServer { server, pki in
            let client = try RawTLSClient(port: server.port, caFile: pki.path("ca.pem"))
            try await client.handshake()
            // As over plain TCP, a half-close after the request still gets
            // its answer: the missing close_notify is no reason to drop it.
            try await client.send("GET /echo/half HTTP/1.1\r\nHost: a\r\n\r\n")
            client.socket.finishSending()
            let answer = try await client.readToEnd()
            #expect(answer.text.hasPrefix("HTTP/1.1 200 OK\r\n"))
            #expect(answer.text.hasSuffix("\r\n\r\nhalf"))
            #expect(answer.closeNotify)
        }
    }

    @Test func clientVanishingWithoutCloseNotifyIsAPlainClose() async throws {
        try await withTLSServer { server, pki in
            let client = try RawTLSClient(port: server.port, caFile: pki.path("ca.pem"))
            try await client.handshake()
            try await client.send("GET /hello HTTP/1.1\r\nHost: a\r\n\r\n")
            _ = try await client.read(until: "\r\n\r\nhello")
            client.socket.finishSending()  // TCP FIN, no close_notify
            #expect(try await client.socket.waitForClose())
            #expect(try await waitForNoConnections(server))

            // And the next client is served as usual.
            let next = try await curl(["--cacert", pki.path("ca.pem"), "https://127.0.0.1:\(server.port)/hello"])
            #expect(next.output == "hello", "\(next.errors)")
        }
    }
}

/// Like `SinkHandler`, with each line prefixed by its level.
struct LevelSinkHandler: LogHandler {
    let sink: LogSink
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let rendered = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        sink.lines.withLock { $0.append("\(event.level) \(event.message) \(rendered)") }
    }
}
