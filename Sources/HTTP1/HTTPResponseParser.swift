/// Incremental HTTP/1.1 response parser for the upstream client. Strict:
/// anything ambiguous is an error, never a guess (a confused client could
/// hand one user's answer to another).
///
/// Errors are `HTTP1Error`s with status 502 (malformed or truncated, see
/// `HTTP1Error.truncatedResponse`) or 413 (`HTTP1Error.responseTooLarge`).
/// An error is final. Interim 1xx responses (other than 101) are skipped.
public struct HTTPResponseParser {
    private enum Phase {
        case head
        case fixedBody(length: Int)
        case chunkedBody
        /// No length given: the body ends when the peer closes.
        case untilClose
    }

    private let maxHeaderBytes: Int
    private let maxBodyBytes: Int
    private let maxHeaderCount = 256
    private var buffer: [UInt8] = []
    private var readIndex = 0
    private var phase = Phase.head
    private var failure: HTTP1Error?

    // Head scanning state, offsets relative to `readIndex`.
    private var statusLine: (status: Int, version: HTTPVersion)?
    private var lineStart = 0
    private var scanFrom = 0
    private var fields: [FieldSlot] = []

    private var pendingResponse: HTTPResponse?
    private var chunked = ChunkedDecoder(maxBodyBytes: 0, maxTrailerBytes: 0, maxTrailerCount: 0)
    private var body: [UInt8] = []

    public init(maxHeaderBytes: Int = 64 * 1024, maxBodyBytes: Int = 16 * 1024 * 1024) {
        self.maxHeaderBytes = maxHeaderBytes
        self.maxBodyBytes = maxBodyBytes
    }

    public mutating func append(_ bytes: UnsafeRawBufferPointer) {
        guard !bytes.isEmpty else { return }
        if readIndex > 0, readIndex == buffer.count {
            buffer.removeAll(keepingCapacity: true)
            readIndex = 0
        } else if readIndex >= 4096, readIndex * 2 >= buffer.count {
            buffer.removeSubrange(0..<readIndex)
            readIndex = 0
        }
        buffer.append(contentsOf: bytes.assumingMemoryBound(to: UInt8.self))
    }

    public mutating func append(_ bytes: [UInt8]) {
        bytes.withUnsafeBytes { append($0) }
    }

    /// Next complete response to a request with `method` (HEAD, 1xx, 204
    /// and 304 responses have no body); nil = need more bytes.
    public mutating func next(for method: HTTPMethod) throws(HTTP1Error) -> HTTPResponse? {
        try run { (parser, base, count) throws(HTTP1Error) in try parser.parse(base, count: count, method: method) }
    }

    /// The peer closed. Returns a response still complete in the buffer, or
    /// the read-until-close body that the close completes; nil when the
    /// close fell between responses. A partial response throws
    /// `HTTP1Error.truncatedResponse`.
    public mutating func finish(for method: HTTPMethod) throws(HTTP1Error) -> HTTPResponse? {
        if let response = try next(for: method) { return response }
        switch phase {
        case .untilClose:
            var response = pendingResponse.take()!
            body.append(contentsOf: buffer[readIndex...])
            response.body = body
            body = []
            readIndex = buffer.count
            phase = .head
            return response
        case .fixedBody, .chunkedBody:
            failure = .truncatedResponse
            throw .truncatedResponse
        case .head:
            guard readIndex == buffer.count else {
                failure = .truncatedResponse
                throw .truncatedResponse
            }
            return nil
        }
    }

    private mutating func run(
        _ body: (inout HTTPResponseParser, UnsafePointer<UInt8>, Int) throws(HTTP1Error) -> HTTPResponse?
    ) throws(HTTP1Error) -> HTTPResponse? {
        if let failure { throw failure }
        // A second reference keeps the storage alive without copying it, so
        // `self` stays free to mutate while the bytes are read in place.
        let bytes = buffer
        let outcome: Result<HTTPResponse?, HTTP1Error> = bytes.withUnsafeBufferPointer { storage in
            guard let base = storage.baseAddress else { return .success(nil) }
            do throws(HTTP1Error) {
                return .success(try body(&self, base, storage.count))
            } catch {
                return .failure(error)
            }
        }
        switch outcome {
        case .success(let response):
            return response
        case .failure(let error):
            failure = error
            throw error
        }
    }

    private mutating func parse(_ base: UnsafePointer<UInt8>, count: Int, method: HTTPMethod) throws(HTTP1Error) -> HTTPResponse? {
        while true {
            if case .head = phase {
                guard let response = try parseHead(base, count: count, method: method) else { return nil }
                // Interim answers precede the real one (RFC 9110 §15.2).
                if (100...199).contains(response.status), response.status != 101 { continue }
                pendingResponse = response
            }
            switch phase {
            case .head:
                return completeResponse()
            case .fixedBody(let length):
                guard count - readIndex >= length else { return nil }
                body = Array(UnsafeBufferPointer(start: base + readIndex, count: length))
                readIndex += length
                return completeResponse()
            case .chunkedBody:
                do throws(HTTP1Error) {
                    readIndex += try chunked.decode(base + readIndex, count: count - readIndex, into: &body)
                } catch {
                    throw error.status == 413 ? .responseTooLarge : Self.malformed(error.reason)
                }
                return chunked.isDone ? completeResponse() : nil
            case .untilClose:
                guard body.count + (count - readIndex) <= maxBodyBytes else { throw .responseTooLarge }
                return nil
            }
        }
    }

