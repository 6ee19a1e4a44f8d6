import HTTP1
import JSON

/// Withings answers every API call with HTTP 200 and a JSON envelope:
/// `{"status":0,"body":{…}}` or `{"status":N,"error":"…"}`.
enum Envelope {
    static let contentType = "application/json"

    /// The texts real Withings sends, reproduced so clients match on them.
    static let invalidAccessToken = "XRequestID: Not provided invalid_token: The access token provided is invalid"
    static let invalidRefreshTokenAuth = "XRequestID: Not provided invalid_token: The refresh token provided is invalid"
    static let sameArguments = "Same arguments in less than 10 seconds"
    static let tooManyRequests = "Too many requests: the application exceeded its per-minute limit"

    /// Status 0 with a body the closure writes (between `"body":{` and `}`).
    static func ok(capacity: Int = 256, _ writeBody: (inout JSONWriter) -> Void) -> HTTPResponse {
        var writer = JSONWriter(capacity: capacity)
        writer.beginObject()
        writer.field("status", 0)
        writer.key("body")
        writer.beginObject()
        writeBody(&writer)
        writer.endObject()
        writer.endObject()
        return response(writer.bytes)
    }

    /// A failure status. `emptyBody` adds `"body":{}` as the 401 answers do.
    static func failure(status: Int, error: String, emptyBody: Bool = false) -> HTTPResponse {
        var writer = JSONWriter(capacity: 128)
        writer.beginObject()
        writer.field("status", status)
        if emptyBody {
            writer.key("body")
            writer.beginObject()
            writer.endObject()
        }
        writer.field("error", error)
        writer.endObject()
        return response(writer.bytes)
    }

    static func rateLimited(waitSeconds: Int, error: String) -> HTTPResponse {
        var writer = JSONWriter(capacity: 128)
        writer.beginObject()
        writer.field("status", 601)
        writer.key("body")
        writer.beginObject()
        writer.field("wait_seconds", waitSeconds)
        writer.endObject()
        writer.field("error", error)
        writer.endObject()
        return response(writer.bytes)
    }

    /// Status 503 in the invalid-params family, Withings' answer to any bad argument.
    static func invalidParams(_ detail: String) -> HTTPResponse {
        failure(status: 503, error: "Invalid Params: \(detail)")
    }

    static func response(_ body: [UInt8]) -> HTTPResponse {
        HTTPResponse(status: 200, headers: ["Content-Type": contentType], body: body)
    }

    /// The non-JSON page a load balancer serves while the API is down.
    static func outagePage(httpStatus: Int) -> HTTPResponse {
        let html = """
            <html><head><title>\(httpStatus) \(httpReasonPhrase(httpStatus))</title></head>
            <body><center><h1>\(httpStatus) \(httpReasonPhrase(httpStatus))</h1></center>
            <hr><center>Service temporarily unavailable</center></body></html>

            """
        return HTTPResponse(status: httpStatus, contentType: "text/html", body: html)
    }
}
