import Glibc
import Logging
import Reactor
import TLS

/// HTTPS: a `TLSSession` between the connection and the socket. Reads
/// feed ciphertext in and hand plaintext out; writes encrypt and send,
/// keeping records the socket could not take until it is writable.
final class TLSTransport: ConnectionTransport {
    let fd: Int32
    private let session: TLSSession
    /// Decrypted bytes not handed to the connection yet.
    private var plaintext: [UInt8] = []
    private var plaintextOffset = 0
    /// Encrypted bytes not written to the socket yet.
    private var ciphertext: [UInt8] = []
    private var ciphertextOffset = 0
    /// The socket ended, or close_notify came: once the plaintext is
    /// handed out, reads report end of stream.
    private var socketEnded = false
    /// The last socket read was short: the socket had nothing more then.
    private var socketDrained = true
    private let peer: SocketAddress
    private let logger: Logger

    /// Plaintext encrypted per write: a large answer is held as a few
    /// records of ciphertext at a time, not as a second copy of itself.
    static let writePiece = 64 * 1024

    init(fd: Int32, context: TLSServerContext, peer: SocketAddress, logger: Logger) throws(TLSError) {
        self.fd = fd
        session = try TLSSession(server: context)
        self.peer = peer
        self.logger = logger
    }

    /// The handshake counts as the start of the first request: a client
    /// that stalls in it meets the header timeout.
    var isNegotiating: Bool { !session.isHandshakeComplete && !socketEnded }

    /// TLS failures reach the connection as a failed read or write (it
    /// closes); the reason stays out of client-visible answers.
    private static func failure(_ error: TLSError, _ call: String) -> SystemError {
        SystemError(errno: EPROTO, call: "\(call): \(error.reason)")
    }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> IOResult<Int> {
        while true {
            if plaintextOffset < plaintext.count { return .done(handOut(into: buffer)) }
            if socketEnded { return .done(0) }
            // The caller's buffer first carries ciphertext into the session.
            switch try Syscall.read(fd, into: buffer) {
            case .wouldBlock:
                socketDrained = true
                return .wouldBlock
            case .done(0):
                // The peer went without close_notify. Every complete record
                // was decrypted after the read that brought it, so nothing
                // is lost; and the session is not told: OpenSSL 3 would
                // fail it (sending a decode_error alert) and the answer to
                // a request already read could not be sent.
                socketEnded = true
                continue
            case .done(let count):
                socketDrained = count < buffer.count
                session.receive(ciphertext: UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            }
            let handshaking = !session.isHandshakeComplete
            do {
                if handshaking {
                    _ = try session.handshake()
                }
                if session.isHandshakeComplete {
                    plaintext.removeAll(keepingCapacity: true)
                    plaintextOffset = 0
                    try readAllPlaintext()
                }
            } catch {
                // Scanners, plain-HTTP clients, peers distrusting the
                // certificate: routine, so debug; the alert goes out best effort.
                logger.debug(
                    handshaking ? "TLS handshake failed" : "TLS read failed",
                    metadata: ["peer": "\(peer)", "error": "\(error.reason)"])
                try? sendCiphertext()
                throw Self.failure(error, "TLS read")
            }
            // Handshake messages (and alerts) go out at once.
            try sendCiphertext()
            // A partial record and an empty socket: wait for the next edge.
            if plaintextOffset >= plaintext.count && socketDrained && !socketEnded { return .wouldBlock }
        }
    }

    /// Decrypts every complete record. A close_notify right behind data is
    /// only reported by the next call, hence the loop.
    private func readAllPlaintext() throws(TLSError) {
        while true {
            switch try session.readPlaintext(into: &plaintext) {
            case .bytes: continue
            case .wantMore: return
            case .closed:
                socketEnded = true
                return
            }
        }
    }

    /// The end of stream also waits to be reported after the last bytes.
    var hasBufferedInput: Bool { plaintextOffset < plaintext.count || !socketDrained || socketEnded }

    private func handOut(into buffer: UnsafeMutableRawBufferPointer) -> Int {
        let count = min(buffer.count, plaintext.count - plaintextOffset)
        plaintext.withUnsafeBytes { source in
            buffer.baseAddress!.copyMemory(from: source.baseAddress! + plaintextOffset, byteCount: count)
        }
        plaintextOffset += count
        if plaintextOffset == plaintext.count {
            plaintext = []  // an idle connection keeps no buffer
            plaintextOffset = 0
        }
        return count
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws(SystemError) -> IOResult<Int> {
        // Records the socket has not taken yet come first: back-pressure.
        try sendCiphertext()
        if hasPendingOutput { return .wouldBlock }
        let piece = min(bytes.count, Self.writePiece)
        // A bulk copy: building the array byte by byte costs more than the
        // encryption in unoptimised builds.
        let chunk = [UInt8](unsafeUninitializedCapacity: piece) { target, initialized in
            UnsafeMutableRawBufferPointer(target).copyMemory(from: UnsafeRawBufferPointer(rebasing: bytes[..<piece]))
            initialized = piece
        }
        do {
            try session.writePlaintext(chunk)
        } catch {
            throw Self.failure(error, "TLS write")
        }
        try sendCiphertext()
        return .done(piece)
    }

    var hasPendingOutput: Bool { ciphertextOffset < ciphertext.count || session.hasCiphertext }

    func flushPending() throws(SystemError) {
        try sendCiphertext()
    }

    private func sendCiphertext() throws(SystemError) {
        if ciphertextOffset == ciphertext.count {
            ciphertext.removeAll(keepingCapacity: false)
            ciphertextOffset = 0
        }
        session.takeCiphertext(appendingTo: &ciphertext)
        let failed = ciphertext.withUnsafeBytes { bytes -> SystemError? in
            while ciphertextOffset < bytes.count {
                do throws(SystemError) {
                    switch try Syscall.write(fd, UnsafeRawBufferPointer(rebasing: bytes[ciphertextOffset...])) {
                    case .done(let count): ciphertextOffset += count
                    case .wouldBlock: return nil
                    }
                } catch {
                    return error
                }
            }
            return nil
        }
        if let failed { throw failed }
        if ciphertextOffset == ciphertext.count {
            ciphertext = []
            ciphertextOffset = 0
        }
    }

    func close(reset: Bool) {
        if !reset {
            // close_notify, best effort: the socket is closing anyway.
            session.close()
            try? sendCiphertext()
        }
        PlainTransport(fd: fd).close(reset: reset)
    }
}
