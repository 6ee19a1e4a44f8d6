import HTTP1
import HTTPServer
import Logging

/// One access-log line and the request metrics per request: method, route
/// template (never the raw path, so no ids or query values), status, bytes,
/// duration and the user id of `/users/{user_id}` routes. Keys, tokens and
/// query strings are never logged.
public struct AccessLogMiddleware: HTTPMiddleware {
    private let metrics: GatewayMetrics

    public init(metrics: GatewayMetrics) {
        self.metrics = metrics
    }

    public func handle(_ request: HTTPRequest, context: RequestContext, next: HTTPHandler) async -> HTTPResponse {
        let clock = ContinuousClock()
        let start = clock.now
        let response = await next(request, context)
        let duration = clock.now - start
        metrics.recordRequest(route: context.routeTemplate, status: response.status, duration: duration)
        // At the usual production level (warning) the line is dropped anyway:
        // skip building its metadata, which was a dictionary and six
        // interpolated strings on every request.
        guard context.logger.logLevel <= .info else { return response }
        var metadata: Logger.Metadata = [
            "http.method": "\(request.method.name)",
            "http.route": "\(context.routeTemplate)",
            "http.status": "\(response.status)",
            "http.response_bytes": "\(response.body.count)",
            "duration_ms": "\(Self.milliseconds(duration))",
            "remote": "\(context.remoteAddress)",
        ]
        if let userID = context.pathParameters["user_id"] { metadata["user_id"] = "\(userID)" }
        context.logger.info("request", metadata: metadata)
        return response
    }

    /// Milliseconds with three decimals, without floating-point formatting.
    static func milliseconds(_ duration: Duration) -> String {
        let micros = duration.components.seconds * 1_000_000 + duration.components.attoseconds / 1_000_000_000_000
        let fraction = String(micros % 1000)
        return "\(micros / 1000)." + String(repeating: "0", count: 3 - fraction.count) + fraction
    }
}
