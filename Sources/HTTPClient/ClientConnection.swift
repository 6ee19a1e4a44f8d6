import Glibc
import HTTP1
import Reactor
import TLS

/// How one request/response exchange on a connection ended.
enum ExchangeOutcome {
    case response(HTTPResponse, reusable: Bool)
    /// `nothingReceived`: not one byte of a response arrived; `nothingSent`:
    /// not one byte of the request reached the socket. Together with
    /// whether the connection came from the pool, they decide a retry.
    case failure(HTTPClientError, nothingReceived: Bool, nothingSent: Bool)
}

/// One upstream TCP (and optionally TLS) connection: connects, carries one
/// exchange at a time, and reports to its pool through callbacks. Every
/// method runs on `loop`'s thread; a callback is always the last thing a
/// method does, because the pool may close or reuse the connection in it.
final class ClientConnection: IOHandler {
    enum Phase: Equatable { case new, connecting, handshaking, idle, exchanging, closed }

    let id: Int
    private let loop: EventLoop
    private let tlsContext: TLSClientContext?
    private let serverName: String
    private let maxBodyBytes: Int
    /// Shared by the pool's connections (one loop, one read at a time).
    private let readBuffer: ReadBuffer

    private(set) var phase: Phase = .new
    private var fd: Int32 = -1
    private var interest: IOInterest = []
    private var tls: TLSSession?

    // Establishing.
    private var addresses: [SocketAddress] = []
    private var nextAddress = 0
    private var lastConnectError = "no address"
    private var connectTimer: TimerID?
    private var onEstablished: ((Result<Void, HTTPClientError>) -> Void)?

    // Writing: bytes for the socket (ciphertext under TLS).
    private var outbound: [UInt8] = []
    private var outboundSent = 0

    // The current exchange.
    private var parser = HTTPResponseParser()
    private var method: HTTPMethod = .get
    private var closeAfterExchange = false
    private var requestBytesSent = 0
    private var responseBytesSeen = 0
    private var onOutcome: ((ExchangeOutcome) -> Void)?

    // Idle in the pool.
    private var idleTimer: TimerID?
    private var onIdleClosed: (() -> Void)?

    init(id: Int, loop: EventLoop, tls: TLSClientContext?, serverName: String, maxBodyBytes: Int,
         readBuffer: ReadBuffer) {
        self.id = id
        self.readBuffer = readBuffer
        self.loop = loop
        self.tlsContext = tls
        self.serverName = serverName
        self.maxBodyBytes = maxBodyBytes
    }

    // MARK: Establishing

    /// Connects to the first address that accepts (then TLS if configured)
    /// within `timeout`; reports once.
    func connect(to addresses: [SocketAddress], timeout: Duration,
                 completion: @escaping (Result<Void, HTTPClientError>) -> Void) {
        precondition(phase == .new)
        phase = .connecting
        self.addresses = addresses
        onEstablished = completion
        connectTimer = loop.schedule(after: timeout) { [weak self] in
            self?.connectTimer = nil
            self?.failEstablishing(.connect("timed out after \(timeout)"))
        }
        tryNextAddress()
    }

