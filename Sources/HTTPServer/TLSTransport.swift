import Glibc
import Logging
import Reactor
import TLS

/// HTTPS: a server `TLSSession` between the connection and its socket.
///
/// Reads pull ciphertext through the session and hand out plaintext; a
/// read only comes back short once the socket is drained (or the stream
/// ended), so the connection's edge-triggered reading stays correct.
/// Writes encrypt at most `writePiece` bytes at a time and report them
/// written only once their ciphertext is on the wire: until then they stay
/// in the connection's output, so back-pressure, the send timeout and
/// close-after-flush work exactly as over plain TCP. Bytes the session
/// makes on its own (handshake, session tickets, alerts) go out when the
/// socket takes them, via `flushOwnOutput` if the connection has nothing
/// to send.
final class TLSTransport: ConnectionTransport {
    let fd: Int32
    private let session: TLSSession
    private let peer: SocketAddress
    private let logger: Logger

    /// Decrypted input not yet handed to the connection.
    private var plaintext: [UInt8] = []
    private var plaintextOffset = 0
    /// close_notify or the socket's end of stream was seen: once the
    /// plaintext is handed out, reads report end of stream.
    private var inputEnded = false

    /// Ciphertext for the socket, in order: the session's own records and
    /// the encryption of `inFlightPlaintext` bytes of the caller's output.
    private var ciphertext: [UInt8] = []
    private var ciphertextOffset = 0
    /// Plaintext already encrypted into `ciphertext` whose write the caller
    /// has not yet been told about (it offers the same bytes again).
    private var inFlightPlaintext = 0

    /// Plaintext encrypted per write: bounds the ciphertext a connection
    /// holds to a few records while a large response trickles out.
    static let writePiece = 64 * 1024

    init(fd: Int32, context: TLSServerContext, peer: SocketAddress, logger: Logger) throws(TLSError) {
        self.fd = fd
        self.session = try TLSSession(server: context)
        self.peer = peer
        self.logger = logger
    }

    var isNegotiating: Bool { !session.isHandshakeComplete && !inputEnded }

    var hasBufferedInput: Bool { plaintextOffset < plaintext.count || inputEnded }

