import CLinux
import Glibc
import HTTP1
import Logging
import Reactor
import TLS

/// A listening socket on one loop. Every loop has its own (SO_REUSEPORT),
/// so the kernel spreads new connections over the loops and no accept
/// crosses a thread.
final class Listener: IOHandler {
    let fd: Int32
    private unowned let state: LoopState
    private var paused = false
    private var closed = false

    init(fd: Int32, state: LoopState) {
        self.fd = fd
        self.state = state
    }

    /// A non-blocking listening socket bound to `address`.
    static func bind(_ address: SocketAddress, backlog: Int32 = 4096) throws(SystemError) -> Int32 {
        let fd = cgw_socket_nonblocking(address.family, Int32(SOCK_STREAM.rawValue))
        if fd < 0 { throw SystemError(errno: cgw_errno(), call: "socket") }
        if cgw_set_int_option(fd, SOL_SOCKET, SO_REUSEADDR, 1) != 0
            || cgw_set_int_option(fd, SOL_SOCKET, SO_REUSEPORT, 1) != 0
        {
            let code = cgw_errno()
            Syscall.close(fd)
            throw SystemError(errno: code, call: "setsockopt(SO_REUSEPORT)")
        }
        var storage = address.storage
        let bound = withUnsafePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { Glibc.bind(fd, $0, address.length) }
        }
        if bound != 0 {
            let code = cgw_errno()
            Syscall.close(fd)
            throw SystemError(errno: code, call: "bind(\(address))")
        }
        if Glibc.listen(fd, backlog) != 0 {
            let code = cgw_errno()
            Syscall.close(fd)
            throw SystemError(errno: code, call: "listen")
        }
        return fd
    }

    /// The port a bound socket got (the real one when 0 was asked for).
    static func boundPort(_ fd: Int32) throws(SystemError) -> Int {
        var storage = sockaddr_storage()
        var length = socklen_t(MemoryLayout<sockaddr_storage>.size)
        let result = withUnsafeMutablePointer(to: &storage) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        if result != 0 { throw SystemError(errno: cgw_errno(), call: "getsockname") }
        return SocketAddress(storage: storage, length: length).port
    }

    func handleIO(readable: Bool, writable: Bool, hangup: Bool) {
        // Bounded per wake-up so one busy listener cannot starve the loop.
        for _ in 0..<64 {
            guard !closed, !paused else { return }
            let result: IOResult<(fd: Int32, peer: SocketAddress)>
            do {
                result = try Syscall.accept4(fd)
            } catch {
                handleAcceptError(error)
                return
            }
            switch result {
            case .wouldBlock:
                return
            case .done(let client):
                admit(client.fd, peer: client.peer)
            }
        }
    }

    private func admit(_ client: Int32, peer: SocketAddress) {
        let core = state.core
        let open = core.openConnections.wrappingAdd(1, ordering: .relaxed).newValue
        if open > core.configuration.maxConnections || state.draining {
            core.openConnections.wrappingSubtract(1, ordering: .relaxed)
            refuse(client)
            return
        }
        // Whole responses go out in one write; Nagle would only delay them.
        _ = cgw_set_int_option(client, Int32(IPPROTO_TCP), TCP_NODELAY, 1)
        let transport: any ConnectionTransport
        if let context = core.configuration.tls {
            do {
                transport = try TLSTransport(fd: client, context: context, peer: peer, logger: core.logger)
            } catch {
                core.logger.warning("cannot start a TLS session", metadata: ["error": "\(error)"])
                core.openConnections.wrappingSubtract(1, ordering: .relaxed)
                Syscall.close(client)
                return
            }
        } else {
            transport = PlainTransport(fd: client)
        }
        let connection = HTTPConnection(fd: client, transport: transport, peer: peer, state: state)
        do {
            try state.loop.register(client, interest: [.read, .write, .edgeTriggered], handler: connection)
        } catch {
            core.logger.warning("cannot register a connection", metadata: ["error": "\(error)"])
            core.openConnections.wrappingSubtract(1, ordering: .relaxed)
            Syscall.close(client)
            return
        }
        state.add(connection)
        connection.start()
    }

    /// Over the connection cap: a short 503 (best effort, the socket buffer
    /// of a fresh connection always has room) and close.
    private func refuse(_ client: Int32) {
        var bytes: [UInt8] = []
        HTTPResponseEncoder.encode(
            Problem.overloaded.response(headers: ["Retry-After": "1"]), version: .http1_1, keepAlive: false,
            isHead: false, date: state.date, into: &bytes)
        _ = bytes.withUnsafeBytes { try? Syscall.write(client, $0) }
        _ = shutdown(client, Int32(SHUT_WR))
        // Unread input at close turns the FIN into an RST, which can destroy
        // the 503 before the client reads it: drop what already arrived.
        var discard = [UInt8](repeating: 0, count: 4096)
        _ = discard.withUnsafeMutableBytes { try? Syscall.read(client, into: $0) }
        Syscall.close(client)
    }

    private func handleAcceptError(_ error: SystemError) {
        switch error.errno {
        case ECONNABORTED, EPROTO, EPERM:
            return  // that one connection failed; the listener is fine
        case EMFILE, ENFILE, ENOBUFS, ENOMEM:
            // Out of descriptors or memory: accepting again at once would
            // spin. Stop listening for a moment and let connections close.
            state.core.logger.warning("accept paused", metadata: ["error": "\(error)"])
            paused = true
            try? state.loop.reregister(fd, interest: [])
            state.loop.schedule(after: .milliseconds(100)) { [weak self] in
                guard let self, !self.closed else { return }
                self.paused = false
                try? self.state.loop.reregister(self.fd, interest: .read)
            }
        default:
            state.core.logger.error("accept failed", metadata: ["error": "\(error)"])
        }
    }

    func close() {
        guard !closed else { return }
        closed = true
        state.loop.deregister(fd)
        Syscall.close(fd)
    }
}
