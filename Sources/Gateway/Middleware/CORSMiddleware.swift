import HTTP1
import HTTPServer

/// Applies `CORSPolicy`: answers preflights from configured origins before
/// routing (OPTIONS reaches middleware before the router's 404/405) and
/// decorates actual responses.
public struct CORSMiddleware: HTTPMiddleware {
    private let policy: CORSPolicy

    public init(policy: CORSPolicy) {
        self.policy = policy
    }

    public func handle(_ request: HTTPRequest, context: RequestContext, next: HTTPHandler) async -> HTTPResponse {
        guard policy.isEnabled else { return await next(request, context) }
        if let preflight = policy.preflightResponse(for: request) { return preflight }
        var response = await next(request, context)
        policy.apply(to: &response, requestOrigin: request.headers["origin"])
        return response
    }
}
