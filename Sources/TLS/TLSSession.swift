import COpenSSL
import Glibc

/// Result of reading decrypted application data.
public enum TLSReadResult: Sendable, Equatable {
    /// This many bytes were appended to the caller's buffer.
    case bytes(Int)
    /// No plaintext yet: feed more ciphertext.
    case wantMore
    /// The peer sent close_notify: a clean end of stream.
    case closed
}

/// One TLS connection as a state machine over two memory BIOs: the owner
/// moves bytes between the socket and the session, so the session never
/// blocks and works the same on an event loop or in a test.
///
/// Not thread-safe: one owner (an event loop's connection) drives it.
public final class TLSSession {
    private let ssl: OpaquePointer
    /// Ciphertext from the peer, read by OpenSSL (owned by `ssl`).
    private let networkIn: OpaquePointer
    /// Ciphertext OpenSSL produced for the peer (owned by `ssl`).
    private let networkOut: OpaquePointer
    /// Plaintext accepted by `writePlaintext` that OpenSSL could not take yet.
    private var pendingPlaintext: [UInt8] = []
    private var receivedCloseNotify = false
    /// A read failure held back while intact bytes were delivered first.
    private var pendingReadFailure: TLSError?
    private var shutdownSent = false

    /// A client session verifying the peer for `serverName`: a DNS name is
    /// sent as SNI and checked against the certificate's names; an IP
    /// address (optionally in brackets) is checked against its IP SANs and
    /// sends no SNI (RFC 6066 forbids IP literals there).
    public convenience init(client context: TLSClientContext, serverName: String) throws(TLSError) {
        try self.init(context: context.context)
        let name = Self.unbracketed(serverName)
        guard !name.isEmpty, !name.utf8.contains(0) else {
            throw TLSError(.configuration, "empty or invalid server name")
        }
        SSL_set_connect_state(ssl)
        if Self.isIPAddress(name) {
            guard X509_VERIFY_PARAM_set1_ip_asc(SSL_get0_param(ssl), name) == 1 else {
                throw TLSError(.configuration, "cannot verify IP address \(name)")
            }
        } else {
            SSL_set_hostflags(ssl, UInt32(X509_CHECK_FLAG_NO_PARTIAL_WILDCARDS))
            guard cgw_SSL_set_tlsext_host_name(ssl, name) == 1, SSL_set1_host(ssl, name) == 1 else {
                throw TLSError(.configuration, "cannot use server name \(name): " + OpenSSLError.drainText(or: "invalid"))
            }
        }
    }

    public convenience init(server context: TLSServerContext) throws(TLSError) {
        try self.init(context: context.context)
        SSL_set_accept_state(ssl)
    }

    private init(context: OpaquePointer) throws(TLSError) {
        ERR_clear_error()
        guard let ssl = SSL_new(context) else {
            throw TLSError(.configuration, "cannot create session: " + OpenSSLError.drainText(or: "SSL_new"))
        }
        guard let networkIn = BIO_new(BIO_s_mem()), let networkOut = BIO_new(BIO_s_mem()) else {
            SSL_free(ssl)
            throw TLSError(.configuration, "cannot create memory BIOs")
        }
        // An empty input BIO means "retry later" until the transport ends.
        _ = cgw_BIO_set_mem_eof_return(networkIn, -1)
        SSL_set_bio(ssl, networkIn, networkOut)
        self.ssl = ssl
        self.networkIn = networkIn
        self.networkOut = networkOut
    }

    deinit { SSL_free(ssl) }

    // MARK: Transport side

    /// Ciphertext read from the socket.
    public func receive(ciphertext: UnsafeRawBufferPointer) {
        guard let base = ciphertext.baseAddress, ciphertext.count > 0 else { return }
        var offset = 0
        while offset < ciphertext.count {
            let chunk = Int32(min(ciphertext.count - offset, Int(Int32.max)))
            let written = BIO_write(networkIn, base + offset, chunk)
            // A memory BIO only fails when out of memory.
            guard written > 0 else { fatalError("BIO_write to a memory BIO failed") }
            offset += Int(written)
        }
    }

    public func receive(ciphertext: [UInt8]) {
        ciphertext.withUnsafeBytes { receive(ciphertext: $0) }
    }

    /// The transport reached end of stream. Later reads report a clean
    /// `.closed` if close_notify arrived first, else `.unexpectedEOF`.
    public func receiveEndOfStream() {
        _ = cgw_BIO_set_mem_eof_return(networkIn, 0)
    }

    /// Whether ciphertext is waiting to be written to the socket.
    public var hasCiphertext: Bool { BIO_ctrl_pending(networkOut) > 0 }

    /// Ciphertext to write to the socket (empty when none is pending).
    public func takeCiphertext() -> [UInt8] {
        var out: [UInt8] = []
        takeCiphertext(appendingTo: &out)
        return out
    }

