import Foundation
import Glibc
import HTTP1
import TLS

@testable import HTTPServer
import TestCertificates

/// Starts an HTTPS server (the test PKI's localhost/127.0.0.1 certificate)
/// on a free port, runs `body`, and always shuts it down.
func withTLSServer(
    configure: (inout HTTPServerConfiguration) -> Void = { _ in },
    routes: (inout Router) -> Void = tlsTestRoutes,
    _ body: (HTTPServer, TestPKI) async throws -> Void
) async throws {
    let pki = try TestPKI.shared
    let context = try TLSServerContext(certificateFile: pki.path("server.pem"), privateKeyFile: pki.path("server.key"))
    try await withServer(
        configure: {
            $0.tls = context
            $0.limits.maxBodyBytes = 4 * 1024 * 1024
            configure(&$0)
        },
        routes: routes
    ) { server in
        try await body(server, pki)
    }
}

/// The standard routes plus a large download.
func tlsTestRoutes(_ router: inout Router) {
    standardRoutes(&router)
    router.add(.get, "/big") { _, _ in
        HTTPResponse(status: 200, headers: ["Content-Type": "application/octet-stream"], body: mebibyte)
    }
}

/// 1 MiB that does not compress and has no repeating period a bug could hide in.
let mebibyte: [UInt8] = {
    var state: UInt64 = 0x9E37_79B9_7F4A_7C15
    return (0..<(1024 * 1024)).map { _ in
        state = state &* 6_364_136_223_846_793_005 &+ 1_442_695_040_888_963_407
        return UInt8(truncatingIfNeeded: state >> 33)
    }
}()

// MARK: curl

struct CurlResult: Sendable {
    var exitCode: Int32
    var output: String
    var errors: String
}

/// Runs curl on the test I/O threads (never on the two shared concurrency
/// threads), bounded by curl's own --max-time.
func curl(_ arguments: [String]) async throws -> CurlResult {
    try await testIO.run {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["curl", "--silent", "--show-error", "--max-time", "60"] + arguments
        let output = Pipe()
        let errors = Pipe()
        process.standardOutput = output
        process.standardError = errors
        try process.run()
        // Outputs here are small (bodies go to files): reading one pipe to
        // its end cannot stall curl on the other.
        let outputData = output.fileHandleForReading.readDataToEndOfFile()
        let errorData = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        return CurlResult(
            exitCode: process.terminationStatus, output: String(decoding: outputData, as: UTF8.self),
            errors: String(decoding: errorData, as: UTF8.self))
    }
}

// MARK: A TLS client driven by hand

/// A blocking TLS client: a `TLSSession` over a loopback socket, moved step
/// by step so tests control exactly which bytes reach the server and when.
/// Every call runs on the test I/O threads.
///
/// `@unchecked Sendable`: each client belongs to one test, which awaits
/// every call before making the next, so the session is never used by two
/// threads at once.
final class RawTLSClient: @unchecked Sendable {
    let socket: TestClient
    private let session: TLSSession

    init(port: Int, caFile: String, receiveTimeout: Duration = .seconds(20)) throws {
        socket = try TestClient(port: port, receiveTimeout: receiveTimeout)
        session = try TLSSession(
            client: TLSClientContext(caFile: caFile, useSystemTrust: false), serverName: "127.0.0.1")
    }

    func handshake() async throws {
        try await testIO.run {
            for _ in 0..<100 {
                let done = try self.session.handshake()
                try self.flush()
                if done { return }
                guard try self.receiveSome() else { throw ClientError(description: "closed during the handshake") }
            }
            throw ClientError(description: "handshake did not finish")
        }
    }

    /// The first `fraction` of the ClientHello, and nothing more.
    func sendPartialHello(fraction: Double) async throws {
        try await testIO.run {
            guard try !self.session.handshake() else { throw ClientError(description: "handshake without a peer") }
            let hello = self.session.takeCiphertext()
            guard hello.count > 100 else { throw ClientError(description: "no ClientHello") }
            try self.sendBlocking(Array(hello.prefix(Int(Double(hello.count) * fraction))))
        }
    }

