/// The HTTP/1.1 message model shared by the server, the upstream client,
/// the simulator and the gateway. Pure values: no I/O, no Foundation.

/// A request method. The common ones are cases so routing compares
/// integers, not strings; anything else is kept verbatim in `.other`.
public enum HTTPMethod: Hashable, Sendable, CustomStringConvertible {
    case get, head, post, put, delete, options, patch, trace, connect
    case other(String)

    public init(_ name: String) {
        switch name {
        case "GET": self = .get
        case "HEAD": self = .head
        case "POST": self = .post
        case "PUT": self = .put
        case "DELETE": self = .delete
        case "OPTIONS": self = .options
        case "PATCH": self = .patch
        case "TRACE": self = .trace
        case "CONNECT": self = .connect
        default: self = .other(name)
        }
    }

    /// The method token as it appears on the wire.
    public var name: String {
        switch self {
        case .get: "GET"
        case .head: "HEAD"
        case .post: "POST"
        case .put: "PUT"
        case .delete: "DELETE"
        case .options: "OPTIONS"
        case .patch: "PATCH"
        case .trace: "TRACE"
        case .connect: "CONNECT"
        case .other(let name): name
        }
    }

    public var description: String { name }
}

public enum HTTPVersion: Hashable, Sendable {
    case http1_0
    case http1_1

    public var text: String {
        switch self {
        case .http1_0: "HTTP/1.0"
        case .http1_1: "HTTP/1.1"
        }
    }
}

/// An ordered list of header fields with case-insensitive lookup.
/// Order and duplicates are preserved as received or added.
public struct HTTPHeaders: Sendable, Sequence, ExpressibleByDictionaryLiteral, Equatable {
    public typealias Element = (name: String, value: String)
    public private(set) var fields: [Element]

    public init() { fields = [] }

    public init(_ fields: [Element]) { self.fields = fields }

    public init(dictionaryLiteral elements: (String, String)...) {
        fields = elements.map { (name: $0.0, value: $0.1) }
    }

    public var count: Int { fields.count }
    public var isEmpty: Bool { fields.isEmpty }

    public func makeIterator() -> IndexingIterator<[Element]> { fields.makeIterator() }

    /// The first value of `name` (ASCII case-insensitive), or nil.
    public subscript(name: String) -> String? {
        for field in fields where Self.namesEqual(field.name, name) { return field.value }
        return nil
    }

    /// Every value of `name`, in order.
    public func values(for name: String) -> [String] {
        fields.filter { Self.namesEqual($0.name, name) }.map(\.value)
    }

    public func contains(_ name: String) -> Bool { self[name] != nil }

    /// Whether any `name` field lists `token` in its comma-separated value
    /// (ASCII case-insensitive, optional whitespace ignored), e.g.
    /// `Connection: keep-alive, Close`. Does not allocate.
    public func containsToken(_ token: String, inField name: String) -> Bool {
        for field in fields where Self.namesEqual(field.name, name) {
            let value = field.value.utf8
            var start = value.startIndex
            while start != value.endIndex {
                let end = value[start...].firstIndex(of: UInt8(ascii: ",")) ?? value.endIndex
                var lower = start, upper = end
                while lower != upper, value[lower] == 0x20 || value[lower] == 0x09 { lower = value.index(after: lower) }
                while upper != lower {
                    let last = value.index(before: upper)
                    guard value[last] == 0x20 || value[last] == 0x09 else { break }
                    upper = last
                }
                if Self.bytesEqualIgnoringCase(value[lower..<upper], token.utf8) { return true }
                start = end == value.endIndex ? end : value.index(after: end)
            }
        }
        return false
    }

    public mutating func add(_ name: String, _ value: String) {
        fields.append((name: name, value: value))
    }

    /// Replaces every field named `name` with one field, keeping the
    /// position of the first one.
    public mutating func set(_ name: String, _ value: String) {
        if let first = fields.firstIndex(where: { Self.namesEqual($0.name, name) }) {
            fields[first].value = value
            var index = fields.index(after: first)
            while index < fields.endIndex {
                if Self.namesEqual(fields[index].name, name) { fields.remove(at: index) } else { index += 1 }
            }
        } else {
            add(name, value)
        }
    }

    public mutating func remove(_ name: String) {
        fields.removeAll { Self.namesEqual($0.name, name) }
    }

    public static func == (lhs: HTTPHeaders, rhs: HTTPHeaders) -> Bool {
        lhs.fields.count == rhs.fields.count
            && zip(lhs.fields, rhs.fields).allSatisfy { $0.name == $1.name && $0.value == $1.value }
    }

    /// ASCII case-insensitive comparison (header names are ASCII tokens).
    @inline(__always)
    public static func namesEqual(_ a: String, _ b: String) -> Bool {
        bytesEqualIgnoringCase(a.utf8, b.utf8)
    }

