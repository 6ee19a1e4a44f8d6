import Compression
import Glibc
import HTTP1
import Logging
import Reactor

/// One client connection: read → parse → handle → write, strictly one
/// request at a time so pipelined responses leave in request order.
/// Lives on its loop's thread only.
final class HTTPConnection: IOHandler {
    let fd: Int32
    private let transport: any ConnectionTransport
    private let peer: SocketAddress
    private unowned let state: LoopState
    private var parser: HTTPRequestParser

    private enum Phase {
        /// Reading and parsing; no handler running.
        case reading
        /// A handler task owns the current request.
        case handling
        case closed
    }

    private var phase = Phase.reading
    /// Unsent output (only what one write could not take).
    private var output: [UInt8] = []
    private var outputOffset = 0
    /// Close once the output is flushed (error, Connection: close, drain).
    private var closeAfterFlush = false
    /// The peer ended its side; answer what is buffered, then close.
    private var peerClosed = false
    /// Input may be waiting in the socket (edge-triggered): read it when
    /// back-pressure lifts.
    private var readPending = false
    /// EPOLLRDHUP was seen: read to end of stream, a short read proves nothing.
    private var peerMayHaveClosed = false
    private var draining = false

    // Timeouts: one lazily re-armed timer per connection. Moving the
    // deadline later costs nothing; the timer re-arms itself when it fires
    // early, so a keep-alive request does no timer work at all.
    private enum Deadline { case none, header, body, idle, send }
    private var deadlineKind = Deadline.none
    private var deadline: UInt64 = 0
    private var timer: TimerID?
    private var timerDeadline: UInt64 = 0
    private var headStartedAt: UInt64 = 0
    private var bodyStartedAt: UInt64 = 0
    private var lastActivity: UInt64 = 0
    private var lastWriteProgress: UInt64 = 0

    /// "host:port" of the peer, formatted on first use.
    private lazy var remoteAddress = peer.description

    init(fd: Int32, transport: any ConnectionTransport, peer: SocketAddress, state: LoopState) {
        self.fd = fd
        self.transport = transport
        self.peer = peer
        self.state = state
        self.parser = HTTPRequestParser(limits: state.core.configuration.limits)
    }

    private var configuration: HTTPServerConfiguration { state.core.configuration }

    func start() {
        lastActivity = state.loop.now
        updateDeadline()
    }

    // MARK: Events

    func handleIO(readable: Bool, writable: Bool, hangup: Bool) {
        if writable && !isFlushed {
            flush()
            guard phase != .closed else { return }
        }
        if hangup { peerMayHaveClosed = true }
        if readable || hangup {
            // A hang-up is confirmed by the read (0 or an error).
            readAvailable()
        }
    }

    private func readAvailable() {
        readPending = false
        let buffer = state.readBuffer
        while phase != .closed && !peerClosed {
            if mustPauseReading {
                readPending = true
                break
            }
            let result: IOResult<Int>
            do {
                result = try transport.read(into: buffer)
            } catch {
                close()
                return
            }
            switch result {
            case .wouldBlock:
                updateDeadline()
                return
            case .done(0):
                peerClosed = true
                if phase == .reading { processRequests() }
                updateDeadline()
                return
            case .done(let count):
                parser.append(UnsafeRawBufferPointer(rebasing: buffer[..<count]))
                if phase == .reading { processRequests() }
                // A short read drained the socket; the next edge reports more.
                if count < buffer.count && !peerMayHaveClosed && !transport.hasBufferedInput {
                    updateDeadline()
                    return
                }
            }
        }
        updateDeadline()
    }

    /// Everything answered so far is on the wire (or in the kernel).
    private var isFlushed: Bool { outputOffset >= output.count && !transport.hasPendingOutput }

    /// Back-pressure: stop taking input while the peer is not reading our
    /// output, or while a handler runs and pipelined input piles up.
    private var mustPauseReading: Bool {
        output.count - outputOffset > state.core.outputHighWater
            || (phase == .handling && parser.bufferedByteCount > state.core.inputHighWater)
    }

    // MARK: Requests

    /// Takes complete requests from the parser while no handler runs.
    private func processRequests() {
        while phase == .reading && !closeAfterFlush {
            if output.count - outputOffset > state.core.outputHighWater { return }
            let request: HTTPRequest?
            do {
                request = try parser.next()
            } catch {
                respondAndClose(Problem.malformed(error).response())
                return
            }
            guard let request else {
                if parser.expectsContinue && !peerClosed {
                    parser.acknowledgeContinue()
                    send(Self.continueLine)
                }
                if peerClosed {
                    closeAfterFlush = true
                    if isFlushed { close() }
                }
                return
            }
            headStartedAt = 0
            bodyStartedAt = 0
            handle(request)
        }
    }

    private static let continueLine: [UInt8] = Array("HTTP/1.1 100 Continue\r\n\r\n".utf8)

    /// What the response to the request in flight needs to know.
    fileprivate struct InFlight: Sendable {
        var version: HTTPVersion
        var keepAlive: Bool
        var isHead: Bool
        var acceptEncoding: String?
        var requestID: String
    }

