import Foundation
import Glibc
import TLS

/// A loopback HTTP server whose behaviour each test scripts: one thread
/// accepts, one thread per connection runs the script. Blocking sockets
/// with receive timeouts keep every thread bounded in time.
final class ScriptedServer: @unchecked Sendable {
    // @unchecked: the counters are guarded by `lock`; the rest is immutable
    // after init or only touched by the thread that owns it.
    let port: Int
    private let listenFD: Int32
    private let tls: TLSServerContext?
    private let script: @Sendable (ServerConnection) throws -> Void
    private let lock = NSLock()
    private var accepted = 0
    private var open = 0
    private var maxOpen = 0
    private var stopping = false
    private var requests: [ReceivedRequest] = []
    private let threads = DispatchGroup()

    init(tls: TLSServerContext? = nil, script: @escaping @Sendable (ServerConnection) throws -> Void) throws {
        self.tls = tls
        self.script = script
        let listenFD = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        var one: Int32 = 1
        setsockopt(listenFD, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { bind(listenFD, $0, socklen_t(MemoryLayout<sockaddr_in>.size)) }
        }
        guard bound == 0, listen(listenFD, 64) == 0 else {
            Glibc.close(listenFD)
            throw ServerError("bind/listen failed: errno \(errno)")
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        _ = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(listenFD, $0, &length) }
        }
        port = Int(UInt16(bigEndian: address.sin_port))
        self.listenFD = listenFD
        threads.enter()
        Thread { [self] in
            acceptLoop()
            threads.leave()
        }.start()
    }

    var acceptedCount: Int { lock.withLock { accepted } }
    var maxConcurrentConnections: Int { lock.withLock { maxOpen } }
    var receivedRequests: [ReceivedRequest] { lock.withLock { requests } }

    func record(_ request: ReceivedRequest) { lock.withLock { requests.append(request) } }

    /// Stops accepting and waits (bounded) for connection threads to end.
    func stop() {
        lock.withLock { stopping = true }
        _ = threads.wait(timeout: .now() + 10)
        Glibc.close(listenFD)
    }

    private var isStopping: Bool { lock.withLock { stopping } }

    private func acceptLoop() {
        while !isStopping {
            var poller = pollfd(fd: listenFD, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 20) > 0 else { continue }
            let fd = accept(listenFD, nil, nil)
            guard fd >= 0 else { continue }
            lock.withLock {
                accepted += 1
                open += 1
                maxOpen = max(maxOpen, open)
            }
            threads.enter()
            Thread { [self] in
                defer {
                    lock.withLock { open -= 1 }
                    threads.leave()
                }
                guard let connection = try? ServerConnection(fd: fd, tls: tls, server: self) else {
                    Glibc.close(fd)
                    return
                }
                try? script(connection)
                connection.closeAbruptly()
            }.start()
        }
    }
}

struct ServerError: Error, CustomStringConvertible {
    var description: String
    init(_ description: String) { self.description = description }
}

struct ReceivedRequest: Sendable {
    var head: String
    var body: [UInt8]

    // "\r\n" is one Character in Swift: split on the string, not on "\r".
    var requestLine: String { head.components(separatedBy: "\r\n").first ?? "" }
    func header(_ name: String) -> String? {
        for line in head.components(separatedBy: "\r\n").dropFirst() {
            let parts = line.split(separator: ":", maxSplits: 1)
            if parts.count == 2, parts[0].lowercased() == name.lowercased() {
                return parts[1].trimmingCharacters(in: .whitespaces)
            }
        }
        return nil
    }
}

/// One accepted connection, plain or TLS, as a script sees it.
final class ServerConnection {
    private var fd: Int32
    private let tls: TLSSession?
    private unowned let server: ScriptedServer
    private var inbound: [UInt8] = []
    private var peerClosed = false

    init(fd: Int32, tls context: TLSServerContext?, server: ScriptedServer) throws {
        self.fd = fd
        self.server = server
        var timeout = timeval(tv_sec: 5, tv_usec: 0)
        setsockopt(fd, SOL_SOCKET, SO_RCVTIMEO, &timeout, socklen_t(MemoryLayout<timeval>.size))
        if let context {
            let session = try TLSSession(server: context)
            tls = session
            for _ in 0..<50 {
                if try session.handshake() {
                    try sendRaw(session.takeCiphertext())
                    return
                }
                try sendRaw(session.takeCiphertext())
                guard let bytes = try receiveRaw() else { throw ServerError("EOF in handshake") }
                session.receive(ciphertext: bytes)
            }
            throw ServerError("handshake did not finish")
        } else {
            tls = nil
        }
    }