    private mutating func completeResponse() -> HTTPResponse {
        var response = pendingResponse.take()!
        response.body = body
        body = []
        phase = .head
        return response
    }

    /// Scans head lines; once the head is complete, consumes it, sets the
    /// body phase and returns the response without its body.
    private mutating func parseHead(_ buffer: UnsafePointer<UInt8>, count: Int, method: HTTPMethod) throws(HTTP1Error) -> HTTPResponse? {
        let head = buffer + readIndex
        let available = count - readIndex
        while true {
            let windowEnd = min(available, maxHeaderBytes)
            guard let lf = HTTPSyntax.findLF(head, from: scanFrom, to: windowEnd) else {
                guard windowEnd < maxHeaderBytes else { throw Self.malformed("response head too large") }
                scanFrom = windowEnd
                return nil
            }
            guard lf > lineStart, head[lf - 1] == HTTPSyntax.cr else { throw Self.malformed("bare LF") }
            let line = lineStart..<(lf - 1)
            lineStart = lf + 1
            scanFrom = lineStart
            if statusLine == nil {
                statusLine = try Self.parseStatusLine(head, line)
            } else if line.isEmpty {
                return try acceptHead(head, headLength: lf + 1, method: method)
            } else {
                guard !HTTPSyntax.isWhitespace(head[line.lowerBound]) else { throw Self.malformed("obsolete line folding") }
                do throws(HTTP1Error) {
                    fields.append(try HTTPSyntax.parseFieldLine(head, line))
                } catch {
                    throw Self.malformed(error.reason)
                }
                guard fields.count <= maxHeaderCount else { throw Self.malformed("too many header fields") }
            }
        }
    }

    private mutating func acceptHead(_ head: UnsafePointer<UInt8>, headLength: Int, method: HTTPMethod) throws(HTTP1Error) -> HTTPResponse {
        let (status, _) = statusLine!
        var contentLength: Int?
        var codings: [Range<Int>] = []
        var sawTransferEncoding = false
        var headerFields: [HTTPHeaders.Element] = []
        headerFields.reserveCapacity(fields.count)
        for field in fields {
            headerFields.append((name: HTTPSyntax.string(head, field.name), value: HTTPSyntax.string(head, field.value)))
            if HTTPSyntax.equalsLowercase(head, field.name, "content-length") {
                var elementCount = 0
                try HTTPSyntax.forEachListElement(head, field.value) { (element) throws(HTTP1Error) in
                    elementCount += 1
                    guard let value = HTTPSyntax.decimal(head, element, cap: maxBodyBytes),
                        contentLength == nil || contentLength == value
                    else { throw Self.malformed("invalid or conflicting Content-Length") }
                    contentLength = value
                }
                guard elementCount > 0 else { throw Self.malformed("invalid Content-Length") }
            } else if HTTPSyntax.equalsLowercase(head, field.name, "transfer-encoding") {
                sawTransferEncoding = true
                try HTTPSyntax.forEachListElement(head, field.value) { (element) throws(HTTP1Error) in
                    codings.append(element)
                }
            }
        }
        readIndex += headLength
        lineStart = 0
        scanFrom = 0
        statusLine = nil
        fields.removeAll(keepingCapacity: true)

        let hasNoBody = method == .head || (100...199).contains(status) || status == 204 || status == 304
        if hasNoBody {
            phase = .head
        } else if sawTransferEncoding {
            guard contentLength == nil else { throw Self.malformed("both Content-Length and Transfer-Encoding") }
            guard codings.count == 1, HTTPSyntax.equalsLowercase(head, codings[0], "chunked") else {
                throw Self.malformed("unsupported Transfer-Encoding")
            }
            phase = .chunkedBody
            chunked = ChunkedDecoder(maxBodyBytes: maxBodyBytes, maxTrailerBytes: maxHeaderBytes,
                                     maxTrailerCount: maxHeaderCount)
        } else if let contentLength {
            guard contentLength <= maxBodyBytes else { throw .responseTooLarge }
            phase = .fixedBody(length: contentLength)
        } else {
            phase = .untilClose
        }
        return HTTPResponse(status: status, headers: HTTPHeaders(headerFields))
    }

    /// `HTTP/1.x SP 3DIGIT SP reason`; the space before an empty reason is
    /// often omitted in practice and is tolerated.
    private static func parseStatusLine(_ head: UnsafePointer<UInt8>, _ line: Range<Int>) throws(HTTP1Error) -> (Int, HTTPVersion) {
        let text = UnsafeBufferPointer(start: head + line.lowerBound, count: line.count)
        guard text.count >= 12, text.starts(with: "HTTP/1.".utf8), text[8] == HTTPSyntax.space else {
            throw malformed("malformed status line")
        }
        let version: HTTPVersion
        switch text[7] {
        case UInt8(ascii: "1"): version = .http1_1
        case UInt8(ascii: "0"): version = .http1_0
        default: throw malformed("unsupported HTTP version")
        }
        guard let status = HTTPSyntax.decimal(head, (line.lowerBound + 9)..<(line.lowerBound + 12), cap: 999),
            status >= 100
        else { throw malformed("malformed status code") }
        if text.count > 12 {
            guard text[12] == HTTPSyntax.space, text[13...].allSatisfy(HTTPSyntax.isFieldValueByte) else {
                throw malformed("malformed status line")
            }
        }
        return (status, version)
    }

    private static func malformed(_ reason: String) -> HTTP1Error { HTTP1Error(status: 502, reason: reason) }
}
