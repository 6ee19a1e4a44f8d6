import Gateway
import HTTP1
import HTTPServer
import Logging
import Testing

struct AccessLogMiddlewareTests {
    func run(level: Logger.Level, status: Int) async -> (lines: [String], metrics: String) {
        let capture = LogCapture()
        let exposition = MetricsExposition()
        let middleware = AccessLogMiddleware(metrics: GatewayMetrics(factory: exposition.factory))
        let context = RequestContext(
            requestID: "req-1", pathParameters: ["user_id": "42"], routeTemplate: "/users/{user_id}/measures",
            remoteAddress: "127.0.0.1:5000", logger: capture.logger(level: level))
        let response = await middleware.handle(
            HTTPRequest(method: .get, target: "/users/42/measures?types=weight"), context: context
        ) { _, _ in HTTPResponse(status: status, body: Array("abc".utf8)) }
        #expect(response.status == status)
        return (capture.all, String(decoding: exposition.render(), as: UTF8.self))
    }

    @Test(arguments: [Logger.Level.trace, .debug, .info])
    func logsOneLineWhenInfoIsEnabled(level: Logger.Level) async throws {
        let (lines, _) = await run(level: level, status: 200)
        #expect(lines.count == 1)
        let line = try #require(lines.first)
        for field in ["http.method=GET", "http.route=/users/{user_id}/measures", "http.status=200",
                      "http.response_bytes=3", "remote=127.0.0.1:5000", "user_id=42", "request_id=req-1"] {
            #expect(line.contains(field), "\(field) missing in \(line)")
        }
        #expect(!line.contains("types=weight"))
    }

    @Test(arguments: [Logger.Level.notice, .warning, .error, .critical])
    func logsNothingAboveInfoButStillCounts(level: Logger.Level) async {
        let (lines, metrics) = await run(level: level, status: 404)
        #expect(lines.isEmpty)
        #expect(metrics.contains(#"gateway_http_requests_total{route="/users/{user_id}/measures",status_class="4xx"} 1"#))
    }
}
