/// Incremental, resumable HTTP/1.1 request parser (RFC 9112), server side.
///
/// Bytes are appended as they arrive; `next()` hands out complete requests
/// one at a time (pipelined requests stay buffered until asked for). The
/// head is scanned in place: lines are found with `memchr`, fields are kept
/// as index ranges into the read buffer, and `String`s are made only once a
/// whole head has been accepted. A partial line is never rescanned.
///
/// Hostile input is refused, never guessed at. A thrown `HTTP1Error` is
/// final: the parser keeps throwing it, and the server answers
/// `error.status` and closes the connection.
public struct HTTPRequestParser {
    private enum Phase {
        case head
        /// Head accepted; waiting for all `length` bytes of a fixed body.
        case fixedBody(length: Int)
        case chunkedBody
    }

    private let limits: HTTP1Limits
    /// Received bytes; everything before `readIndex` has been consumed.
    private var buffer: [UInt8] = []
    private var readIndex = 0
    private var phase = Phase.head
    private var failure: HTTP1Error?

    // Head scanning state, offsets relative to `readIndex` (the head start).
    private var lineStart = 0
    private var scanFrom = 0
    private var requestLine: RequestLineSlots?
    private var fields: [FieldSlot] = []

    // Body state: the accepted head waits here while its body arrives.
    private var pendingRequest: HTTPRequest?
    private var chunked = ChunkedDecoder(maxBodyBytes: 0, maxTrailerBytes: 0, maxTrailerCount: 0)
    private var chunkedBody: [UInt8] = []
    private var continuePending = false

    public init(limits: HTTP1Limits = .init()) {
        self.limits = limits
    }

    /// A head with `Expect: 100-continue` was accepted and its body has not
    /// arrived yet: the server should send `100 Continue` (once).
    public var expectsContinue: Bool { continuePending && isReadingBody }

    /// The server wrote `100 Continue` (or decided not to).
    public mutating func acknowledgeContinue() { continuePending = false }

    /// Bytes of an unfinished request are buffered (header timeout applies
    /// rather than the idle one).
    public var isMidRequest: Bool {
        if case .head = phase { return readIndex < buffer.count }
        return true
    }

    /// The head was accepted and its body is still pending (body timeout).
    public var isReadingBody: Bool {
        if case .head = phase { return false }
        return true
    }

