import HTTP1
import TLS

public struct HTTPClientConfiguration: Sendable {
    /// Trust settings for https URLs; nil means the system trust store.
    public var tls: TLSClientContext?
    /// Open connections (connecting, busy or idle) per origin; requests
    /// beyond it wait for one to free up (within their deadline).
    public var maxConnectionsPerOrigin = 8
    public var connectTimeout: Duration = .seconds(5)
    /// Cap on a response body, compressed and decompressed alike: a gzip
    /// bomb stops here whatever its ratio.
    public var maxResponseBodyBytes = 16 * 1024 * 1024
    /// An idle pooled connection is closed after this long, before a server
    /// would close it under us (most use 60 s or more).
    public var idleTimeout: Duration = .seconds(30)

    public init() {}
}

public struct HTTPClientRequest: Sendable {
    public var method: HTTPMethod
    /// Absolute `http://` or `https://` URL.
    public var url: String
    public var headers: HTTPHeaders
    public var body: [UInt8]

    public init(method: HTTPMethod, url: String, headers: HTTPHeaders = [:], body: [UInt8] = []) {
        self.method = method
        self.url = url
        self.headers = headers
        self.body = body
    }

    /// An `application/x-www-form-urlencoded` request.
    public static func form(_ method: HTTPMethod = .post, url: String, _ fields: [(String, String)]) -> HTTPClientRequest {
        let body = URLEncoding.encodeForm(fields.map { (name: $0.0, value: $0.1) })
        return HTTPClientRequest(
            method: method, url: url, headers: ["Content-Type": "application/x-www-form-urlencoded"],
            body: Array(body.utf8))
    }
}

/// Why a call failed. Messages name hosts and causes, never request
/// contents (which may hold tokens).
public enum HTTPClientError: Error, Sendable, Equatable, CustomStringConvertible {
    /// The request cannot be sent as given: the URL is not an absolute
    /// http(s) URL, or the method or a header could split the message
    /// (e.g. a CR/LF smuggled into a value). Nothing was sent.
    case invalidURL
    case dns(String)
    case connect(String)
    case tls(String)
    /// The whole-call deadline passed.
    case timeout
    /// The connection ended before the response was complete.
    case truncated
    case invalidResponse(String)
    /// The body (compressed or decompressed) exceeds `maxResponseBodyBytes`.
    case tooLarge

    public var description: String {
        switch self {
        case .invalidURL: "invalid URL"
        case .dns(let reason): "name resolution failed: \(reason)"
        case .connect(let reason): "connect failed: \(reason)"
        case .tls(let reason): "TLS failed: \(reason)"
        case .timeout: "timed out"
        case .truncated: "response truncated"
        case .invalidResponse(let reason): "invalid response: \(reason)"
        case .tooLarge: "response too large"
        }
    }
}
