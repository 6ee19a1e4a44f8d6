import HTTP1
import Logging

/// What the server knows about a request besides the request itself.
public struct RequestContext: Sendable {
    /// The client's X-Request-ID when sane (1–128 visible ASCII), else generated.
    public var requestID: String
    /// The route's `{params}`, percent-decoded.
    public var pathParameters: [String: String]
    /// The matched pattern, e.g. "/users/{user_id}/measures"; "unmatched" for 404.
    public var routeTemplate: String
    /// The peer as "host:port".
    public var remoteAddress: String
    /// Carries `request_id` metadata (added to each line as it is logged).
    public var logger: Logger

    public init(
        requestID: String, pathParameters: [String: String] = [:], routeTemplate: String,
        remoteAddress: String, logger: Logger
    ) {
        self.requestID = requestID
        self.pathParameters = pathParameters
        self.routeTemplate = routeTemplate
        self.remoteAddress = remoteAddress
        self.logger = logger
        self.logger.handler = RequestLogHandler(base: logger.handler, requestID: requestID)
    }
}

/// A request handler: request and context in, response out.
public typealias HTTPHandler = @Sendable (HTTPRequest, RequestContext) async -> HTTPResponse

/// One step of the chain around every request (404/405 answers included,
/// so a CORS middleware can answer a preflight OPTIONS). Call `next` to
/// continue, or return a response to short-circuit.
public protocol HTTPMiddleware: Sendable {
    func handle(_ request: HTTPRequest, context: RequestContext, next: HTTPHandler) async -> HTTPResponse
}

/// Builds `first(second(...(terminal)))` once, at server start.
func chain(_ middleware: [any HTTPMiddleware], around terminal: @escaping HTTPHandler) -> HTTPHandler {
    middleware.reversed().reduce(terminal) { next, step in
        { request, context in await step.handle(request, context: context, next: next) }
    }
}
