import HTTP1
import JSON

/// An RFC 9457 problem answer (`application/problem+json`). Errors the
/// server itself produces (400, 404, 405, 408, 413, 414, 431, 503) use it too.
public struct Problem: Sendable {
    public static let typeBase = "https://withings-gateway.dev/problems/"

    /// The problem's name, the last segment of its `type` URI ("not-found").
    public var name: String
    public var title: String
    public var status: Int
    public var detail: String
    /// Extra string members, e.g. `authorize_url`.
    public var extra: [(String, String)] = []

    public init(name: String, status: Int, title: String, detail: String) {
        self.name = name
        self.status = status
        self.title = title
        self.detail = detail
    }

    /// The JSON document: type, title, status, detail, then the extras.
    public var json: [UInt8] {
        var writer = JSONWriter(capacity: 160 + detail.utf8.count)
        writer.beginObject()
        writer.key("type")
        writer.string(Self.typeBase + name)
        writer.key("title")
        writer.string(title)
        writer.key("status")
        writer.int(status)
        writer.key("detail")
        writer.string(detail)
        for (key, value) in extra {
            writer.key(key)
            writer.string(value)
        }
        writer.endObject()
        return writer.bytes
    }

    /// The response; `headers` are added after the Content-Type.
    public func response(headers: HTTPHeaders = [:]) -> HTTPResponse {
        var all: HTTPHeaders = ["Content-Type": "application/problem+json"]
        for field in headers { all.add(field.name, field.value) }
        return HTTPResponse(status: status, headers: all, body: json)
    }
}

extension Problem {
    static var notFound: Problem {
        Problem(name: "not-found", status: 404, title: "Not Found", detail: "No route matches this path.")
    }

    static func methodNotAllowed(_ method: HTTPMethod) -> Problem {
        Problem(
            name: "method-not-allowed", status: 405, title: "Method Not Allowed",
            detail: "This route does not accept \(method.name); see the Allow header.")
    }

    /// A request the parser refused; the detail is the parser's fixed text,
    /// which never echoes the input.
    static func malformed(_ error: HTTP1Error) -> Problem {
        let name: String
        switch error.status {
        case 413: name = "content-too-large"
        case 414: name = "uri-too-long"
        case 431: name = "header-fields-too-large"
        case 501: name = "not-implemented"
        case 505: name = "http-version-not-supported"
        default: name = "bad-request"
        }
        return Problem(name: name, status: error.status, title: httpReasonPhrase(error.status), detail: error.reason)
    }

    static let requestTimeout = Problem(
        name: "request-timeout", status: 408, title: "Request Timeout",
        detail: "The request did not arrive in time.")

    static let overloaded = Problem(
        name: "service-unavailable", status: 503, title: "Service Unavailable",
        detail: "Too many open connections; retry later.")

    static let badPathParameter = Problem(
        name: "bad-request", status: 400, title: "Bad Request",
        detail: "A path segment has a malformed percent-escape.")
}
