/// Hard limits applied while parsing a request. Each has the status the
/// server answers when it is exceeded.
public struct HTTP1Limits: Sendable, Equatable {
    /// Longest request line (method, target, version): over it → 414.
    public var maxRequestLineBytes: Int = 8 * 1024
    /// Whole header section including the request line: over it → 431.
    public var maxHeaderBytes: Int = 32 * 1024
    /// Number of header fields: over it → 431.
    public var maxHeaderCount: Int = 100
    /// Decoded body bytes: over it → 413.
    public var maxBodyBytes: Int = 1024 * 1024

    public init() {}

    public init(maxRequestLineBytes: Int = 8 * 1024, maxHeaderBytes: Int = 32 * 1024, maxHeaderCount: Int = 100,
                maxBodyBytes: Int = 1024 * 1024) {
        self.maxRequestLineBytes = maxRequestLineBytes
        self.maxHeaderBytes = maxHeaderBytes
        self.maxHeaderCount = maxHeaderCount
        self.maxBodyBytes = maxBodyBytes
    }
}

/// A request the parser refuses. `status` is what the server answers
/// (400, 413, 414, 431, 501, 505) before closing the connection.
public struct HTTP1Error: Error, Sendable, Equatable, CustomStringConvertible {
    public var status: Int
    /// A short, fixed explanation safe to show a client (never echoes input).
    public var reason: String

    public init(status: Int, reason: String) {
        self.status = status
        self.reason = reason
    }

    public var description: String { "\(status) \(reason)" }
}

extension HTTP1Error {
    /// Client side: the peer closed before the response was complete.
    public static let truncatedResponse = HTTP1Error(status: 502, reason: "response truncated")
    /// Client side: the response body exceeds the parser's `maxBodyBytes`.
    public static let responseTooLarge = HTTP1Error(status: 413, reason: "response body too large")
}
