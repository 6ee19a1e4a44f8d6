import Testing
import TLS
import TestCertificates

/// Moves ciphertext between two sessions until both finish or fail.
/// Bounded in rounds: a stalled exchange ends as "not done" instead of hanging.
private func pump(_ client: TLSSession, _ server: TLSSession) -> (client: Result<Bool, TLSError>, server: Result<Bool, TLSError>) {
    var clientState: Result<Bool, TLSError> = .success(false)
    var serverState: Result<Bool, TLSError> = .success(false)
    func step(_ session: TLSSession, _ state: inout Result<Bool, TLSError>) {
        guard case .success(false) = state else { return }
        do { state = .success(try session.handshake()) } catch { state = .failure(error) }
    }
    for _ in 0..<20 {
        step(client, &clientState)
        server.receive(ciphertext: client.takeCiphertext())
        step(server, &serverState)
        client.receive(ciphertext: server.takeCiphertext())
        if case .success(false) = clientState { continue }
        if case .success(false) = serverState { continue }
        break
    }
    return (clientState, serverState)
}

private func sessions(
    _ pki: TestPKI, certificate: String, trust: String?, serverName: String
) throws -> (TLSSession, TLSSession) {
    let serverContext = try TLSServerContext(
        certificateFile: pki.path(certificate + ".pem"), privateKeyFile: pki.path(certificate + ".key"))
    let clientContext = try TLSClientContext(caFile: trust.map(pki.path), useSystemTrust: trust == nil)
    return (try TLSSession(client: clientContext, serverName: serverName), try TLSSession(server: serverContext))
}

/// Reads until `count` plaintext bytes arrived or the session stops producing them.
private func read(_ session: TLSSession, count: Int) throws -> [UInt8] {
    var received: [UInt8] = []
    while received.count < count {
        guard case .bytes = try session.readPlaintext(into: &received) else { break }
    }
    return received
}

@Suite struct TLSHandshakeTests {
    @Test(arguments: ["localhost", "127.0.0.1", "::1", "[::1]", "LOCALHOST"])
    func handshakeSucceedsForEveryNameInTheCertificate(serverName: String) throws {
        let pki = try TestPKI.shared
        let (client, server) = try sessions(pki, certificate: "server", trust: "ca.pem", serverName: serverName)
        let result = pump(client, server)
        #expect(try result.client.get() == true)
        #expect(try result.server.get() == true)
    }

    struct FailureCase: Sendable, CustomStringConvertible {
        var certificate: String
        var trust: String?
        var serverName: String
        var kind: TLSError.Kind
        var reason: String
        var description: String { "\(certificate) as \(serverName) trusting \(trust ?? "system")" }
    }

    static let failures: [FailureCase] = [
        .init(certificate: "wronghost", trust: "ca.pem", serverName: "localhost", kind: .hostnameMismatch,
              reason: "certificate verify failed: hostname mismatch"),
        .init(certificate: "server", trust: "ca.pem", serverName: "api.example.com", kind: .hostnameMismatch,
              reason: "certificate verify failed: hostname mismatch"),
        // A wildcard-free name must not match by suffix or prefix.
        .init(certificate: "server", trust: "ca.pem", serverName: "localhost.evil", kind: .hostnameMismatch,
              reason: "certificate verify failed: hostname mismatch"),
        .init(certificate: "server", trust: "ca.pem", serverName: "127.0.0.2", kind: .hostnameMismatch,
              reason: "certificate verify failed: IP address mismatch"),
        .init(certificate: "wronghost", trust: "ca.pem", serverName: "::1", kind: .hostnameMismatch,
              reason: "certificate verify failed: IP address mismatch"),
        .init(certificate: "server", trust: "other-ca.pem", serverName: "localhost", kind: .unknownCA,
              reason: "certificate verify failed: unknown CA"),
        .init(certificate: "server", trust: nil, serverName: "localhost", kind: .unknownCA,
              reason: "certificate verify failed: unknown CA"),
        .init(certificate: "expired", trust: "ca.pem", serverName: "localhost", kind: .expired,
              reason: "certificate verify failed: certificate has expired"),
    ]

    @Test(arguments: failures)
    func verificationFailuresHaveAClearReason(_ failure: FailureCase) throws {
        let pki = try TestPKI.shared
        let (client, server) = try sessions(
            pki, certificate: failure.certificate, trust: failure.trust, serverName: failure.serverName)
        let result = pump(client, server)
        guard case .failure(let error) = result.client else {
            Issue.record("client accepted \(failure)")
            return
        }
        #expect(error.kind == failure.kind)
        #expect(error.reason.hasPrefix(failure.reason), "\(error.reason)")
        // The client's alert reaches the server, which fails too.
        guard case .failure(let serverError) = result.server else {
            Issue.record("server did not see the alert")
            return
        }
        #expect(serverError.kind == .handshake)
    }

    @Test func serverSeesTheClientsAlertAsAHandshakeFailure() throws {
        let pki = try TestPKI.shared
        let (client, server) = try sessions(pki, certificate: "server", trust: "other-ca.pem", serverName: "localhost")
        let result = pump(client, server)
        guard case .failure(let error) = result.server else {
            Issue.record("server did not fail")
            return
        }
        #expect(error.reason.contains("unknown ca"), "\(error.reason)")
    }