    /// Received bytes not consumed yet (the pending request's remaining
    /// input plus any pipelined requests behind it).
    public var bufferedByteCount: Int { buffer.count - readIndex }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        reclaimConsumedSpace()
        buffer.append(contentsOf: bytes.assumingMemoryBound(to: UInt8.self))
    }

    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// Next complete request (head + de-chunked body); nil = need more bytes.
    public mutating func next() throws(HTTP1Error) -> HTTPRequest? {
        if let failure { throw failure }
        // A second reference keeps the storage alive without copying it
        // (the buffer is not mutated while parsing), so `self` stays free to
        // mutate inside the closure.
        let bytes = buffer
        let outcome: Result<HTTPRequest?, HTTP1Error> = bytes.withUnsafeBufferPointer { storage in
            guard let base = storage.baseAddress else { return .success(nil) }
            do throws(HTTP1Error) {
                return .success(try parse(base, count: storage.count))
            } catch {
                return .failure(error)
            }
        }
        switch outcome {
        case .success(let request):
            return request
        case .failure(let error):
            failure = error
            throw error
        }
    }

    // MARK: - Parsing

    private mutating func parse(_ base: UnsafePointer<UInt8>, count: Int) throws(HTTP1Error) -> HTTPRequest? {
        if case .head = phase {
            guard let request = try parseHead(base, count: count) else { return nil }
            pendingRequest = request
        }
        switch phase {
        case .head:
            preconditionFailure("parseHead leaves the head phase or returns nil")
        case .fixedBody(let length):
            guard count - readIndex >= length else { return nil }
            var request = pendingRequest.take()!
            request.body = Array(UnsafeBufferPointer(start: base + readIndex, count: length))
            readIndex += length
            phase = .head
            continuePending = false
            return request
        case .chunkedBody:
            readIndex += try chunked.decode(base + readIndex, count: count - readIndex, into: &chunkedBody)
            guard chunked.isDone else { return nil }
            var request = pendingRequest.take()!
            request.body = chunkedBody
            chunkedBody = []
            phase = .head
            continuePending = false
            return request
        }
    }

    /// Scans head lines from where the last call stopped. Returns the
    /// request (without body) once the empty line ends the head, after
    /// setting `phase` for its body.
    private mutating func parseHead(_ buffer: UnsafePointer<UInt8>, count: Int) throws(HTTP1Error) -> HTTPRequest? {
        if requestLine == nil, lineStart == 0 {
            // RFC 9112 §2.2: ignore empty lines before a request line.
            while count - readIndex >= 2, buffer[readIndex] == HTTPSyntax.cr, buffer[readIndex + 1] == HTTPSyntax.lf {
                readIndex += 2
            }
            if count - readIndex == 1, buffer[readIndex] == HTTPSyntax.cr { return nil }
        }
        let head = buffer + readIndex
        let available = count - readIndex
        while true {
            let isRequestLine = requestLine == nil
            let lineLimit = isRequestLine ? min(limits.maxRequestLineBytes + 2, limits.maxHeaderBytes) : limits.maxHeaderBytes
            let windowEnd = min(available, lineLimit)
            guard let lf = HTTPSyntax.findLF(head, from: scanFrom, to: windowEnd) else {
                if windowEnd < lineLimit {
                    scanFrom = windowEnd
                    return nil
                }
                if isRequestLine, limits.maxRequestLineBytes + 2 <= limits.maxHeaderBytes {
                    throw HTTP1Error(status: 414, reason: "request line too long")
                }
                throw HTTP1Error(status: 431, reason: "header section too large")
            }
            guard lf > lineStart, head[lf - 1] == HTTPSyntax.cr else { throw HTTP1Error.badRequest("bare LF") }
            let line = lineStart..<(lf - 1)
            lineStart = lf + 1
            scanFrom = lineStart
            if isRequestLine {
                requestLine = try RequestLineSlots(head, line)
            } else if line.isEmpty {
                return try acceptHead(head, headLength: lf + 1)
            } else {
                guard !HTTPSyntax.isWhitespace(head[line.lowerBound]) else {
                    throw HTTP1Error.badRequest("obsolete line folding")
                }
                fields.append(try HTTPSyntax.parseFieldLine(head, line))
                guard fields.count <= limits.maxHeaderCount else {
                    throw HTTP1Error(status: 431, reason: "too many header fields")
                }
            }
        }
    }

    /// Checks the framing fields, builds the request's strings, consumes the
    /// head and selects the body phase.
    private mutating func acceptHead(_ head: UnsafePointer<UInt8>, headLength: Int) throws(HTTP1Error) -> HTTPRequest {
        let line = requestLine!
        let framing = try RequestFraming(head, fields: fields, version: line.version, limits: limits)

        var headerFields: [HTTPHeaders.Element] = []
        headerFields.reserveCapacity(fields.count)
        for field in fields {
            headerFields.append((name: HTTPSyntax.string(head, field.name), value: HTTPSyntax.string(head, field.value)))
        }
        let request = HTTPRequest(
            method: line.method(head), target: try line.originFormTarget(head), version: line.version,
            headers: HTTPHeaders(headerFields))

        readIndex += headLength
        lineStart = 0
        scanFrom = 0
        requestLine = nil
        fields.removeAll(keepingCapacity: true)

        switch framing.body {
        case .none:
            phase = .fixedBody(length: 0)
        case .length(let length):
            phase = .fixedBody(length: length)
        case .chunked:
            phase = .chunkedBody
            chunked = ChunkedDecoder(
                maxBodyBytes: limits.maxBodyBytes, maxTrailerBytes: limits.maxHeaderBytes,
                maxTrailerCount: limits.maxHeaderCount)
        }
        continuePending = framing.expectsContinue && framing.body != .none && line.version == .http1_1
        return request
    }

    /// Drops consumed bytes so the buffer does not grow with the life of a
    /// keep-alive connection. Cheap when everything was consumed; otherwise
    /// only moves bytes once the consumed part dominates.
    private mutating func reclaimConsumedSpace() {
        guard readIndex > 0 else { return }
        if readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
        } else if readIndex >= 4096, readIndex * 2 >= buffer.count {
            buffer.removeSubrange(0..<readIndex)
            readIndex = 0
        }
    }
}

/// The three parts of a request line, as ranges relative to the head start.
private struct RequestLineSlots {
    var method: Range<Int>
    var target: Range<Int>
    var version: HTTPVersion

    /// `method SP request-target SP HTTP-version` with single spaces, a
    /// token method, a target of visible ASCII and an exact version.
    init(_ head: UnsafePointer<UInt8>, _ line: Range<Int>) throws(HTTP1Error) {
        var index = line.lowerBound
        while index < line.upperBound, HTTPSyntax.isTokenByte(head[index]) { index += 1 }
        guard index > line.lowerBound, index < line.upperBound, head[index] == HTTPSyntax.space else {
            throw HTTP1Error.badRequest("malformed request line")
        }
        method = line.lowerBound..<index
        index += 1
        let targetStart = index
        while index < line.upperBound, head[index] > 0x20, head[index] < 0x7F { index += 1 }
        guard index > targetStart, index < line.upperBound, head[index] == HTTPSyntax.space else {
            throw HTTP1Error.badRequest("malformed request line")
        }
        target = targetStart..<index
        version = try Self.version(head, (index + 1)..<line.upperBound)
    }

