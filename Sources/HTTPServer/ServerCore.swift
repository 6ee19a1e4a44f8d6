import HTTP1
import Logging
import Synchronization

/// What every loop of one server shares: immutable settings, the handler
/// chain, and the process-wide connection count.
final class ServerCore: Sendable {
    let configuration: HTTPServerConfiguration
    let router: Router
    let hasMiddleware: Bool
    /// Middleware around the router (which answers 404/405 itself).
    let handler: HTTPHandler
    let logger: Logger
    let openConnections = Atomic<Int>(0)
    /// Set once shutdown begins: every answer from then on closes its connection.
    let draining = Atomic<Bool>(false)
    /// Output bytes waiting for the peer above which a connection stops
    /// reading and handling requests until the peer catches up.
    let outputHighWater = 256 * 1024
    /// Pipelined input buffered while a handler runs, above which reading pauses.
    let inputHighWater = 64 * 1024

    init(configuration: HTTPServerConfiguration, router: Router, middleware: [any HTTPMiddleware], logger: Logger) {
        self.configuration = configuration
        self.router = router
        self.hasMiddleware = !middleware.isEmpty
        self.logger = logger
        self.handler = chain(middleware) { request, context in
            await Self.respond(router: router, request: request, context: context)
        }
    }

    /// The end of the middleware chain: the route's handler, or the
    /// server's own 404/405/400 problem.
    @Sendable
    static func respond(router: Router, request: HTTPRequest, context: RequestContext) async -> HTTPResponse {
        switch router.match(request.method, path: request.path) {
        case .found(let handler, _, _):
            return await handler(request, context)
        case .notFound:
            return Problem.notFound.response()
        case .methodNotAllowed(_, let allowed):
            return Problem.methodNotAllowed(request.method).response(headers: ["Allow": allowed])
        case .badParameter:
            return Problem.badPathParameter.response()
        }
    }
}
