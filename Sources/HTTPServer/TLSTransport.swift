import Glibc
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
    private var socketEnded = false
    /// The last socket read was short: the socket had nothing more then.
    private var socketDrained = true

    init(fd: Int32, context: TLSServerContext) throws(TLSError) {
        self.fd = fd
        session = try TLSSession(server: context)
    }

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
                socketEnded = true
                session.receiveEndOfStream()
            case .done(let count):
                socketDrained = count < buffer.count
                session.receive(ciphertext: UnsafeRawBufferPointer(rebasing: buffer[..<count]))
            }
            do {
                if !session.isHandshakeComplete {
                    _ = try session.handshake()
                }
                if session.isHandshakeComplete {
                    plaintext.removeAll(keepingCapacity: true)
                    plaintextOffset = 0
                    if case .closed = try session.readPlaintext(into: &plaintext) { socketEnded = true }
                }
            } catch {
                throw Self.failure(error, "TLS read")
            }
            // Handshake messages (and alerts) go out at once.
            try sendCiphertext()
            // A partial record and an empty socket: wait for the next edge.
            if plaintextOffset >= plaintext.count && socketDrained && !socketEnded { return .wouldBlock }
        }
    }

    var hasBufferedInput: Bool { plaintextOffset < plaintext.count || !socketDrained }

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
        do {
            try session.writePlaintext(Array(bytes))
        } catch {
            throw Self.failure(error, "TLS write")
        }
        try sendCiphertext()
        return .done(bytes.count)
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
