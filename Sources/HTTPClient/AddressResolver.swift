import Glibc
import Reactor
import Synchronization

/// Name resolution that never blocks an event loop: getaddrinfo runs on a
/// small dedicated thread pool, answers are cached briefly (the Withings
/// API is one or two hosts, resolved again every `ttl`), and a caller stops
/// waiting at its deadline even if getaddrinfo does not return.
final class AddressResolver: Sendable {
    private struct Key: Hashable {
        var host: String
        var port: Int
    }

    private struct Entry {
        var addresses: [SocketAddress]
        var expires: ContinuousClock.Instant
    }

    static let ttl: Duration = .seconds(30)
    static let maxEntries = 64

    private let pool: BlockingPool
    private let cache = Mutex<[Key: Entry]>([:])

    init(threads: Int = 2) {
        pool = BlockingPool(threads: threads, name: "dns")
    }

    func shutdown() { pool.shutdown() }

    func resolve(host: String, port: Int, deadline: ContinuousClock.Instant) async throws(HTTPClientError)
        -> [SocketAddress]
    {
        // IP literals need no lookup (and must not depend on the resolver).
        if let address = SocketAddress(ip: host, port: port) { return [address] }
        let key = Key(host: host, port: port)
        let now = ContinuousClock.now
        if let cached = cache.withLock({ $0[key] }), cached.expires > now { return cached.addresses }
        guard deadline > now else { throw .timeout }

        let pool = self.pool
        let result = await withCheckedContinuation { (continuation: CheckedContinuation<Result<[SocketAddress], HTTPClientError>, Never>) in
            let once = OnceContinuation(continuation)
            let timer = Task {
                try? await Task.sleep(until: deadline, clock: .continuous)
                once.resume(.failure(.timeout))
            }
            // Unstructured on purpose: getaddrinfo cannot be cancelled, and the
            // caller must not wait for it past its deadline.
            Task {
                let answer: Result<[SocketAddress], HTTPClientError>
                do {
                    answer = try await pool.run { Self.lookup(host: host, port: port) }
                } catch {
                    answer = .failure(.dns("resolver stopped"))
                }
                timer.cancel()
                once.resume(answer)
            }
        }
        let addresses = try result.get()
        store(addresses, for: key)
        return addresses
    }

    private func store(_ addresses: [SocketAddress], for key: Key) {
        let expires = ContinuousClock.now + Self.ttl
        cache.withLock { cache in
            if cache.count >= Self.maxEntries {
                let now = ContinuousClock.now
                cache = cache.filter { $0.value.expires > now }
                if cache.count >= Self.maxEntries { cache.removeAll() }
            }
            cache[key] = Entry(addresses: addresses, expires: expires)
        }
    }

    /// Blocking getaddrinfo: TCP addresses of the families this host can
    /// reach (AI_ADDRCONFIG), in the resolver's order.
    static func lookup(host: String, port: Int) -> Result<[SocketAddress], HTTPClientError> {
        var hints = addrinfo()
        hints.ai_family = AF_UNSPEC
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        hints.ai_flags = AI_ADDRCONFIG | AI_NUMERICSERV
        var list: UnsafeMutablePointer<addrinfo>?
        let status = getaddrinfo(host, String(port), &hints, &list)
        guard status == 0 else {
            let reason = gai_strerror(status).map { String(cString: $0) } ?? "error \(status)"
            return .failure(.dns("\(host): \(reason)"))
        }
        defer { freeaddrinfo(list) }
        var addresses: [SocketAddress] = []
        var node = list
        while let info = node?.pointee {
            defer { node = info.ai_next }
            guard let raw = info.ai_addr, info.ai_family == AF_INET || info.ai_family == AF_INET6,
                Int(info.ai_addrlen) <= MemoryLayout<sockaddr_storage>.size
            else { continue }
            var storage = sockaddr_storage()
            withUnsafeMutableBytes(of: &storage) { target in
                target.copyMemory(from: UnsafeRawBufferPointer(start: raw, count: Int(info.ai_addrlen)))
            }
            addresses.append(SocketAddress(storage: storage, length: info.ai_addrlen))
        }
        guard !addresses.isEmpty else { return .failure(.dns("\(host): no IPv4 or IPv6 address")) }
        return .success(addresses)
    }
}
