import COpenSSL
import Testing
import TLS
import TestCertificates

/// A bare OpenSSL endpoint capped at TLS 1.1 (security level 0 so it may
/// offer it at all), to show that our contexts refuse anything below 1.2.
private final class LegacyEndpoint {
    let ssl: OpaquePointer
    private let context: OpaquePointer
    private let input: OpaquePointer
    private let output: OpaquePointer

    init(server pki: TestPKI?) throws {
        let method = pki == nil ? TLS_client_method() : TLS_server_method()
        context = try #require(SSL_CTX_new(method))
        SSL_CTX_set_security_level(context, 0)
        _ = cgw_SSL_CTX_set_min_proto_version(context, TLS1_VERSION)
        _ = cgw_SSL_CTX_set_max_proto_version(context, TLS1_1_VERSION)
        if let pki {
            #expect(SSL_CTX_use_certificate_chain_file(context, pki.path("server.pem")) == 1)
            #expect(SSL_CTX_use_PrivateKey_file(context, pki.path("server.key"), SSL_FILETYPE_PEM) == 1)
        }
        ssl = try #require(SSL_new(context))
        input = try #require(BIO_new(BIO_s_mem()))
        output = try #require(BIO_new(BIO_s_mem()))
        SSL_set_bio(ssl, input, output)
        if pki == nil { SSL_set_connect_state(ssl) } else { SSL_set_accept_state(ssl) }
    }

    deinit {
        SSL_free(ssl)
        SSL_CTX_free(context)
    }

    /// Runs the handshake as far as it goes; returns what it has to send.
    func step(receiving bytes: [UInt8]) -> [UInt8] {
        if !bytes.isEmpty { _ = bytes.withUnsafeBytes { BIO_write(input, $0.baseAddress, Int32($0.count)) } }
        _ = SSL_do_handshake(ssl)
        ERR_clear_error()
        var out = [UInt8](repeating: 0, count: Int(BIO_ctrl_pending(output)))
        if !out.isEmpty { _ = out.withUnsafeMutableBytes { BIO_read(output, $0.baseAddress, Int32($0.count)) } }
        return out
    }
}

@Suite struct ProtocolVersionTests {
    @Test func serverRefusesATLS11Client() throws {
        let pki = try TestPKI.shared
        let server = try TLSSession(
            server: TLSServerContext(certificateFile: pki.path("server.pem"), privateKeyFile: pki.path("server.key")))
        let legacy = try LegacyEndpoint(server: nil)
        let hello = legacy.step(receiving: [])
        #expect(!hello.isEmpty)
        server.receive(ciphertext: hello)
        do {
            _ = try server.handshake()
            Issue.record("server accepted a TLS 1.1 client")
        } catch {
            #expect(error.kind == .handshake)
            #expect(error.reason.contains("protocol"), "\(error.reason)")
        }
    }

    @Test func clientRefusesATLS11Server() throws {
        let pki = try TestPKI.shared
        let client = try TLSSession(
            client: TLSClientContext(caFile: pki.path("ca.pem"), useSystemTrust: false), serverName: "localhost")
        let legacy = try LegacyEndpoint(server: pki)
        var failure: TLSError?
        for _ in 0..<10 where failure == nil {
            do {
                if try client.handshake() { break }
            } catch {
                failure = error
                break
            }
            client.receive(ciphertext: legacy.step(receiving: client.takeCiphertext()))
        }
        let error = try #require(failure, "client completed a handshake with a TLS 1.1 server")
        #expect(error.kind == .handshake)
        #expect(error.reason.contains("protocol"), "\(error.reason)")
    }
}
