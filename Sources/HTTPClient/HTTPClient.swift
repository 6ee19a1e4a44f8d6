import HTTP1
import Logging
import Reactor
import Synchronization
import TLS

/// A non-blocking HTTP/1.1 client on the project's event loops: one pool
/// of keep-alive connections per origin, name resolution off the loops,
/// TLS with certificate and hostname verification, a deadline per call.
/// No redirects are followed: a 3xx is returned as is.
public final class HTTPClient: Sendable {
    private let group: EventLoopGroup
    private let configuration: HTTPClientConfiguration
    private let logger: Logger
    private let tls: TLSClientContext?
    private let resolver = AddressResolver()
    private let pools = Mutex<[Origin: OriginPool]>([:])
    private let isShutDown = Atomic<Bool>(false)

    public init(group: EventLoopGroup, configuration: HTTPClientConfiguration, logger: Logger) {
        self.group = group
        self.configuration = configuration
        self.logger = logger
        // Without an explicit context, https uses the system trust store; if
        // even that cannot load, https calls fail with a TLS error.
        tls = configuration.tls ?? (try? TLSClientContext())
    }

    /// Sends `request` and returns the whole response, gzip decoded.
    /// Everything (resolution, connect, TLS, waiting for a pooled
    /// connection, the exchange) fits in `timeout`, else `.timeout`.
    ///
    /// Task cancellation is deliberately not acted on: a token refresh cut
    /// off after Withings rotated the pair would lose the new refresh token.
    /// The deadline bounds every call instead.
    public func send(_ request: HTTPClientRequest, timeout: Duration) async throws(HTTPClientError) -> HTTPResponse {
        let deadline = ContinuousClock.now + timeout
        guard !isShutDown.load(ordering: .relaxed) else { throw .connect("client is shut down") }
        guard let url = ClientURL(request.url), Self.isToken(request.method.name) else { throw .invalidURL }
        if url.origin.scheme == .https, tls == nil { throw .tls("no trust store available") }
        let encoded = try Self.encode(request, url: url)
        let addresses = try await resolver.resolve(host: url.origin.host, port: url.origin.port, deadline: deadline)
        let pool = pool(for: url.origin)
        let closeAfter = ClientConnection.wantsClose(request.headers)
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<HTTPResponse, HTTPClientError>, Never>) in
            pool.loop.execute {
                let job = RequestJob(
                    id: pool.makeJobID(), bytes: encoded, method: request.method, closeAfter: closeAfter,
                    addresses: addresses, deadline: deadline
                ) { result in continuation.resume(returning: result) }
                pool.submit(job)
            }
        }
        return try ResponseDecoding.decode(result.get(), maxBytes: configuration.maxResponseBodyBytes)
    }

    /// Closes every connection, fails calls in flight, stops the resolver.
    /// Call it before shutting the `EventLoopGroup` down: it runs on the loops.
    public func shutdown() async {
        guard !isShutDown.exchange(true, ordering: .relaxed) else { return }
        let all = pools.withLock { pools in
            defer { pools.removeAll() }
            return Array(pools.values)
        }
        for pool in all {
            await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
                pool.loop.execute {
                    pool.shutdown()
                    continuation.resume()
                }
            }
        }
        resolver.shutdown()
    }

    /// Open connections to the origin of `url` (connecting, busy or idle).
    /// For tests and diagnostics.
    public func openConnections(to url: String) async -> Int {
        guard let origin = ClientURL(url)?.origin, let pool = pools.withLock({ $0[origin] }) else { return 0 }
        return await withCheckedContinuation { continuation in
            pool.loop.execute { continuation.resume(returning: pool.openConnections) }
        }
    }

    private func pool(for origin: Origin) -> OriginPool {
        pools.withLock { pools in
            if let pool = pools[origin] { return pool }
            let pool = OriginPool(
                loop: group.next(), origin: origin, configuration: configuration, tls: tls, logger: logger)
            pools[origin] = pool
            return pool
        }
    }

    /// The request's bytes. Host, Content-Length and Transfer-Encoding are
    /// the encoder's to set; a header that could split the message (a
    /// control character in a value, a non-token name) refuses the call.
    static func encode(_ request: HTTPClientRequest, url: ClientURL) throws(HTTPClientError) -> [UInt8] {
        var headers = HTTPHeaders()
        for (name, value) in request.headers {
            guard isToken(name), value.utf8.allSatisfy({ $0 == 0x09 || ($0 >= 0x20 && $0 != 0x7F) }) else {
                throw .invalidURL
            }
            if HTTPHeaders.namesEqual(name, "host") || HTTPHeaders.namesEqual(name, "content-length")
                || HTTPHeaders.namesEqual(name, "transfer-encoding")
            {
                continue
            }
            headers.add(name, value)
        }
        if !headers.contains("Accept-Encoding") { headers.add("Accept-Encoding", "gzip") }
        if !headers.contains("User-Agent") { headers.add("User-Agent", "withings-gateway") }
        let message = HTTPRequest(method: request.method, target: url.target, headers: headers, body: request.body)
        var bytes: [UInt8] = []
        bytes.reserveCapacity(256 + request.body.count)
        HTTPRequestEncoder.encode(message, host: url.origin.hostHeader, into: &bytes)
        return bytes
    }

    static func isToken(_ name: String) -> Bool {
        !name.isEmpty && name.utf8.allSatisfy { byte in
            switch byte {
            case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
                UInt8(ascii: "0")...UInt8(ascii: "9"):
                true
            default:
                Array("!#$%&'*+-.^_`|~".utf8).contains(byte)
            }
        }
    }
}
