import Glibc
import Reactor

/// How a connection moves bytes over its socket. Plain TCP today; a TLS
/// transport (a `TLSSession` between these calls and the socket) plugs in
/// here without the HTTP state machine changing.
protocol ConnectionTransport: AnyObject {
    /// Plaintext in; `.done(0)` is the peer's end of stream.
    func read(into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> IOResult<Int>
    /// Plaintext out; may accept fewer bytes than offered.
    func write(_ bytes: UnsafeRawBufferPointer) throws(SystemError) -> IOResult<Int>
    /// Input already taken from the socket, or possibly left in it, that
    /// the next `read` would return: an edge-triggered reader must not wait
    /// for another event while this is true.
    var hasBufferedInput: Bool { get }
    /// Bytes the transport accepted but could not put on the wire yet
    /// (TLS records); the connection is not flushed until this is false.
    var hasPendingOutput: Bool { get }
    /// Writes what is pending; on the socket's writable events.
    func flushPending() throws(SystemError)
    /// Still setting up (the TLS handshake): the header timeout applies.
    var isNegotiating: Bool { get }
    /// Closes the socket; `reset` sends an RST instead of a FIN.
    func close(reset: Bool)
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

    var hasBufferedInput: Bool { false }

    var hasPendingOutput: Bool { false }

    func flushPending() throws(SystemError) {}

    var isNegotiating: Bool { false }

    func close(reset: Bool) {
        if reset {
            var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
            _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        }
        Syscall.close(fd)
    }
}