    @Test func garbageFromThePeerIsAHandshakeError() throws {
        let pki = try TestPKI.shared
        let (client, _) = try sessions(pki, certificate: "server", trust: "ca.pem", serverName: "localhost")
        #expect(try client.handshake() == false)
        client.receive(ciphertext: Array("HTTP/1.1 400 Bad Request\r\n\r\n".utf8))
        #expect(throws: TLSError.self) { _ = try client.handshake() }
    }

    @Test func peerClosingDuringTheHandshakeIsUnexpectedEOF() throws {
        let pki = try TestPKI.shared
        let (client, _) = try sessions(pki, certificate: "server", trust: "ca.pem", serverName: "localhost")
        #expect(try client.handshake() == false)
        client.receiveEndOfStream()
        do {
            _ = try client.handshake()
            Issue.record("handshake succeeded without a peer")
        } catch {
            #expect(error.kind == .unexpectedEOF)
        }
    }
}

@Suite struct TLSDataTests {
    private func connected() throws -> (TLSSession, TLSSession, TestPKI) {
        let pki = try TestPKI.shared
        let (client, server) = try sessions(pki, certificate: "server", trust: "ca.pem", serverName: "localhost")
        let result = pump(client, server)
        #expect(try result.client.get() && result.server.get())
        return (client, server, pki)
    }

    @Test func plaintextCrossesBothWays() throws {
        let (client, server, _) = try connected()
        let request = Array("GET / HTTP/1.1\r\nHost: localhost\r\n\r\n".utf8)
        try client.writePlaintext(request)
        server.receive(ciphertext: client.takeCiphertext())
        #expect(try read(server, count: request.count) == request)

        // Larger than several records, with every byte value.
        let response = (0..<100_000).map { UInt8(truncatingIfNeeded: $0 &* 31) }
        try server.writePlaintext(response)
        client.receive(ciphertext: server.takeCiphertext())
        #expect(try read(client, count: response.count) == response)
    }

    @Test func dataWrittenBeforeTheHandshakeIsSentAfterIt() throws {
        let pki = try TestPKI.shared
        let (client, server) = try sessions(pki, certificate: "server", trust: "ca.pem", serverName: "localhost")
        try client.writePlaintext(Array("early".utf8))
        let result = pump(client, server)
        #expect(try result.client.get() && result.server.get())
        server.receive(ciphertext: client.takeCiphertext())
        #expect(try read(server, count: 5) == Array("early".utf8))
    }

    @Test func closeNotifyIsACleanClose() throws {
        let (client, server, _) = try connected()
        try server.writePlaintext(Array("bye".utf8))
        server.close()
        client.receive(ciphertext: server.takeCiphertext())
        client.receiveEndOfStream()
        var received: [UInt8] = []
        #expect(try client.readPlaintext(into: &received) == .bytes(3))
        #expect(try client.readPlaintext(into: &received) == .closed)
        #expect(received == Array("bye".utf8))
    }

    @Test func closeWithoutCloseNotifyIsUnexpectedEOF() throws {
        let (client, server, _) = try connected()
        try server.writePlaintext(Array("partial".utf8))
        client.receive(ciphertext: server.takeCiphertext())
        client.receiveEndOfStream()
        var received: [UInt8] = []
        // The intact bytes first, then the truncation signal.
        #expect(try client.readPlaintext(into: &received) == .bytes(7))
        do {
            _ = try client.readPlaintext(into: &received)
            Issue.record("truncation not reported")
        } catch {
            #expect(error.kind == .unexpectedEOF)
        }
    }

    @Test func noInputYetIsWantMore() throws {
        let (client, _, _) = try connected()
        var received: [UInt8] = []
        #expect(try client.readPlaintext(into: &received) == .wantMore)
        #expect(received.isEmpty)
    }

    @Test func corruptedRecordIsAProtocolError() throws {
        let (client, server, _) = try connected()
        try server.writePlaintext(Array(repeating: 0x41, count: 64))
        var ciphertext = server.takeCiphertext()
        ciphertext[ciphertext.count - 3] ^= 0xFF
        client.receive(ciphertext: ciphertext)
        var received: [UInt8] = []
        do {
            _ = try client.readPlaintext(into: &received)
            Issue.record("corruption not detected")
        } catch {
            #expect(error.kind == .protocolError)
        }
        #expect(received.isEmpty)
    }
}

@Suite struct TLSContextTests {
    @Test func missingCAFileIsAConfigurationError() throws {
        let pki = try TestPKI.shared
        do {
            _ = try TLSClientContext(caFile: pki.path("absent.pem"), useSystemTrust: false)
            Issue.record("accepted a missing CA file")
        } catch {
            #expect(error.kind == .configuration)
            #expect(error.reason.contains("absent.pem"))
        }
    }

    @Test func noTrustAnchorsIsRefused() {
        #expect(throws: TLSError.self) { _ = try TLSClientContext(caFile: nil, useSystemTrust: false) }
    }

    @Test func systemTrustStoreLoads() throws {
        _ = try TLSClientContext()
    }

    @Test func mismatchedKeyIsRefused() throws {
        let pki = try TestPKI.shared
        do {
            _ = try TLSServerContext(certificateFile: pki.path("server.pem"), privateKeyFile: pki.path("wronghost.key"))
            Issue.record("accepted a key of another certificate")
        } catch {
            #expect(error.kind == .configuration)
        }
    }

    @Test func emptyServerNameIsRefused() throws {
        let context = try TLSClientContext()
        #expect(throws: TLSError.self) { _ = try TLSSession(client: context, serverName: "") }
    }
}
