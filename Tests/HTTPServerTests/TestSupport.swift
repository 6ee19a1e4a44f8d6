import Glibc
import HTTP1
import Logging
import Reactor
import Testing

@testable import HTTPServer

/// A parsed response as a test sees it.
struct TestResponse: Sendable {
    var status: Int
    var headers: [(name: String, value: String)]
    var body: [UInt8]

    func header(_ name: String) -> String? {
        headers.first { $0.name.lowercased() == name.lowercased() }?.value
    }

    var text: String { String(decoding: body, as: UTF8.self) }
}

struct ClientError: Error, CustomStringConvertible {
    var description: String
}

/// Blocking test I/O runs here, not on the two-thread shared pool, where a
/// test waiting in recv would starve the very tasks it waits for.
let testIO = BlockingPool(threads: 24, name: "test-io")

/// A blocking loopback client with a receive timeout, so every test read
/// is bounded in time. `@unchecked Sendable`: each client belongs to one
/// test, which awaits every call before making the next, so its buffer is
/// never touched by two threads at once.
final class TestClient: @unchecked Sendable {
    let fd: Int32
    private var buffer: [UInt8] = []

    /// `receiveBuffer` fixes SO_RCVBUF (no autotuning up to tens of MiB),
    /// so a test can make sure the server's output cannot all fit in flight.
    init(port: Int, receiveTimeout: Duration = .seconds(90), receiveBuffer: Int32? = nil, ipv6: Bool = false) throws {
        fd = socket(ipv6 ? AF_INET6 : AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw ClientError(description: "socket failed") }
        if var size = receiveBuffer {
            setsockopt(fd, SOL_SOCKET, SO_RCVBUF, &size, socklen_t(MemoryLayout<Int32>.size))
        }
        var timeout = timeval(tv_sec: Int(receiveTimeout.components.seconds),
                              tv_usec: Int(receiveTimeout.components.attoseconds / 1_000_000_000_000))
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        let result: Int32
        if ipv6 {
            var address = sockaddr_in6()
            address.sin6_family = sa_family_t(AF_INET6)
            address.sin6_port = in_port_t(UInt16(port).bigEndian)
            address.sin6_addr = in6addr_loopback
            result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in6>.size))
                }
            }
        } else {
            var address = sockaddr_in()
            address.sin_family = sa_family_t(AF_INET)
            address.sin_port = in_port_t(UInt16(port).bigEndian)
            address.sin_addr.s_addr = inet_addr("127.0.0.1")
            result = withUnsafePointer(to: &address) {
                $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                    connect(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
                }
            }
        }
        guard result == 0 else {
            Glibc.close(fd)
            throw ClientError(description: "connect failed: errno \(errno)")
        }
    }

    deinit { Glibc.close(fd) }

    func send(_ text: String) async throws { try await send(Array(text.utf8)) }

    func send(_ bytes: [UInt8]) async throws {
        try await testIO.run { try self.sendBlocking(bytes) }
    }

    func sendBlocking(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let count = bytes[offset...].withUnsafeBytes { Glibc.send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            guard count > 0 else { throw ClientError(description: "send failed: errno \(errno)") }
            offset += count
        }
    }

    /// Half-closes the sending side (the server sees end of stream).
    func finishSending() { shutdown(fd, Int32(SHUT_WR)) }

    /// Reads more bytes; false at end of stream; throws on timeout/error.
    private func fill() throws -> Bool {
        var chunk = [UInt8](repeating: 0, count: 65536)
        let count = recv(fd, &chunk, chunk.count, 0)
        if count == 0 { return false }
        if count < 0 {
            let code = errno
            if code == ECONNRESET { return false }
            throw ClientError(description: code == EAGAIN ? "receive timed out" : "recv failed: errno \(code)")
        }
        buffer.append(contentsOf: chunk[..<count])
        return true
    }

    private func takeLine() throws -> String? {
        while true {
            if let end = buffer.firstIndex(of: UInt8(ascii: "\n")) {
                var line = Array(buffer[..<end])
                buffer.removeFirst(end + 1)
                if line.last == UInt8(ascii: "\r") { line.removeLast() }
                return String(decoding: line, as: UTF8.self)
            }
            guard try fill() else { return nil }
        }
    }

    /// The next response (interim 1xx included); nil at a clean end of
    /// stream before a status line. `head`: a HEAD answer has no body.
    func readResponse(head: Bool = false) async throws -> TestResponse? {
        try await testIO.run { try self.readResponseBlocking(head: head) }
    }

    private func readResponseBlocking(head: Bool) throws -> TestResponse? {
        guard let statusLine = try takeLine() else { return nil }
        let parts = statusLine.split(separator: " ", maxSplits: 2)
        guard parts.count >= 2, parts[0] == "HTTP/1.1", let status = Int(parts[1]) else {
            throw ClientError(description: "bad status line: \(statusLine)")
        }
        var headers: [(name: String, value: String)] = []
        while let line = try takeLine(), !line.isEmpty {
            guard let colon = line.firstIndex(of: ":") else { throw ClientError(description: "bad field: \(line)") }
            headers.append((String(line[..<colon]), String(line[line.index(after: colon)...]).trimmingSpaces()))
        }
        var response = TestResponse(status: status, headers: headers, body: [])
        guard !head, status >= 200, status != 204, status != 304 else { return response }
        let length = Int(response.header("content-length") ?? "0") ?? 0
        while buffer.count < length {
            guard try fill() else { throw ClientError(description: "body truncated") }
        }
        response.body = Array(buffer[..<length])
        buffer.removeFirst(length)
        return response
    }

    /// How many bytes arrive (buffered ones included) until the server closes.
    func readToEnd() async throws -> Int {
        try await testIO.run {
            var total = self.buffer.count
            self.buffer.removeAll()
            while try self.fill() {
                total += self.buffer.count
                self.buffer.removeAll()
            }
            return total
        }
    }

    /// Whether the server closed the connection (reads to end of stream,
    /// discarding anything sent before the close).
    func waitForClose() async throws -> Bool {
        try await testIO.run { try self.waitForCloseBlocking() }
    }

    private func waitForCloseBlocking() throws -> Bool {
        buffer.removeAll()
        while try fill() { buffer.removeAll() }
        return true
    }
}