    // MARK: Reading

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> IOResult<Int> {
        var socketDrained = false
        // The caller's buffer doubles as the ciphertext scratch: it is only
        // filled with plaintext at the end.
        while plaintext.count - plaintextOffset < buffer.count && !socketDrained && !inputEnded {
            if plaintextOffset > 0 {
                // Keep only what is still to be handed out, so a long upload
                // does not grow the buffer.
                plaintext.removeFirst(plaintextOffset)
                plaintextOffset = 0
            }
            switch try Syscall.read(fd, into: buffer) {
            case .wouldBlock:
                socketDrained = true
            case .done(0):
                session.receiveEndOfStream()
                try advance(socketEnded: true)
            case .done(let count):
                session.receive(ciphertext: UnsafeRawBufferPointer(rebasing: buffer[..<count]))
                try advance(socketEnded: false)
            }
        }
        let available = plaintext.count - plaintextOffset
        guard available > 0 else { return inputEnded ? .done(0) : .wouldBlock }
        let count = min(available, buffer.count)
        plaintext.withUnsafeBytes { bytes in
            buffer.copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[plaintextOffset..<(plaintextOffset + count)]))
        }
        plaintextOffset += count
        if plaintextOffset == plaintext.count {
            plaintext = []  // an idle connection keeps no buffer
            plaintextOffset = 0
        }
        return .done(count)
    }

    /// Moves the session on after new ciphertext (or the socket's end):
    /// handshake, then decryption; whatever the session has to say goes out.
    private func advance(socketEnded: Bool) throws(SystemError) {
        defer { _ = try? flushCiphertext() }
        do {
            if try !session.handshake() {
                // A socket ended mid-handshake ends the connection.
                if socketEnded { inputEnded = true }
                return
            }
        } catch {
            // Scanners, plain-HTTP clients and peers distrusting our
            // certificate end here: routine, not worth more than debug.
            logger.debug("TLS handshake failed", metadata: ["peer": "\(peer)", "error": "\(error.reason)"])
            _ = try? flushCiphertext()  // the alert, best effort
            throw SystemError(errno: EPROTO, call: "TLS handshake")
        }
        do {
            // Again after bytes: a close_notify right behind them is only
            // reported by the next call.
            reading: while true {
                switch try session.readPlaintext(into: &plaintext) {
                case .bytes:
                    continue
                case .wantMore:
                    if socketEnded { inputEnded = true }
                    break reading
                case .closed:
                    inputEnded = true
                    break reading
                }
            }
        } catch let error where error.kind == .unexpectedEOF {
            _ = error
            // No close_notify: a truncation matters to a client reading a
            // body, but a server just sees the peer go.
            inputEnded = true
        } catch {
            logger.debug("TLS read failed", metadata: ["peer": "\(peer)", "error": "\(error.reason)"])
            throw SystemError(errno: EPROTO, call: "TLS read")
        }
    }

    // MARK: Writing

    func write(_ bytes: UnsafeRawBufferPointer) throws(SystemError) -> IOResult<Int> {
        if inFlightPlaintext == 0 && !bytes.isEmpty {
            let piece = min(bytes.count, Self.writePiece)
            do {
                // A bulk copy: building the array element by element costs
                // far more than the encryption in unoptimised builds.
                let chunk = [UInt8](unsafeUninitializedCapacity: piece) { target, initialized in
                    UnsafeMutableRawBufferPointer(target).copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[..<piece]))
                    initialized = piece
                }
                try session.writePlaintext(chunk)
            } catch {
                logger.debug("TLS write failed", metadata: ["peer": "\(peer)", "error": "\(error.reason)"])
                throw SystemError(errno: EPROTO, call: "TLS write")
            }
            session.takeCiphertext(appendingTo: &ciphertext)
            inFlightPlaintext = piece
        }
        assert(bytes.count >= inFlightPlaintext, "a write after .wouldBlock must offer the same bytes again")
        guard try flushCiphertext() else { return .wouldBlock }
        let written = inFlightPlaintext
        inFlightPlaintext = 0
        return .done(written)
    }

    func flushOwnOutput() throws(SystemError) {
        _ = try flushCiphertext()
    }

    /// Writes pending ciphertext; true once none is left.
    @discardableResult
    private func flushCiphertext() throws(SystemError) -> Bool {
        session.takeCiphertext(appendingTo: &ciphertext)
        while ciphertextOffset < ciphertext.count {
            let result = ciphertext.withUnsafeBytes { bytes in
                Result { () throws(SystemError) in
                    try Syscall.write(fd, UnsafeRawBufferPointer(rebasing: bytes[ciphertextOffset...]))
                }
            }
            switch try result.get() {
            case .done(let count): ciphertextOffset += count
            case .wouldBlock: return false
            }
        }
        ciphertext = []
        ciphertextOffset = 0
        return true
    }

    // MARK: Closing

    func close(reset: Bool) {
        if reset {
            var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
            _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        } else {
            // close_notify tells the client the answer is complete; best
            // effort, the socket is closed right after either way.
            session.close()
            _ = try? flushCiphertext()
        }
        Syscall.close(fd)
    }
}

extension ServerCore {
    /// The transport for an accepted socket: TLS when the server has a
    /// certificate. nil if a TLS session cannot be made (out of memory).
    func transport(for fd: Int32, peer: SocketAddress) -> (any ConnectionTransport)? {
        guard let context = configuration.tls else { return PlainTransport(fd: fd) }
        do {
            return try TLSTransport(fd: fd, context: context, peer: peer, logger: logger)
        } catch {
            logger.warning("cannot start a TLS session", metadata: ["error": "\(error.reason)"])
            return nil
        }
    }
}
