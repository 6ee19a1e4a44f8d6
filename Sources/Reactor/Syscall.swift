import CLinux
import Glibc

/// The one place where system calls meet their error policy:
/// EINTR is retried, EAGAIN/EWOULDBLOCK comes back as `.wouldBlock`, and
/// every other failure throws a `SystemError` whose errno was read on the
/// very next line after the call (nothing in between can clobber it).
public enum Syscall {
    @inline(__always)
    static func retrying<T: BinaryInteger>(
        _ call: String, wouldBlockErrnos: (Int32, Int32) = (EAGAIN, EWOULDBLOCK), _ body: () -> T
    ) throws(SystemError) -> IOResult<T> {
        while true {
            let result = body()
            if result >= 0 { return .done(result) }
            let code = cgw_errno()
            if code == EINTR { continue }
            if code == wouldBlockErrnos.0 || code == wouldBlockErrnos.1 { return .wouldBlock }
            throw SystemError(errno: code, call: call)
        }
    }

    public static func read(_ fd: Int32, into buffer: UnsafeMutableRawBufferPointer) throws(SystemError) -> IOResult<Int> {
        try retrying("read") { Glibc.read(fd, buffer.baseAddress, buffer.count) }
    }

    public static func write(_ fd: Int32, _ buffer: UnsafeRawBufferPointer) throws(SystemError) -> IOResult<Int> {
        // send(MSG_NOSIGNAL): a peer that went away is an EPIPE, not a SIGPIPE.
        try retrying("send") { Glibc.send(fd, buffer.baseAddress, buffer.count, Int32(MSG_NOSIGNAL)) }
    }

    public static func writev(_ fd: Int32, _ vectors: UnsafeBufferPointer<iovec>) throws(SystemError) -> IOResult<Int> {
        var header = msghdr()
        header.msg_iov = UnsafeMutablePointer(mutating: vectors.baseAddress)
        header.msg_iovlen = vectors.count
        return try retrying("sendmsg") { Glibc.sendmsg(fd, &header, Int32(MSG_NOSIGNAL)) }
    }

    /// A new non-blocking, close-on-exec connection and its peer address.
    public static func accept4(_ fd: Int32) throws(SystemError) -> IOResult<(fd: Int32, peer: SocketAddress)> {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = try withUnsafeMutablePointer(to: &storage) { pointer throws(SystemError) in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { address throws(SystemError) in
                try retrying("accept4") { cgw_accept4(fd, address, &length) }
            }
        }
        switch result {
        case .done(let client): return .done((client, SocketAddress(storage: storage, length: length)))
        case .wouldBlock: return .wouldBlock
        }
    }

    /// Starts a non-blocking connect; `.wouldBlock` means in progress
    /// (wait for writable, then read SO_ERROR with `socketError`).
    public static func connect(_ fd: Int32, to address: SocketAddress) throws(SystemError) -> IOResult<Void> {
        var storage = address.storage
        let result = try withUnsafePointer(to: &storage) { pointer throws(SystemError) in
            try pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) { raw throws(SystemError) in
                try retrying("connect", wouldBlockErrnos: (EINPROGRESS, EAGAIN)) {
                    Glibc.connect(fd, raw, address.length)
                }
            }
        }
        switch result {
        case .done: return .done(())
        case .wouldBlock: return .wouldBlock
        }
    }

    /// The pending error of a socket (0 when none), e.g. after a connect.
    public static func socketError(_ fd: Int32) throws(SystemError) -> Int32 {
        var value: Int32 = 0
        var length = socklen_t(MemoryLayout<Int32>.size)
        if getsockopt(fd, SOL_SOCKET, SO_ERROR, &value, &length) != 0 {
            throw SystemError(errno: cgw_errno(), call: "getsockopt(SO_ERROR)")
        }
        return value
    }

    /// Closes a descriptor. EINTR is not retried: on Linux the descriptor
    /// is released even then, and a retry could close a reused number.
    public static func close(_ fd: Int32) {
        _ = Glibc.close(fd)
    }
}