    /// The next request (head up to the blank line, Content-Length body);
    /// nil when the client closed first.
    @discardableResult
    func readRequest() throws -> ReceivedRequest? {
        let separator = Array("\r\n\r\n".utf8)
        while true {
            if let end = find(separator) {
                let head = String(decoding: inbound[..<end], as: UTF8.self)
                var request = ReceivedRequest(head: head, body: [])
                let length = Int(request.header("content-length") ?? "0") ?? 0
                while inbound.count < end + 4 + length {
                    guard try fill() else { throw ServerError("EOF in body") }
                }
                request.body = Array(inbound[(end + 4)..<(end + 4 + length)])
                inbound.removeFirst(end + 4 + length)
                server.record(request)
                return request
            }
            guard try fill() else { return nil }
        }
    }

    func write(_ text: String) throws { try write(Array(text.utf8)) }

    func write(_ bytes: [UInt8]) throws {
        if let tls {
            try tls.writePlaintext(bytes)
            try sendRaw(tls.takeCiphertext())
        } else {
            try sendRaw(bytes)
        }
    }

    /// Waits until the client closes (or `seconds` pass), reading and dropping input.
    func waitForClientClose(seconds: Int) {
        let deadline = Date().addingTimeInterval(TimeInterval(seconds))
        while Date() < deadline, !peerClosed {
            var poller = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            guard poll(&poller, 1, 20) > 0 else { continue }
            if (try? fill()) != true { return }
        }
    }

    /// close_notify under TLS, then the socket.
    func closeCleanly() {
        sendCloseNotify()
        closeAbruptly()
    }

    /// close_notify alone: the TCP connection stays open.
    func sendCloseNotify() {
        guard let tls else { return }
        tls.close()
        try? sendRaw(tls.takeCiphertext())
    }

    /// The socket only: under TLS the client sees no close_notify.
    func closeAbruptly() {
        guard fd >= 0 else { return }
        Glibc.close(fd)
        fd = -1
    }

    private func find(_ needle: [UInt8]) -> Int? {
        guard inbound.count >= needle.count else { return nil }
        for start in 0...(inbound.count - needle.count) where inbound[start..<start + needle.count].elementsEqual(needle) {
            return start
        }
        return nil
    }

    /// Reads more plaintext into `inbound`; false at end of stream.
    private func fill() throws -> Bool {
        // The handshake may have left application data inside the session.
        if let tls {
            let before = inbound.count
            if try tls.readPlaintext(into: &inbound) == .closed {
                peerClosed = true
                return false
            }
            if inbound.count > before { return true }
        }
        while true {
            guard let bytes = try receiveRaw() else {
                peerClosed = true
                return false
            }
            guard let tls else {
                inbound.append(contentsOf: bytes)
                return true
            }
            tls.receive(ciphertext: bytes)
            let before = inbound.count
            switch try tls.readPlaintext(into: &inbound) {
            case .closed:
                peerClosed = true
                return false
            case .bytes, .wantMore:
                if inbound.count > before { return true }
            }
        }
    }

    private func receiveRaw() throws -> [UInt8]? {
        guard fd >= 0 else { return nil }
        var buffer = [UInt8](repeating: 0, count: 64 * 1024)
        let count = recv(fd, &buffer, buffer.count, 0)
        if count < 0 { throw ServerError("recv failed: errno \(errno)") }
        return count == 0 ? nil : Array(buffer[..<count])
    }

    private func sendRaw(_ bytes: [UInt8]) throws {
        var offset = 0
        while offset < bytes.count {
            let sent = bytes[offset...].withUnsafeBytes { send(fd, $0.baseAddress, $0.count, Int32(MSG_NOSIGNAL)) }
            if sent <= 0 { throw ServerError("send failed: errno \(errno)") }
            offset += sent
        }
    }
}
