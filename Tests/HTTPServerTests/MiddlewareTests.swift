import HTTP1
import Logging
import Synchronization
import Testing

@testable import HTTPServer

/// Records its name on the way in, and tags the response on the way out.
struct Tagging: HTTPMiddleware {
    let name: String
    func handle(_ request: HTTPRequest, context: RequestContext, next: HTTPHandler) async -> HTTPResponse {
        var response = await next(request, context)
        response.headers.add("X-Trail", name)
        return response
    }
}

/// Answers preflights itself, as a CORS middleware would.
struct Preflight: HTTPMiddleware {
    func handle(_ request: HTTPRequest, context: RequestContext, next: HTTPHandler) async -> HTTPResponse {
        if request.method == .options {
            return HTTPResponse(status: 204, headers: ["Access-Control-Allow-Origin": "*", "X-Route": context.routeTemplate])
        }
        return await next(request, context)
    }
}

@Suite struct MiddlewareTests {
    @Test func chainRunsInOrderAroundTheHandler() async throws {
        try await withServer(middleware: [Tagging(name: "outer"), Tagging(name: "inner")], routes: standardRoutes) {
            server in
            let client = try TestClient(port: server.port)
            try await client.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            let response = try #require(try await client.readResponse())
            #expect(response.text == "hello")
            #expect(response.headers.filter { $0.name == "X-Trail" }.map(\.value) == ["inner", "outer"])
        }
    }

    @Test func middlewareSeesUnmatchedRequestsAndCanAnswerPreflights() async throws {
        try await withServer(middleware: [Preflight(), Tagging(name: "t")], routes: standardRoutes) { server in
            let client = try TestClient(port: server.port)
            try await client.send("OPTIONS /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            let preflight = try #require(try await client.readResponse())
            #expect(preflight.status == 204)
            #expect(preflight.header("x-route") == "/hello")
            try await client.send("GET /missing HTTP/1.1\r\nHost: x\r\n\r\n")
            let missing = try #require(try await client.readResponse())
            #expect(missing.status == 404)
            #expect(missing.header("x-trail") == "t", "404s pass through the chain")
            try await client.send("PUT /hello HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
            let wrong = try #require(try await client.readResponse())
            #expect(wrong.status == 405)
            #expect(wrong.header("allow") == "GET, HEAD")
        }
    }

    @Test func contextCarriesRouteTemplateParametersAndPeer() async throws {
        final class Box: Sendable { let seen = Mutex<[String]>([]) }
        let box = Box()
        try await withServer(routes: { router in
            router.add(.get, "/users/{user_id}/measures") { _, context in
                box.seen.withLock {
                    $0 = [context.routeTemplate, context.pathParameters["user_id"] ?? "",
                          String(context.remoteAddress.prefix(10)),
                          "\(context.logger[metadataKey: "request_id"] ?? "")"]
                }
                return HTTPResponse(status: 204)
            }
        }) { server in
            let client = try TestClient(port: server.port)
            try await client.send("GET /users/u%201/measures HTTP/1.1\r\nHost: x\r\nX-Request-ID: rid-1\r\n\r\n")
            #expect(try await client.readResponse()?.status == 204)
            #expect(box.seen.withLock { $0 } == ["/users/{user_id}/measures", "u 1", "127.0.0.1:", "rid-1"])
        }
    }
}

@Suite struct ProblemTests {
    @Test func documentHasTheRFC9457MembersAndExtras() {
        var problem = Problem(name: "reauthorization-required", status: 409, title: "Reauthorize", detail: "Say \"yes\"")
        problem.extra = [("authorize_url", "https://example.test/oauth/authorize")]
        let response = problem.response(headers: ["Retry-After": "3"])
        #expect(response.status == 409)
        #expect(response.headers["content-type"] == "application/problem+json")
        #expect(response.headers["retry-after"] == "3")
        #expect(String(decoding: response.body, as: UTF8.self) == #"{"type":"https://withings-gateway.dev/problems/reauthorization-required","title":"Reauthorize","status":409,"detail":"Say \"yes\"","authorize_url":"https://example.test/oauth/authorize"}"#)
    }

    @Test(arguments: [(400, "bad-request"), (413, "content-too-large"), (414, "uri-too-long"),
                      (431, "header-fields-too-large"), (501, "not-implemented")])
    func parserErrorsBecomeNamedProblems(status: Int, name: String) {
        let problem = Problem.malformed(HTTP1Error(status: status, reason: "fixed text"))
        #expect(problem.name == name)
        #expect(problem.status == status)
        #expect(problem.detail == "fixed text")
    }
}

/// Collects rendered log lines (metadata included) for one test.
final class LogSink: Sendable {
    let lines = Mutex<[String]>([])
}

struct SinkHandler: LogHandler {
    let sink: LogSink
    var metadata: Logger.Metadata = [:]
    var logLevel: Logger.Level = .trace
    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }
    func log(event: LogEvent) {
        let merged = metadata.merging(event.metadata ?? [:]) { $1 }
        let rendered = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
        sink.lines.withLock { $0.append("\(event.message) \(rendered)") }
    }
}

@Suite struct RequestLoggingTests {
    @Test func everyLineLoggedThroughTheContextCarriesTheRequestID() async throws {
        let sink = LogSink()
        var logger = Logger(label: "t") { _ in SinkHandler(sink: sink) }
        logger[metadataKey: "service"] = "gw"
        let context = RequestContext(requestID: "rid-9", routeTemplate: "/x", remoteAddress: "peer", logger: logger)
        var scoped = context.logger
        scoped[metadataKey: "user"] = "u1"
        scoped.info("one")
        context.logger.warning("two", metadata: ["extra": "e"])
        #expect(sink.lines.withLock { $0 } == ["one request_id=rid-9 service=gw user=u1", "two extra=e request_id=rid-9 service=gw"])
        #expect(context.logger[metadataKey: "request_id"] == "rid-9")
        #expect(logger[metadataKey: "request_id"] == nil, "the server's own logger is unchanged")
    }
}
