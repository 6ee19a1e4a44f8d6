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

    func close(reset: Bool) {
        if reset {
            var linger = Glibc.linger(l_onoff: 1, l_linger: 0)
            _ = setsockopt(fd, SOL_SOCKET, SO_LINGER, &linger, socklen_t(MemoryLayout<Glibc.linger>.size))
        }
        Syscall.close(fd)
    }
}