extension String {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first == " " { s.removeFirst() }
        while s.last == " " { s.removeLast() }
        return String(s)
    }
}

func testLogger() -> Logger {
    var logger = Logger(label: "test") { StreamLogHandler.standardError(label: $0) }
    logger.logLevel = .critical
    return logger
}

/// Starts a server on a free port, runs `body`, and always shuts it down.
func withServer(
    configure: (inout HTTPServerConfiguration) -> Void = { _ in },
    middleware: [any HTTPMiddleware] = [],
    routes: (inout Router) -> Void,
    _ body: (HTTPServer) async throws -> Void
) async throws {
    var configuration = HTTPServerConfiguration()
    configuration.port = 0
    configuration.threads = 2
    configuration.shutdownTimeout = .seconds(2)
    // Requests sent in several steps must not meet the 10 s/30 s defaults
    // when a full parallel run starves the shared pool for tens of seconds;
    // timeout tests set short values themselves.
    configuration.headerTimeout = .seconds(120)
    configuration.bodyTimeout = .seconds(120)
    configure(&configuration)
    var router = Router()
    routes(&router)
    let server = HTTPServer(configuration: configuration, router: router, middleware: middleware, logger: testLogger())
    try server.start()
    do {
        try await body(server)
    } catch {
        await server.shutdown()
        throw error
    }
    await server.shutdown()
}

/// Routes most tests use.
func standardRoutes(_ router: inout Router) {
    router.add(.get, "/hello") { _, _ in HTTPResponse(status: 200, contentType: "text/plain", body: "hello") }
    router.add(.get, "/echo/{n}") { _, context in
        HTTPResponse(status: 200, contentType: "text/plain", body: context.pathParameters["n"] ?? "?")
    }
    router.add(.post, "/echo") { request, _ in
        HTTPResponse(status: 200, headers: ["Content-Type": "application/octet-stream"], body: request.body)
    }
    router.add(.get, "/context") { _, context in
        HTTPResponse(status: 200, contentType: "text/plain", body: "\(context.requestID) \(context.routeTemplate)")
    }
}

/// Polls `condition` every 20 ms for up to `limit`; true once it holds.
func eventually(within limit: Duration = .seconds(10), _ condition: () -> Bool) async -> Bool {
    let deadline = ContinuousClock.now.advanced(by: limit)
    while ContinuousClock.now < deadline {
        if condition() { return true }
        try? await Task.sleep(for: .milliseconds(20))
    }
    return condition()
}