    /// `request.keepAlive` without building strings when, as usual, there
    /// is no Connection field.
    private static func keepAlive(_ request: HTTPRequest) -> Bool {
        for field in request.headers where HTTPHeaders.namesEqual(field.name, "connection") {
            return request.keepAlive
        }
        return request.version == .http1_1
    }

    private func handle(_ request: HTTPRequest) {
        phase = .handling
        let core = state.core
        let clientID = request.headers["x-request-id"]
        let requestID = clientID.flatMap { RequestIDGenerator.isAcceptable($0) ? $0 : nil } ?? state.requestIDs.generate()
        let inFlight = InFlight(
            version: request.version, keepAlive: Self.keepAlive(request) && !draining,
            isHead: request.method == .head, acceptEncoding: request.headers["accept-encoding"],
            requestID: requestID)

        let match = core.router.match(request.method, path: request.path)
        let template: String
        var parameters: [String: String] = [:]
        var direct: HTTPHandler?
        switch match {
        case .found(let handler, let matched, let values):
            template = matched
            parameters = values
            direct = handler
        case .methodNotAllowed(let matched, _), .badParameter(let matched):
            template = matched
        case .notFound:
            template = "unmatched"
        }
        let context = RequestContext(
            requestID: requestID, pathParameters: parameters, routeTemplate: template,
            remoteAddress: remoteAddress, logger: core.logger)
        // Without middleware a matched route is called directly; otherwise
        // the chain ends in the router, which answers 404/405 itself.
        let handler = core.hasMiddleware ? core.handler : (direct ?? core.handler)
        let bound = LoopBound(self, on: state.loop)
        if configuration.runsHandlersOnLoop {
            Task(executorPreference: state.loop) {
                let response = await handler(request, context)
                bound.deliver(response, inFlight)
            }
        } else {
            Task {
                let response = await handler(request, context)
                bound.deliver(response, inFlight)
            }
        }
    }

    /// The handler's answer: finish it, send it, go on with the next request.
    fileprivate func finish(_ handlerResponse: HTTPResponse, _ request: InFlight) {
        guard phase == .handling else { return }  // closed meanwhile
        phase = .reading
        var response = handlerResponse
        response.headers.set("X-Request-ID", request.requestID)
        if configuration.compression { compress(&response, request) }
        let keepAlive = request.keepAlive && !draining && response.fault == .none
            && !state.core.draining.load(ordering: .relaxed)
        if !keepAlive { closeAfterFlush = true }

        state.scratch.removeAll(keepingCapacity: true)
        HTTPResponseEncoder.encode(
            response, version: request.version, keepAlive: keepAlive, isHead: request.isHead,
            date: state.date, into: &state.scratch)
        switch response.fault {
        case .none:
            break
        case .resetConnection:
            close(reset: true)
            return
        case .truncateBody(let kept):
            let cut = max(0, response.body.count - max(0, kept))
            if !request.isHead && cut <= state.scratch.count { state.scratch.removeLast(cut) }
        }
        sendScratch()
        lastActivity = state.loop.now
        guard phase != .closed else { return }
        processRequests()
        if readPending && !mustPauseReading { readAvailable() } else { updateDeadline() }
    }

    /// gzip per Accept-Encoding; `Vary` on every compressible answer so a
    /// cache never serves one coding to a client that asked for the other.
    private func compress(_ response: inout HTTPResponse, _ request: InFlight) {
        guard !response.headers.contains("content-encoding"),
            response.body.count >= ContentNegotiation.minimumCompressibleBytes,
            state.negotiation.isCompressible(contentType: response.headers["content-type"])
        else { return }
        if !Self.variesOnAcceptEncoding(response.headers) { response.headers.add("Vary", "Accept-Encoding") }
        guard state.negotiation.coding(acceptEncoding: request.acceptEncoding) == .gzip else { return }
        let originalCount = response.body.count
        response.body = state.gzipCache.compress(response.body)
        // A cut planned on the plain body keeps its proportion of the compressed one,
        // else a cut past the (shorter) compressed end would send it whole.
        if case .truncateBody(let kept) = response.fault {
            response.fault = .truncateBody(afterBytes: kept * response.body.count / max(1, originalCount))
        }
        response.headers.add("Content-Encoding", "gzip")
    }

    private static func variesOnAcceptEncoding(_ headers: HTTPHeaders) -> Bool {
        for field in headers where HTTPHeaders.namesEqual(field.name, "vary") {
            let value = field.value.lowercased()
            if value.contains("accept-encoding") || value.contains("*") { return true }
        }
        return false
    }

    /// Answers a request the server refuses (malformed, timed out) and closes.
    private func respondAndClose(_ response: HTTPResponse) {
        closeAfterFlush = true
        state.scratch.removeAll(keepingCapacity: true)
        HTTPResponseEncoder.encode(
            response, version: .http1_1, keepAlive: false, isHead: false, date: state.date, into: &state.scratch)
        sendScratch()
    }

