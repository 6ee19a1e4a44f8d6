import Crypto
import HTTP1
import HTTPClient
import HTTPServer
import Logging
import Reactor
import TLS
import TokenStore
import Synchronization
import WithingsAPI

/// The gateway assembled from its configuration: the one place where
/// configuration becomes services (store, upstream client, token lifecycle,
/// endpoints, middleware, server). Owns what it creates and shuts it down
/// in reverse order.
public final class GatewayApp: Sendable {
    public let configuration: GatewayConfiguration
    public let server: HTTPServer
    public let store: SQLiteTokenStore
    /// Also used by `demo` to connect the simulator's users.
    public let oauth: OAuthEndpoint
    private let upstreamGroup: EventLoopGroup
    private let client: HTTPClient
    private let logger: Logger

    /// Fails with a `ConfigurationError` when `serve`'s requirements are not met.
    public init(configuration: GatewayConfiguration, store: SQLiteTokenStore, logger: Logger) throws {
        guard let clientID = configuration.clientID else {
            throw ConfigurationError(variable: Variable.clientID, reason: "is required")
        }
        guard let clientSecret = configuration.clientSecret else {
            throw ConfigurationError(variable: Variable.clientSecret, reason: "is required")
        }
        guard let secret = configuration.secret else {
            throw ConfigurationError(variable: Variable.secret, reason: "is required")
        }
        self.configuration = configuration
        self.store = store
        self.logger = logger

        var clientConfiguration = HTTPClientConfiguration()
        do {
            clientConfiguration.tls = try TLSClientContext(caFile: configuration.caFile, useSystemTrust: true)
        } catch {
            throw ConfigurationError(variable: Variable.caFile, reason: "cannot be used for TLS: \(error)")
        }
        upstreamGroup = try EventLoopGroup(threads: 1, name: "upstream")
        client = HTTPClient(group: upstreamGroup, configuration: clientConfiguration,
                            logger: logger)

        let exposition = MetricsExposition()
        let metrics = GatewayMetrics(factory: exposition.factory)
        let timeoutSeconds = Int(configuration.upstreamTimeout.components.seconds)
        let upstream = HTTPWithingsUpstream(
            client: client,
            settings: .init(apiURL: configuration.apiURL, clientID: clientID, clientSecret: clientSecret,
                            redirectURI: configuration.redirectURI.description, timeout: configuration.upstreamTimeout),
            budget: UpstreamBudget(limitPerMinute: configuration.rateLimitPerMinute), metrics: metrics)
        let lifecycle = TokenLifecycle(
            store: store, now: SystemClocks.wall, leaseTTL: Int64(timeoutSeconds) * 3,
            logger: logger
        ) { refreshToken throws(RefreshFailure) in
            switch await upstream.refresh(refreshToken: refreshToken) {
            case .success(let grant):
                return TokenGrantLike(accessToken: grant.accessToken, refreshToken: grant.refreshToken,
                                      expiresIn: grant.expiresIn, scope: grant.scope)
            case .failure(let error):
                throw RefreshFailure(error)
            }
        }
        let keys = KeyAuthenticator(store: store)
        let cache = ResponseCache<MeasuresEndpoint.Page>(ttl: .seconds(configuration.cacheTTLSeconds))
        let measures = MeasuresEndpoint(
            keys: keys, store: store, tokens: lifecycle, upstream: upstream, cursors: PageCursorCodec(secret: secret),
            cache: cache, metrics: metrics, publicURL: configuration.publicURL, timeoutSeconds: timeoutSeconds)
        let oauth = OAuthEndpoint(
            settings: .init(clientID: clientID, accountURL: configuration.accountURL,
                            redirectURI: configuration.redirectURI.description, timeoutSeconds: timeoutSeconds),
            states: OAuthStateCodec(secret: secret), replay: OAuthStateReplayGuard(),
            redirects: RedirectPolicy(allowed: configuration.allowedRedirects), upstream: upstream, store: store,
            userConnected: { cache.removeAll(userID: $0) })
        self.oauth = oauth
        let forget = ForgetUserEndpoint(keys: keys, store: store, forgetCached: { cache.removeAll(userID: $0) })

        // The server exists only after the router is built, but /metrics reads
        // its connection count: a box filled right after.
        let serverBox = ServerBox()
        let operations = OperationsEndpoints(store: store, exposition: exposition, metrics: metrics,
                                             openConnections: { serverBox.server?.openConnections ?? 0 })

        var router = Router()
        router.add(.get, "/oauth/authorize") { request, _ in oauth.authorize(request) }
        router.add(.get, "/oauth/callback") { request, context in await oauth.callback(request, logger: context.logger) }
        router.add(.get, "/users/{user_id}/measures") { request, context in
            await measures.handle(request, userID: context.pathParameters["user_id"] ?? "", logger: context.logger)
        }
        router.add(.delete, "/users/{user_id}") { request, context in
            await forget.handle(request, userID: context.pathParameters["user_id"] ?? "", logger: context.logger)
        }
        router.add(.get, "/healthz") { _, _ in operations.healthz() }
        router.add(.get, "/readyz") { _, context in await operations.readyz(logger: context.logger) }
        router.add(.get, "/metrics") { _, _ in operations.metricsText() }
        router.add(.get, "/openapi.yaml") { _, _ in operations.openAPI() }

        var serverConfiguration = HTTPServerConfiguration()
        serverConfiguration.host = configuration.listen.host
        serverConfiguration.port = configuration.listen.port
        serverConfiguration.threads = configuration.threads
        serverConfiguration.limits.maxBodyBytes = configuration.maxBodyBytes
        serverConfiguration.headerTimeout = configuration.headerTimeout
        serverConfiguration.bodyTimeout = configuration.bodyTimeout
        serverConfiguration.idleTimeout = configuration.idleTimeout
        serverConfiguration.shutdownTimeout = configuration.shutdownTimeout
        serverConfiguration.maxConnections = configuration.maxConnections
        let middleware: [any HTTPMiddleware] = [
            AccessLogMiddleware(metrics: metrics), CORSMiddleware(policy: CORSPolicy(origins: configuration.corsOrigins)),
        ]
        server = HTTPServer(configuration: serverConfiguration, router: router, middleware: middleware,
                            logger: logger)
        serverBox.set(server)
    }

    public func start() throws {
        try server.start()
        logger.info("listening", metadata: ["address": "\(configuration.listen.host):\(server.port)"])
    }

    public var port: Int { server.port }

    /// Stops accepting, drains in-flight requests, then closes the upstream
    /// client and the store (in reverse order of creation).
    public func shutdown() async {
        await server.shutdown()
        await client.shutdown()
        upstreamGroup.shutdown()
        await store.shutdown()
    }
}

/// Late-bound reference to the server for the metrics closure. Safe: set
/// once during init under the lock, read under it afterwards.
final class ServerBox: Sendable {
    private let value = Mutex<HTTPServer?>(nil)
    func set(_ server: HTTPServer) { value.withLock { $0 = server } }
    var server: HTTPServer? { value.withLock { $0 } }
}