    /// Encrypts and sends `text`; `thenCloseNotify` puts close_notify in
    /// the same write.
    func send(_ text: String, thenCloseNotify: Bool = false) async throws {
        try await testIO.run {
            try self.session.writePlaintext(Array(text.utf8))
            if thenCloseNotify { self.session.close() }
            try self.flush()
        }
    }

    /// Plaintext up to the end of the stream, and whether the server ended
    /// it with close_notify.
    func readToEnd() async throws -> (text: String, closeNotify: Bool) {
        try await testIO.run {
            var plaintext: [UInt8] = []
            var socketOpen = true
            for _ in 0..<100_000 {
                do {
                    switch try self.session.readPlaintext(into: &plaintext) {
                    case .closed:
                        return (String(decoding: plaintext, as: UTF8.self), true)
                    case .bytes, .wantMore:
                        guard socketOpen else { continue }
                        socketOpen = try self.receiveSome()
                    }
                } catch let error as TLSError where error.kind == .unexpectedEOF {
                    return (String(decoding: plaintext, as: UTF8.self), false)
                }
            }
            throw ClientError(description: "stream did not end")
        }
    }

    /// Plaintext until it ends with `suffix` (the last expected body).
    func read(until suffix: String) async throws -> String {
        try await testIO.run {
            var plaintext: [UInt8] = []
            for _ in 0..<100_000 {
                _ = try self.session.readPlaintext(into: &plaintext)
                let text = String(decoding: plaintext, as: UTF8.self)
                if text.hasSuffix(suffix) { return text }
                guard try self.receiveSome() else { throw ClientError(description: "closed early; got: \(text)") }
            }
            throw ClientError(description: "no end")
        }
    }

    /// The next `count` responses to GETs, parsed as they arrive.
    func readResponses(_ count: Int) async throws -> [HTTPResponse] {
        try await testIO.run {
            var parser = HTTPResponseParser()
            var responses: [HTTPResponse] = []
            var plaintext: [UInt8] = []
            for _ in 0..<1_000_000 {
                plaintext.removeAll(keepingCapacity: true)
                _ = try self.session.readPlaintext(into: &plaintext)
                parser.append(plaintext)
                while responses.count < count, let response = try parser.next(for: .get) { responses.append(response) }
                if responses.count == count { return responses }
                guard try self.receiveSome() else { throw ClientError(description: "closed after \(responses.count)") }
            }
            throw ClientError(description: "responses did not arrive")
        }
    }

    // Blocking steps, on the test I/O threads only.

    private func flush() throws {
        let bytes = session.takeCiphertext()
        if !bytes.isEmpty { try sendBlocking(bytes) }
    }

    private func sendBlocking(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes {
                Glibc.send(socket.fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL))
            }
            guard count > 0 else { throw ClientError(description: "send failed: errno \(errno)") }
            offset += count
        }
    }

    /// Feeds the session one read from the socket; false at end of stream.
    private func receiveSome() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = recv(socket.fd, &chunk, chunk.count, 0)
        if count > 0 {
            chunk.withUnsafeBytes { session.receive(ciphertext: UnsafeRawBufferPointer(rebasing: $0[..<count])) }
            return true
        }
        let code = errno
        if count == 0 || code == ECONNRESET {
            session.receiveEndOfStream()
            return false
        }
        throw ClientError(description: code == EAGAIN ? "receive timed out" : "recv failed: errno \(code)")
    }
}

/// Waits (bounded) until the server has no open connection.
func waitForNoConnections(_ server: HTTPServer) async throws -> Bool {
    for _ in 0..<500 {
        if server.openConnections == 0 { return true }
        try await Task.sleep(for: .milliseconds(20))
    }
    return server.openConnections == 0
}