    // MARK: Output

    private func send(_ bytes: [UInt8]) {
        state.scratch.removeAll(keepingCapacity: true)
        state.scratch.append(contentsOf: bytes)
        sendScratch()
    }

    /// Writes the loop's scratch buffer; keeps only the unsent remainder.
    private func sendScratch() {
        if outputOffset < output.count {
            output.append(contentsOf: state.scratch)
            flush()
            return
        }
        var written = 0
        let total = state.scratch.count
        let failed = state.scratch.withUnsafeBytes { bytes -> Bool in
            while written < total {
                do {
                    switch try transport.write(UnsafeRawBufferPointer(rebasing: bytes[written...])) {
                    case .done(let count): written += count
                    case .wouldBlock: return false
                    }
                } catch {
                    return true
                }
            }
            return false
        }
        if failed {
            close()
            return
        }
        lastWriteProgress = state.loop.now
        if written < total {
            output = Array(state.scratch[written...])
            outputOffset = 0
            updateDeadline()
        } else if closeAfterFlush && isFlushed {
            close()
        }
    }

    /// Writes what the transport holds, then the connection's own output.
    private func flush() {
        var failed = false
        do throws(SystemError) {
            try transport.flushPending()
            if !transport.hasPendingOutput { try writeOutput() }
        } catch {
            failed = true
        }
        if failed {
            close()
            return
        }
        lastWriteProgress = state.loop.now
        guard isFlushed else {
            updateDeadline()
            return
        }
        output = []  // an idle connection keeps no buffer
        outputOffset = 0
        if closeAfterFlush {
            close()
            return
        }
        if phase == .reading { processRequests() }
        if readPending && !mustPauseReading { readAvailable() } else { updateDeadline() }
    }

    private func writeOutput() throws(SystemError) {
        while outputOffset < output.count {
            let offset = outputOffset
            let result = output.withUnsafeBytes { bytes in
                Result { () throws(SystemError) in
                    try transport.write(UnsafeRawBufferPointer(rebasing: bytes[offset...]))
                }
            }
            switch try result.get() {
            case .done(let count): outputOffset += count
            case .wouldBlock: return
            }
        }
    }

    // MARK: Timeouts

    private func updateDeadline() {
        guard phase != .closed else { return }
        let now = state.loop.now
        if !isFlushed {
            deadlineKind = .send
            deadline = lastWriteProgress + configuration.idleTimeout.nanoseconds
        } else if phase == .handling {
            deadlineKind = .none
        } else if parser.isReadingBody {
            if bodyStartedAt == 0 { bodyStartedAt = now }
            deadlineKind = .body
            deadline = bodyStartedAt + configuration.bodyTimeout.nanoseconds
        } else if parser.isMidRequest || transport.isNegotiating {
            if headStartedAt == 0 { headStartedAt = now }
            deadlineKind = .header
            deadline = headStartedAt + configuration.headerTimeout.nanoseconds
        } else {
            headStartedAt = 0
            deadlineKind = .idle
            deadline = lastActivity + configuration.idleTimeout.nanoseconds
        }
        guard deadlineKind != .none else { return }
        if timer == nil || deadline < timerDeadline {
            if let timer { state.loop.cancel(timer) }
            timerDeadline = deadline
            let delay = deadline > now ? deadline - now : 0
            timer = state.loop.schedule(after: .nanoseconds(Int64(clamping: delay))) { [weak self] in
                self?.timerFired()
            }
        }
    }

    private func timerFired() {
        timer = nil
        guard phase != .closed, deadlineKind != .none else { return }
        if monotonicNanoseconds() < deadline {
            updateDeadline()
            return
        }
        switch deadlineKind {
        case .header, .body:
            if phase == .reading && isFlushed {
                respondAndClose(Problem.requestTimeout.response())
            } else {
                close()
            }
        case .idle, .send:
            close()
        case .none:
            break
        }
    }

    // MARK: Closing

    /// Shutdown: an idle connection closes now, a busy one after its answer.
    func drain() {
        draining = true
        if phase == .reading && !parser.isMidRequest && isFlushed {
            close()
        }
    }

    func close(reset: Bool = false) {
        guard phase != .closed else { return }
        phase = .closed
        if let timer { state.loop.cancel(timer) }
        timer = nil
        state.loop.deregister(fd)
        state.remove(self)
        transport.close(reset: reset)
        output = []
    }
}

extension LoopBound where Value == HTTPConnection {
    /// Hands the answer back on the loop; directly when the task ran there
    /// (no closure to allocate).
    fileprivate func deliver(_ response: HTTPResponse, _ inFlight: HTTPConnection.InFlight) {
        if loop.inEventLoop {
            onLoop.finish(response, inFlight)
        } else {
            run { $0.finish(response, inFlight) }
        }
    }
}

extension Duration {
    /// Whole nanoseconds, clamped to what a deadline can hold.
    var nanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        return UInt64(clamping: seconds) &* 1_000_000_000 &+ UInt64(attoseconds / 1_000_000_000)
    }
}