    private static func version(_ head: UnsafePointer<UInt8>, _ range: Range<Int>) throws(HTTP1Error) -> HTTPVersion {
        let text = UnsafeBufferPointer(start: head + range.lowerBound, count: range.count)
        guard text.count == 8, text.starts(with: "HTTP/".utf8), text[6] == UInt8(ascii: "."),
            text[5] &- UInt8(ascii: "0") <= 9, text[7] &- UInt8(ascii: "0") <= 9
        else { throw HTTP1Error.badRequest("malformed HTTP version") }
        switch (text[5], text[7]) {
        case (UInt8(ascii: "1"), UInt8(ascii: "1")): return .http1_1
        case (UInt8(ascii: "1"), UInt8(ascii: "0")): return .http1_0
        default: throw HTTP1Error(status: 505, reason: "HTTP version not supported")
        }
    }

    func method(_ head: UnsafePointer<UInt8>) -> HTTPMethod {
        HTTPMethod(HTTPSyntax.string(head, method))
    }

    /// The target in origin-form. The absolute-form (which RFC 9112 §3.2.2
    /// says servers must accept) is reduced to its path and query; `*` is
    /// kept for OPTIONS; anything else (authority-form included) is refused.
    func originFormTarget(_ head: UnsafePointer<UInt8>) throws(HTTP1Error) -> String {
        let first = head[target.lowerBound]
        if first == UInt8(ascii: "/") { return HTTPSyntax.string(head, target) }
        if first == UInt8(ascii: "*"), target.count == 1, HTTPSyntax.equalsLowercase(head, method, "options") {
            return "*"
        }
        for scheme: StaticString in ["http://", "https://"] {
            let prefix = target.lowerBound..<min(target.upperBound, target.lowerBound + scheme.utf8CodeUnitCount)
            guard HTTPSyntax.equalsLowercase(head, prefix, scheme) else { continue }
            var index = prefix.upperBound
            while index < target.upperBound, head[index] != UInt8(ascii: "/"), head[index] != UInt8(ascii: "?") {
                index += 1
            }
            guard index > prefix.upperBound else { break }
            let rest = HTTPSyntax.string(head, index..<target.upperBound)
            return rest.utf8.first == UInt8(ascii: "/") ? rest : "/" + rest
        }
        throw HTTP1Error.badRequest("unsupported request target")
    }
}

/// How a request's body is delimited, decided from its fields per RFC 9112
/// §6 with every ambiguity refused (request smuggling lives in them).
private struct RequestFraming {
    enum Body: Equatable {
        case none
        case length(Int)
        case chunked
    }

    var body = Body.none
    var expectsContinue = false

    init(_ head: UnsafePointer<UInt8>, fields: [FieldSlot], version: HTTPVersion, limits: HTTP1Limits) throws(HTTP1Error) {
        var contentLength: Int?
        var codings: [Range<Int>] = []
        var sawTransferEncoding = false
        var hostCount = 0
        for field in fields {
            if HTTPSyntax.equalsLowercase(head, field.name, "content-length") {
                var elementCount = 0
                try HTTPSyntax.forEachListElement(head, field.value) { (element) throws(HTTP1Error) in
                    elementCount += 1
                    guard let value = HTTPSyntax.decimal(head, element, cap: limits.maxBodyBytes) else {
                        throw HTTP1Error.badRequest("invalid Content-Length")
                    }
                    guard contentLength == nil || contentLength == value else {
                        throw HTTP1Error.badRequest("conflicting Content-Length")
                    }
                    contentLength = value
                }
                guard elementCount > 0 else { throw HTTP1Error.badRequest("invalid Content-Length") }
            } else if HTTPSyntax.equalsLowercase(head, field.name, "transfer-encoding") {
                sawTransferEncoding = true
                try HTTPSyntax.forEachListElement(head, field.value) { (element) throws(HTTP1Error) in
                    codings.append(element)
                }
            } else if HTTPSyntax.equalsLowercase(head, field.name, "host") {
                hostCount += 1
            } else if HTTPSyntax.equalsLowercase(head, field.name, "expect") {
                expectsContinue = HTTPSyntax.equalsLowercase(head, field.value, "100-continue")
            }
        }
        guard hostCount <= 1 else { throw HTTP1Error.badRequest("duplicate Host") }
        guard hostCount == 1 || version == .http1_0 else { throw HTTP1Error.badRequest("missing Host") }

        if sawTransferEncoding {
            guard contentLength == nil else {
                throw HTTP1Error.badRequest("both Content-Length and Transfer-Encoding")
            }
            // An HTTP/1.0 peer cannot send chunked framing (RFC 9112 §6.1).
            guard version == .http1_1 else { throw HTTP1Error.badRequest("Transfer-Encoding in HTTP/1.0") }
            guard let last = codings.last, HTTPSyntax.equalsLowercase(head, last, "chunked") else {
                throw HTTP1Error.badRequest("chunked is not the final transfer coding")
            }
            for coding in codings.dropLast() {
                if HTTPSyntax.equalsLowercase(head, coding, "chunked") {
                    throw HTTP1Error.badRequest("chunked applied twice")
                }
                throw HTTP1Error(status: 501, reason: "transfer coding not implemented")
            }
            body = .chunked
        } else if let contentLength {
            guard contentLength <= limits.maxBodyBytes else { throw HTTP1Error(status: 413, reason: "body too large") }
            body = contentLength == 0 ? .none : .length(contentLength)
        }
    }
}
