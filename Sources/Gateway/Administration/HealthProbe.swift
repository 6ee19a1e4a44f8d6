import Glibc

/// `withings-gateway healthcheck`: a blocking GET /healthz over loopback for
/// container health checks, with a hard deadline. Needs no event loop.
public enum HealthProbe {
    /// True when the gateway at `address` answers 200 within `timeoutSeconds`.
    public static func check(_ address: ListenAddress, timeoutSeconds: Int = 3) -> Bool {
        // A wildcard listen address is reached through loopback.
        let host: String = switch address.host {
        case "0.0.0.0": "127.0.0.1"
        case "::": "::1"
        default: address.host
        }
        var hints = addrinfo()
        hints.ai_socktype = Int32(SOCK_STREAM.rawValue)
        var results: UnsafeMutablePointer<addrinfo>?
        guard getaddrinfo(host, String(address.port), &hints, &results) == 0, let first = results else { return false }
        defer { freeaddrinfo(results) }
        let fd = socket(first.pointee.ai_family, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        guard fd >= 0 else { return false }
        defer { close(fd) }
        var timeout = timeval(tv_sec: timeoutSeconds, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        setsockopt(fd, SOL_SOCKET, SO_SNDTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        guard connect(fd, first.pointee.ai_addr, first.pointee.ai_addrlen) == 0 else { return false }
        let request = Array("GET /healthz HTTP/1.1\r\nHost: \(host)\r\nConnection: close\r\n\r\n".utf8)
        guard request.withUnsafeBytes({ send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }) == request.count else {
            return false
        }
        var response = [UInt8](repeating: 0, count: 64)
        var received = 0
        while received < 12 {
            let count = response.withUnsafeMutableBytes { buffer -> Int in
                guard let base = buffer.baseAddress else { return -1 }
                return recv(fd, base + received, buffer.count - received, 0)
            }
            guard count > 0 else { return false }
            received += count
        }
        let statusLine = String(decoding: response[0..<12], as: UTF8.self)
        return statusLine == "HTTP/1.1 200" || statusLine == "HTTP/1.0 200"
    }
}
