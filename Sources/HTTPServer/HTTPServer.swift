import Glibc
import HTTP1
import Logging
import Reactor
import Synchronization

/// An HTTP/1.1 server on its own event loops: one listener and one epoll
/// set per loop thread, connections never change loops, handlers are
/// async functions.
public final class HTTPServer: Sendable {
    private let core: ServerCore
    private let lifecycle = Mutex(Lifecycle.idle)

    private enum Lifecycle {
        case idle
        case running(group: EventLoopGroup, loops: [LoopBound<LoopState>], port: Int)
        case stopped
    }

    public init(
        configuration: HTTPServerConfiguration, router: Router, middleware: [any HTTPMiddleware] = [],
        logger: Logger
    ) {
        core = ServerCore(configuration: configuration, router: router, middleware: middleware, logger: logger)
    }

    /// Binds every loop's listener and starts serving; returns at once.
    /// Connections that arrive before a loop registers its listener wait in
    /// the listen backlog.
    public func start() throws {
        let configuration = core.configuration
        let host = configuration.host == "localhost" ? "127.0.0.1" : configuration.host
        guard SocketAddress(ip: host, port: configuration.port) != nil else {
            throw SystemError(errno: EINVAL, call: "listen address \(configuration.host):\(configuration.port)")
        }
        Self.raiseDescriptorLimit()
        let group = try EventLoopGroup(threads: configuration.threads, name: "http")

        // With port 0, each SO_REUSEPORT socket would get its own port:
        // bind the first, then bind the others to the port it got.
        var listeners: [Int32] = []
        var port = configuration.port
        do {
            for _ in group.loops {
                guard let bindAddress = SocketAddress(ip: host, port: port) else { break }
                let fd = try Listener.bind(bindAddress)
                listeners.append(fd)
                if port == 0 { port = try Listener.boundPort(fd) }
            }
        } catch {
            for fd in listeners { Syscall.close(fd) }
            group.shutdown()
            throw error
        }

        var bound: [LoopBound<LoopState>] = []
        for (loop, listenFD) in zip(group.loops, listeners) {
            let state = LoopState(loop: loop, core: core)
            let handle = LoopBound(state, on: loop)
            bound.append(handle)
            handle.run { state in
                let listener = Listener(fd: listenFD, state: state)
                do {
                    try state.loop.register(listenFD, interest: .read, handler: listener)
                    state.listener = listener
                } catch {
                    state.core.logger.critical("cannot watch the listening socket", metadata: ["error": "\(error)"])
                    Syscall.close(listenFD)
                }
            }
        }
        let started = lifecycle.withLock { lifecycle -> Bool in
            guard case .idle = lifecycle else { return false }
            lifecycle = .running(group: group, loops: bound, port: port)
            return true
        }
        guard started else {
            group.shutdown()
            for fd in listeners { Syscall.close(fd) }
            throw SystemError(errno: EALREADY, call: "HTTPServer.start")
        }
        core.logger.info(
            "listening", metadata: ["address": "\(host):\(port)", "threads": "\(configuration.threads)"])
    }

    /// The bound port (after `start`), 0 before.
    public var port: Int {
        lifecycle.withLock { lifecycle in
            if case .running(_, _, let port) = lifecycle { return port }
            return 0
        }
    }

    /// Client connections open right now, over all loops.
    public var openConnections: Int {
        core.openConnections.load(ordering: .relaxed)
    }

    /// True once `shutdown()` has begun.
    var isDraining: Bool { core.draining.load(ordering: .sequentiallyConsistent) }

    /// Stops accepting, lets in-flight requests finish (each answered with
    /// `Connection: close`) for up to `shutdownTimeout`, closes idle and
    /// remaining connections, and stops the loops. Called from a handler,
    /// it continues on the shared pool (it joins the loop threads), and that
    /// handler's own request is cut off at the deadline.
    public func shutdown() async {
        if lifecycle.withLock({ if case .running(let group, _, _) = $0 { group.loops.contains { $0.inEventLoop } } else { false } }) {
            await Task.detached { await self.shutdown() }.value
            return
        }
        let running = lifecycle.withLock { lifecycle -> (EventLoopGroup, [LoopBound<LoopState>])? in
            guard case .running(let group, let loops, _) = lifecycle else { return nil }
            lifecycle = .stopped
            return (group, loops)
        }
        guard let (group, loops) = running else { return }
        core.draining.store(true, ordering: .sequentiallyConsistent)
        for loop in loops { loop.run { $0.beginDrain() } }

        let deadline = ContinuousClock.now.advanced(by: core.configuration.shutdownTimeout)
        while openConnections > 0 && ContinuousClock.now < deadline {
            try? await Task.sleep(for: .milliseconds(10))
        }
        if openConnections > 0 {
            core.logger.warning("shutdown timeout: closing busy connections", metadata: ["open": "\(openConnections)"])
            for loop in loops { loop.run { $0.closeAll() } }
        }
        // Let the loops run the closes they were just given, then stop them.
        for loop in loops {
            await withCheckedContinuation { continuation in
                loop.run { _ in continuation.resume() }
            }
        }
        group.shutdown()
        core.logger.info("stopped")
    }

    /// Serves until SIGTERM or SIGINT, then shuts down gracefully.
    public func run() async throws {
        try TerminationSignal.install()
        try start()
        let signal = await TerminationSignal.wait()
        core.logger.info("signal received, shutting down", metadata: ["signal": "\(signal)"])
        await shutdown()
    }

    /// 10,000 connections need more than the usual soft limit of 1,024
    /// descriptors: raise the soft limit to the hard one.
    private static func raiseDescriptorLimit() {
        var limit = rlimit()
        guard getrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit) == 0, limit.rlim_cur < limit.rlim_max else { return }
        limit.rlim_cur = limit.rlim_max
        _ = setrlimit(Int32(RLIMIT_NOFILE.rawValue), &limit)
    }
}
