import Glibc
import HTTP1
import TLS

/// How an `HTTPServer` listens and protects itself.
public struct HTTPServerConfiguration: Sendable {
    /// A numeric IPv4/IPv6 address, or "localhost".
    public var host = "127.0.0.1"
    /// 0 picks a free port (read it from `HTTPServer.port`).
    public var port = 8080
    /// Event-loop threads; default: the number of online cores.
    public var threads: Int = max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN))))
    public var limits = HTTP1Limits()
    /// The whole header section must arrive within this time of its first byte.
    public var headerTimeout: Duration = .seconds(10)
    /// The whole body must arrive within this time of the end of the head.
    public var bodyTimeout: Duration = .seconds(30)
    /// A keep-alive connection with no request in progress closes after this;
    /// it is also the limit for a peer that stops reading our output.
    public var idleTimeout: Duration = .seconds(60)
    /// How long `shutdown()` lets in-flight requests finish.
    public var shutdownTimeout: Duration = .seconds(30)
    /// Open client connections per process; an accept over it gets a short 503.
    public var maxConnections = 10_000
    /// gzip per `ContentNegotiation`, with `Vary: Accept-Encoding` on compressible answers.
    public var compression = true
    /// HTTPS with this certificate when set (the simulator's `--tls-cert`).
    public var tls: TLSServerContext? = nil
    /// Where a handler's task runs: true = on the connection's own loop as
    /// its task executor (no thread hop for an answer that never suspends;
    /// the faster one in BENCHMARKS.md), false = on the shared pool.
    /// Handlers must not block either way.
    public var runsHandlersOnLoop = true

    public init() {}
}