    @inline(__always)
    static func bytesEqualIgnoringCase<A: Collection, B: Collection>(_ au: A, _ bu: B) -> Bool
    where A.Element == UInt8, B.Element == UInt8 {
        guard au.count == bu.count else { return false }
        for (x, y) in zip(au, bu) where x != y {
            guard (x | 0x20) == (y | 0x20), (x | 0x20) >= UInt8(ascii: "a"), (x | 0x20) <= UInt8(ascii: "z") else {
                return false
            }
        }
        return true
    }
}

/// A complete request as handed to a handler: head and the whole
/// (de-chunked) body. Bodies are small here (1 MiB limit by default), so
/// they are buffered rather than streamed.
public struct HTTPRequest: Sendable {
    public var method: HTTPMethod
    /// The request-target exactly as received (origin-form: path and query).
    public var target: String
    /// The path part of `target`, still percent-encoded.
    public var path: String
    /// The query part of `target` without the `?`, still encoded; "" when absent.
    public var query: String
    public var version: HTTPVersion
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(
        method: HTTPMethod, target: String, version: HTTPVersion = .http1_1, headers: HTTPHeaders = [:],
        body: [UInt8] = []
    ) {
        self.method = method
        self.target = target
        if let mark = target.utf8.firstIndex(of: UInt8(ascii: "?")) {
            path = String(target[..<mark])
            query = String(target[target.index(after: mark)...])
        } else {
            path = target
            query = ""
        }
        self.version = version
        self.headers = headers
        self.body = body
    }

    /// Decoded query parameters in order; nil when an escape is malformed.
    public var queryItems: [(name: String, value: String)]? { URLEncoding.parseForm(query) }

    /// The first decoded value of a query parameter.
    public func queryValue(_ name: String) -> String? {
        queryItems?.first { $0.name == name }?.value
    }

    /// Whether the connection may stay open after this request (RFC 9112 §9.3).
    /// `close` wins over `keep-alive` when a confused peer sends both.
    /// Checked on every request, so it scans the fields without allocating.
    public var keepAlive: Bool {
        if headers.containsToken("close", inField: "connection") { return false }
        switch version {
        case .http1_1: return true
        case .http1_0: return headers.containsToken("keep-alive", inField: "connection")
        }
    }
}

/// What a handler answers. The server adds `Date`, `Server`,
/// `Content-Length` and `Connection`; handlers set the rest.
public struct HTTPResponse: Sendable {
    public var status: Int
    public var headers: HTTPHeaders
    public var body: [UInt8]
    /// Test-only misbehaviour, used by the simulator to reproduce broken
    /// upstreams. Production code leaves it `.none`.
    public var fault: TransportFault

    public init(status: Int, headers: HTTPHeaders = [:], body: [UInt8] = [], fault: TransportFault = .none) {
        self.status = status
        self.headers = headers
        self.body = body
        self.fault = fault
    }

    public init(status: Int, contentType: String, body: String) {
        self.init(status: status, headers: ["Content-Type": contentType], body: Array(body.utf8))
    }
}

/// Ways a server can deliberately fail to deliver a response.
public enum TransportFault: Sendable, Equatable {
    case none
    /// Announce the full `Content-Length`, send only this many body bytes, then close.
    case truncateBody(afterBytes: Int)
    /// Reset the connection (RST) without sending anything.
    case resetConnection
}

/// The reason phrase for a status code (RFC 9110 §15).
public func httpReasonPhrase(_ status: Int) -> String {
    switch status {
    case 100: "Continue"
    case 101: "Switching Protocols"
    case 200: "OK"
    case 201: "Created"
    case 202: "Accepted"
    case 204: "No Content"
    case 206: "Partial Content"
    case 301: "Moved Permanently"
    case 302: "Found"
    case 303: "See Other"
    case 304: "Not Modified"
    case 307: "Temporary Redirect"
    case 308: "Permanent Redirect"
    case 400: "Bad Request"
    case 401: "Unauthorized"
    case 403: "Forbidden"
    case 404: "Not Found"
    case 405: "Method Not Allowed"
    case 406: "Not Acceptable"
    case 408: "Request Timeout"
    case 409: "Conflict"
    case 410: "Gone"
    case 411: "Length Required"
    case 412: "Precondition Failed"
    case 413: "Content Too Large"
    case 414: "URI Too Long"
    case 415: "Unsupported Media Type"
    case 417: "Expectation Failed"
    case 422: "Unprocessable Content"
    case 426: "Upgrade Required"
    case 428: "Precondition Required"
    case 429: "Too Many Requests"
    case 431: "Request Header Fields Too Large"
    case 500: "Internal Server Error"
    case 501: "Not Implemented"
    case 502: "Bad Gateway"
    case 503: "Service Unavailable"
    case 504: "Gateway Timeout"
    case 505: "HTTP Version Not Supported"
    default: "Unknown"
    }
}