    /// Appends pending ciphertext to `buffer` (lets the caller reuse one).
    public func takeCiphertext(appendingTo buffer: inout [UInt8]) {
        let pending = Int(BIO_ctrl_pending(networkOut))
        guard pending > 0 else { return }
        // Read into scratch memory and append it in one copy: growing the
        // array element by element is slow in unoptimised builds.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: pending) { scratch in
            let read = Int(BIO_read(networkOut, scratch.baseAddress!, Int32(pending)))
            if read > 0 { buffer.append(contentsOf: UnsafeBufferPointer(rebasing: scratch[..<read])) }
        }
    }

    // MARK: TLS side

    /// Advances the handshake; true once it is complete. Certificate
    /// problems throw with the failed check as the reason.
    public func handshake() throws(TLSError) -> Bool {
        if SSL_is_init_finished(ssl) == 1 { return true }
        ERR_clear_error()
        let result = SSL_do_handshake(ssl)
        if result == 1 {
            try flushPendingPlaintext()
            return true
        }
        switch SSL_get_error(ssl, result) {
        case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
            return false
        default:
            throw handshakeFailure()
        }
    }

    public var isHandshakeComplete: Bool { SSL_is_init_finished(ssl) == 1 }

    /// Appends every plaintext byte available to `buffer`.
    public func readPlaintext(into buffer: inout [UInt8]) throws(TLSError) -> TLSReadResult {
        if receivedCloseNotify { return .closed }
        if let pendingReadFailure { throw pendingReadFailure }
        try flushPendingPlaintext()
        var total = 0
        while true {
            ERR_clear_error()
            // Decrypt one record's worth into scratch memory, then append
            // what arrived in one copy.
            var readCount = 0
            let ok = withUnsafeTemporaryAllocation(of: UInt8.self, capacity: Self.maxRecordPlaintext) { scratch in
                let ok = SSL_read_ex(ssl, scratch.baseAddress!, Self.maxRecordPlaintext, &readCount)
                if ok == 1 { buffer.append(contentsOf: UnsafeBufferPointer(rebasing: scratch[..<readCount])) }
                return ok
            }
            if ok == 1 {
                total += readCount
                continue
            }
            let error = SSL_get_error(ssl, 0)
            switch error {
            case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
                return total > 0 ? .bytes(total) : .wantMore
            case SSL_ERROR_ZERO_RETURN:
                receivedCloseNotify = true
                return total > 0 ? .bytes(total) : .closed
            default:
                let failure = readFailure(error)
                // Deliver what arrived intact first; the next call reports the failure.
                pendingReadFailure = failure
                if total > 0 { return .bytes(total) }
                throw failure
            }
        }
    }

    /// Encrypts `bytes`; the ciphertext is then available from `takeCiphertext`.
    /// Before the handshake completes the bytes are queued and sent with it.
    public func writePlaintext(_ bytes: [UInt8]) throws(TLSError) {
        guard !bytes.isEmpty else { return }
        pendingPlaintext.append(contentsOf: bytes)
        if isHandshakeComplete { try flushPendingPlaintext() }
    }

    /// Queues close_notify (take it with `takeCiphertext`). Idempotent.
    public func close() {
        guard !shutdownSent else { return }
        shutdownSent = true
        // Shutdown before the handshake is done would abort it; nothing to say then.
        guard isHandshakeComplete else { return }
        ERR_clear_error()
        _ = SSL_shutdown(ssl)
        ERR_clear_error()
    }

    // MARK: Internals

    private func flushPendingPlaintext() throws(TLSError) {
        while !pendingPlaintext.isEmpty {
            ERR_clear_error()
            var written = 0
            let ok = pendingPlaintext.withUnsafeBytes { SSL_write_ex(ssl, $0.baseAddress, $0.count, &written) }
            if ok == 1 {
                pendingPlaintext.removeFirst(written)
                continue
            }
            switch SSL_get_error(ssl, 0) {
            case SSL_ERROR_WANT_READ, SSL_ERROR_WANT_WRITE:
                return
            case let error:
                throw readFailure(error)
            }
        }
    }

    private func handshakeFailure() -> TLSError {
        let verify = SSL_get_verify_result(ssl)
        if verify != X509_V_OK {
            ERR_clear_error()
            return OpenSSLError.verification(verify)
        }
        if let (code, text) = OpenSSLError.drain() {
            if cgw_ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING {
                return TLSError(.unexpectedEOF, "handshake failed: connection closed by peer")
            }
            return TLSError(.handshake, "handshake failed: " + text)
        }
        return TLSError(.unexpectedEOF, "handshake failed: connection closed by peer")
    }

    private func readFailure(_ error: Int32) -> TLSError {
        let queued = OpenSSLError.drain()
        if let (code, _) = queued, cgw_ERR_GET_REASON(code) == SSL_R_UNEXPECTED_EOF_WHILE_READING {
            return TLSError(.unexpectedEOF, "unexpected EOF: peer closed without close_notify")
        }
        if error == SSL_ERROR_SYSCALL && queued == nil {
            // Memory BIOs make no syscalls: this is the end of input.
            return TLSError(.unexpectedEOF, "unexpected EOF: peer closed without close_notify")
        }
        return TLSError(.protocolError, queued?.text ?? "TLS failure (SSL error \(error))")
    }

    /// Largest plaintext one TLS record carries.
    static let maxRecordPlaintext = 16 * 1024

    static func unbracketed(_ name: String) -> String {
        if name.hasPrefix("["), name.hasSuffix("]") { return String(name.dropFirst().dropLast()) }
        return name
    }

    static func isIPAddress(_ name: String) -> Bool {
        var storage = in6_addr()
        return withUnsafeMutableBytes(of: &storage) { raw in
            inet_pton(AF_INET, name, raw.baseAddress) == 1 || inet_pton(AF_INET6, name, raw.baseAddress) == 1
        }
    }
}
