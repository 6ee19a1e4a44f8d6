import Glibc
import Reactor

/// How a connection moves bytes over its socket. Plain TCP today; a TLS
/// transport (a `TLSSession` between these calls and the socket) plugs in
/// here without the HTTP state machine changing.
protocol ConnectionTransport: AnyObject {
    /// Plaintext in; `.done(0)` is the peer's end of stream.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> IOResult<Int>
    /// Plaintext out; may accept fewer bytes than offered. After
    /// `.wouldBlock` the caller offers the same bytes again (more may follow
    /// them): TLS has already encrypted a prefix of them.
    func write(_ bytes: UnsafeRawBufferPointer) throws(SystemError) -> IOResult<Int>
    /// Closes the socket; `reset` sends an RST instead of a FIN.
    func close(reset: Bool)
    /// Still setting up (TLS handshake): the header timeout applies.
    var isNegotiating: Bool { get }
    /// Input taken from the socket but not yet returned by `read`: a short
    /// read then does not mean the socket is drained.
    var hasBufferedInput: Bool { get }
    /// The socket is writable and the connection has nothing to send:
    /// bytes the transport made itself (handshake, alerts) go out.
    func flushOwnOutput() throws(SystemError)
}

extension ConnectionTransport {
    var isNegotiating: Bool { false }
    var hasBufferedInput: Bool { false }
    func flushOwnOutput() throws(SystemError) {}
}

/// Bytes straight to and from the socket.
final class PlainTransport: ConnectionTransport {
    let fd: Int32

    init(fd: Int32) { self.fd = fd }

    func read(into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> IOResult<Int> {
        try Syscall.read(fd, into: buffer)
    }

    func write(_ bytes: UnsafeRawBufferPointer) throws(SystemError) -> IOResult<Int> {
        try Syscall.write(fd, bytes)
    }

    func close(reset: Bool) {
        if reset {
            var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
            _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        }
        Syscall.close(fd)
    }
}
