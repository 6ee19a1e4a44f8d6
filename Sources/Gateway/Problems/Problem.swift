import HTTP1
import JSON

// Stand-in with the exact shape of HTTPServer's `Problem` (CONTRACTS.md)
// until that module lands on main; then this file is deleted and the
// catalogue builds the server's type unchanged.

/// An RFC 9457 problem answer.
public struct Problem: Sendable {
    public static let typeBase = "https://withings-gateway.dev/problems/"
    public var name: String
    public var title: String
    public var status: Int
    public var detail: String
    public var extra: [(String, String)] = []

    public init(name: String, status: Int, title: String, detail: String) {
        self.name = name
        self.status = status
        self.title = title
        self.detail = detail
    }

    public func response(headers: HTTPHeaders = [:]) -> HTTPResponse {
        var writer = JSONWriter(capacity: 256)
        writer.beginObject()
        writer.field("type", Self.typeBase + name)
        writer.field("title", title)
        writer.field("status", status)
        writer.field("detail", detail)
        for (key, value) in extra { writer.field(key, value) }
        writer.endObject()
        var headers = headers
        headers.set("Content-Type", "application/problem+json")
        return HTTPResponse(status: status, headers: headers, body: writer.bytes)
    }
}