    private func tryNextAddress() {
        closeSocket()
        guard nextAddress < addresses.count else {
            failEstablishing(.connect(lastConnectError))
            return
        }
        let address = addresses[nextAddress]
        nextAddress += 1
        let socketType = Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue) | Int32(SOCK_CLOEXEC.rawValue)
        fd = socket(address.family, socketType, 0)
        guard fd >= 0 else {
            lastConnectError = "\(address): socket: \(String(cString: strerror(errno)))"
            tryNextAddress()
            return
        }
        var one: Int32 = 1
        // Requests are written whole; do not let Nagle hold their tail.
        _ = setsockopt(fd, Int32(IPPROTO_TCP), TCP_NODELAY, &one, socklen_t(MemoryLayout<Int32>.size))
        do {
            let started = try Syscall.connect(fd, to: address)
            try loop.register(fd, interest: [.write], handler: self)
            interest = [.write]
            if case .done = started { connected() }
        } catch {
            lastConnectError = "\(address): \(error)"
            tryNextAddress()
        }
    }

    private func connected() {
        if let tlsContext {
            do {
                tls = try TLSSession(client: tlsContext, serverName: serverName)
            } catch {
                failEstablishing(.tls(error.reason))
                return
            }
            phase = .handshaking
            setInterest([.read])
            advanceHandshake()
        } else {
            established()
        }
    }

    private func advanceHandshake() {
        guard let tls else { return }
        let done: Bool
        do {
            done = try tls.handshake()
        } catch {
            // Send our alert if the socket takes it; the error is what matters.
            tls.takeCiphertext(appendingTo: &outbound)
            _ = try? writeOutbound()
            failEstablishing(.tls(error.reason))
            return
        }
        tls.takeCiphertext(appendingTo: &outbound)
        do {
            try writeOutbound()
        } catch {
            failEstablishing(.connect("\(error)"))
            return
        }
        if done { established() }
    }

    private func established() {
        cancelConnectTimer()
        phase = .idle
        setInterest(outboundSent < outbound.count ? [.read, .write] : [.read])
        let completion = onEstablished
        onEstablished = nil
        completion?(.success(()))
    }

    private func failEstablishing(_ error: HTTPClientError) {
        guard phase == .connecting || phase == .handshaking else { return }
        let completion = onEstablished
        onEstablished = nil
        abort()
        completion?(.failure(error))
    }

    private func cancelConnectTimer() {
        if let connectTimer { loop.cancel(connectTimer) }
        connectTimer = nil
    }

    // MARK: Exchanging

    /// Sends one encoded request and reports the response (or failure) once.
    func send(_ request: [UInt8], method: HTTPMethod, closeAfter: Bool,
              completion: @escaping (ExchangeOutcome) -> Void) {
        precondition(phase == .idle, "send on a connection that is not idle")
        if let idleTimer { loop.cancel(idleTimer) }
        idleTimer = nil
        onIdleClosed = nil
        phase = .exchanging
        self.method = method
        closeAfterExchange = closeAfter
        parser = HTTPResponseParser(maxBodyBytes: maxBodyBytes)
        requestBytesSent = 0
        responseBytesSeen = 0
        onOutcome = completion
        if let tls {
            do {
                try tls.writePlaintext(request)
            } catch {
                failExchange(.tls(error.reason))
                return
            }
            tls.takeCiphertext(appendingTo: &outbound)
        } else {
            outbound.append(contentsOf: request)
        }
        do {
            try writeOutbound()
        } catch {
            failExchange(.truncated)
        }
    }

    private func finishExchange(with response: HTTPResponse, peerClosed: Bool) {
        // An early answer (e.g. 413 before the whole body was sent) leaves
        // the request half-written: the connection cannot carry another.
        let requestComplete = outboundSent >= outbound.count
        let reusable = requestComplete && !peerClosed && !closeAfterExchange && !Self.wantsClose(response.headers)
        phase = .idle
        let completion = onOutcome
        onOutcome = nil
        completion?(.response(response, reusable: reusable))
    }

    private func failExchange(_ error: HTTPClientError) {
        guard phase == .exchanging else { return }
        let outcome = ExchangeOutcome.failure(
            error, nothingReceived: responseBytesSeen == 0, nothingSent: requestBytesSent == 0)
        let completion = onOutcome
        onOutcome = nil
        abort()
        completion?(outcome)
    }

    static func wantsClose(_ headers: HTTPHeaders) -> Bool {
        headers.values(for: "connection").contains { value in
            value.split(separator: ",").contains { $0.trimmedLowercased() == "close" }
        }
    }

    // MARK: Idle

    /// Parks the connection: it closes itself after `timeout`, or when the
    /// peer closes it or sends anything unasked, and then reports once.
    func park(timeout: Duration, onClosed: @escaping () -> Void) {
        precondition(phase == .idle)
        onIdleClosed = onClosed
        idleTimer = loop.schedule(after: timeout) { [weak self] in
            self?.idleTimer = nil
            self?.closeIdle()
        }
    }

    private func closeIdle() {
        guard phase == .idle else { return }
        let completion = onIdleClosed
        onIdleClosed = nil
        close()
        completion?()
    }

    // MARK: Closing

    /// Polite close: close_notify under TLS (best effort), then the socket.
    func close() {
        guard phase != .closed else { return }
        if let tls, phase == .idle {
            tls.close()
            tls.takeCiphertext(appendingTo: &outbound)
            _ = try? writeOutbound()
        }
        abort()
    }

    /// Immediate close without callbacks (deadline passed, failure reported).
    func abort() {
        guard phase != .closed else { return }
        phase = .closed
        cancelConnectTimer()
        if let idleTimer { loop.cancel(idleTimer) }
        idleTimer = nil
        onEstablished = nil
        onOutcome = nil
        onIdleClosed = nil
        closeSocket()
        tls = nil
        outbound = []
        outboundSent = 0
    }

    private func closeSocket() {
        guard fd >= 0 else { return }
        if !interest.isEmpty { loop.deregister(fd) }
        interest = []
        Syscall.close(fd)
        fd = -1
    }

    // MARK: I/O

    func handleIO(readable: Bool, writable: Bool, hangup: Bool) {
        switch phase {
        case .connecting:
            guard writable || hangup else { return }
            let pending: Int32
            do { pending = try Syscall.socketError(fd) } catch { pending = error.errno }
            if pending == 0 {
                connected()
            } else {
                lastConnectError = "\(addresses[nextAddress - 1]): \(String(cString: strerror(pending)))"
                tryNextAddress()
            }
        case .handshaking, .idle, .exchanging:
            if writable {
                do {
                    try writeOutbound()
                } catch {
                    socketFailed(error)
                    return
                }
            }
            if readable || hangup { readAvailable() }
        case .new, .closed:
            break
        }
    }

    /// Writes what is pending; keeps write interest only while some is left.
    private func writeOutbound() throws(SystemError) {
        while outboundSent < outbound.count {
            let result = try Self.write(fd, outbound[outboundSent...]).get()
            switch result {
            case .done(let count):
                outboundSent += count
                if phase == .exchanging { requestBytesSent += count }
            case .wouldBlock:
                setInterest([.read, .write])
                return
            }
        }
        outbound.removeAll(keepingCapacity: true)
        outboundSent = 0
        if phase != .connecting { setInterest([.read]) }
    }

    // Array's withUnsafeBytes rethrows untyped errors: keep the typed one in a Result.
    private static func write(_ fd: Int32, _ bytes: ArraySlice<UInt8>) -> Result<IOResult<Int>, SystemError> {
        bytes.withUnsafeBytes { raw in
            Result { () throws(SystemError) in try Syscall.write(fd, raw) }
        }
    }

    private func setInterest(_ wanted: IOInterest) {
        guard fd >= 0, wanted != interest else { return }
        do {
            try loop.reregister(fd, interest: wanted)
            interest = wanted
        } catch {
            socketFailed(error)
        }
    }

    /// Reads a bounded number of chunks (other connections on the loop get
    /// their turn; level-triggered epoll reports the rest).
    private func readAvailable() {
        let startPhase = phase
        for _ in 0..<8 {
            let result: IOResult<Int>
            do {
                result = try Syscall.read(fd, into: readBuffer.bytes)
            } catch {
                socketFailed(error)
                return
            }
            switch result {
            case .wouldBlock:
                return
            case .done(0):
                peerClosed()
                return
            case .done(let count):
                received(UnsafeRawBufferPointer(rebasing: readBuffer.bytes[..<count]))
                // An exchange ended (or the connection closed): let the
                // pool act before reading anything more.
                if phase != startPhase || phase == .closed { return }
            }
        }
    }

    private func received(_ bytes: UnsafeRawBufferPointer) {
        guard let tls else {
            plaintextArrived(bytes)
            return
        }
        tls.receive(ciphertext: bytes)
        if phase == .handshaking { advanceHandshake() }
        // Once established the pool may already have started an exchange.
        guard phase == .idle || phase == .exchanging else { return }
        drainPlaintext(tls)
    }

    /// Decrypts everything available. Loops so a close_notify that came
    /// right behind the data is seen now, not at the next readable event.
    private func drainPlaintext(_ tls: TLSSession) {
        while phase == .idle || phase == .exchanging {
            var plaintext: [UInt8] = []
            let result: TLSReadResult
            do {
                result = try tls.readPlaintext(into: &plaintext)
            } catch {
                tlsReadFailed(error)
                return
            }
            // TLS may answer on its own (alerts, key updates).
            if tls.hasCiphertext {
                tls.takeCiphertext(appendingTo: &outbound)
                do { try writeOutbound() } catch {
                    socketFailed(error)
                    return
                }
            }
            switch result {
            case .bytes:
                plaintext.withUnsafeBytes { plaintextArrived($0) }
            case .wantMore:
                return
            case .closed:
                peerClosed()
                return
            }
        }
    }

    private func plaintextArrived(_ bytes: UnsafeRawBufferPointer) {
        switch phase {
        case .exchanging:
            responseBytesSeen += bytes.count
            parser.append(bytes)
            do {
                if let response = try parser.next(for: method) { finishExchange(with: response, peerClosed: false) }
            } catch {
                failExchange(Self.clientError(error))
            }
        case .idle:
            // Nothing was asked: a server talking out of turn cannot be trusted.
            closeIdle()
        case .new, .connecting, .handshaking, .closed:
            break
        }
    }

    /// End of stream (TCP FIN, or close_notify under TLS).
    private func peerClosed() {
        switch phase {
        case .exchanging:
            tls?.receiveEndOfStream()
            if let tls {
                // Decrypt what is left; a missing close_notify is a truncation signal.
                var plaintext: [UInt8] = []
                do {
                    while case .bytes = try tls.readPlaintext(into: &plaintext) {}
                } catch {
                    if !plaintext.isEmpty { feedFinal(plaintext) }
                    guard phase == .exchanging else { return }
                    failExchange(error.kind == .unexpectedEOF ? .truncated : .tls(error.reason))
                    return
                }
                if !plaintext.isEmpty { feedFinal(plaintext) }
                guard phase == .exchanging else { return }
            }
            do {
                if let response = try parser.finish(for: method) {
                    finishExchange(with: response, peerClosed: true)
                } else {
                    failExchange(.truncated)
                }
            } catch {
                failExchange(Self.clientError(error))
            }
        case .handshaking:
            tls?.receiveEndOfStream()
            advanceHandshake()
            // A handshake cannot complete on EOF; make sure it is reported.
            failEstablishing(.tls("connection closed during the handshake"))
        case .idle:
            closeIdle()
        case .new, .connecting, .closed:
            break
        }
    }

    /// Plaintext that arrived together with the end of stream.
    private func feedFinal(_ bytes: [UInt8]) {
        responseBytesSeen += bytes.count
        parser.append(bytes)
        do {
            if let response = try parser.next(for: method) { finishExchange(with: response, peerClosed: true) }
        } catch {
            failExchange(Self.clientError(error))
        }
    }

    private func tlsReadFailed(_ error: TLSError) {
        if error.kind == .unexpectedEOF {
            peerClosed()
            return
        }
        switch phase {
        case .exchanging: failExchange(.tls(error.reason))
        case .idle: closeIdle()
        case .handshaking: failEstablishing(.tls(error.reason))
        case .new, .connecting, .closed: break
        }
    }

    private func socketFailed(_ error: SystemError) {
        switch phase {
        case .exchanging:
            // Reset mid-exchange: whatever was received is incomplete.
            failExchange(.truncated)
        case .idle:
            closeIdle()
        case .connecting, .handshaking:
            failEstablishing(.connect("\(error)"))
        case .new, .closed:
            break
        }
    }

    /// Maps a parser error: the size cap and a cut-off message are their
    /// own failures, anything else is a malformed response.
    static func clientError(_ error: HTTP1Error) -> HTTPClientError {
        if error == .responseTooLarge { return .tooLarge }
        if error == .truncatedResponse { return .truncated }
        return .invalidResponse(error.reason)
    }
}

/// One read buffer for every connection of a pool: they share a loop, so
/// only one reads at a time, and an idle connection holds no buffer.
final class ReadBuffer {
    let bytes: UnsafeMutableRawBufferPointer

    init(capacity: Int = 64 * 1024) {
        bytes = .allocate(byteCount: capacity, alignment: 16)
    }

    deinit { bytes.deallocate() }
}

extension Substring {
    fileprivate func trimmedLowercased() -> String {
        var text = self
        while let first = text.first, first == " " || first == "\t" { text.removeFirst() }
        while let last = text.last, last == " " || last == "\t" { text.removeLast() }
        return text.lowercased()
    }
}
