import Crypto
import HTTP1
import HTTPClient
import HTTPServer
import Logging
import Reactor
import Synchronization
import TLS
import TokenStore
import WithingsAPI

/// The gateway assembled from its configuration: the one place where
/// configuration becomes services (store, upstream client, token lifecycle,
/// endpoints, middleware, server). Owns what it creates and shuts it down
/// in reverse order.
public final class GatewayApp: Sendable {
    public let configuration: GatewayConfiguration
    public let server: HTTPServer
    public let store: any ClosableTokenStore
    /// The OAuth 2.0 flow (nil in oauth1 mode); `demo` connects the simulator's users through it.
    public let oauth: OAuthEndpoint?
    private let upstreamGroup: EventLoopGroup
    private let client: HTTPClient
    private let logger: Logger

    /// Fails with a `ConfigurationError` when `serve`'s requirements are not met.
    public init(configuration: GatewayConfiguration, store: any ClosableTokenStore, logger: Logger) throws {
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
        client = HTTPClient(group: upstreamGroup, configuration: clientConfiguration, logger: logger)

        let exposition = MetricsExposition()
        let metrics = GatewayMetrics(factory: exposition.factory)
        let timeoutSeconds = Int(configuration.upstreamTimeout.components.seconds)
        let budget = UpstreamBudget(limitPerMinute: configuration.rateLimitPerMinute)
        let keys = KeyAuthenticator(store: store)
        // 64 MiB of translated pages at most: a page of every type can weigh ~350 KB.
        let cache = ResponseCache<MeasuresEndpoint.Page>(
            ttl: .seconds(configuration.cacheTTLSeconds), maxCost: 64 << 20, cost: { $0.body.count + $0.etag.utf8.count })
        let states = OAuthStateCodec(secret: secret)
        let redirects = RedirectPolicy(allowed: configuration.allowedRedirects)
        let redirectURI = configuration.redirectURI.description
        let upstream: any WithingsUpstream
        let tokens: any AccessTokenSource
        let authorize: HTTPHandler
        let callback: HTTPHandler
        switch configuration.authMode {
        case .oauth2:
            let oauth2 = HTTPWithingsUpstream(
                client: client,
                settings: .init(apiURL: configuration.apiURL, clientID: clientID, clientSecret: clientSecret,
                                redirectURI: redirectURI, timeout: configuration.upstreamTimeout),
                budget: budget, metrics: metrics)
            upstream = oauth2
            tokens = TokenLifecycle(
                // The lease outlives a refresh call (bounded by the upstream timeout) with margin.
                store: store, now: SystemClocks.wall, leaseTTL: Int64(timeoutSeconds) * 3, logger: logger
            ) { refreshToken throws(RefreshFailure) in
                switch await oauth2.refresh(refreshToken: refreshToken) {
                case .success(let grant):
                    return TokenGrantLike(accessToken: grant.accessToken, refreshToken: grant.refreshToken,
                                          expiresIn: grant.expiresIn, scope: grant.scope)
                case .failure(let error):
                    throw RefreshFailure(error)
                }
            }
            let endpoint = OAuthEndpoint(
                settings: .init(clientID: clientID, accountURL: configuration.accountURL, redirectURI: redirectURI,
                                timeoutSeconds: timeoutSeconds),
                states: states, replay: OAuthStateReplayGuard(), redirects: redirects, upstream: oauth2, store: store,
                userConnected: { cache.removeAll(userID: $0) })
            oauth = endpoint
            authorize = { request, _ in endpoint.authorize(request) }
            callback = { request, context in await endpoint.callback(request, logger: context.logger) }
        case .oauth1:
            let client1 = OAuth1Client(
                client: client,
                settings: .init(oauth1URL: configuration.oauth1URL, apiURL: configuration.apiURL, consumerKey: clientID,
                                consumerSecret: clientSecret, timeout: configuration.upstreamTimeout),
                budget: budget, metrics: metrics)
            upstream = OAuth1DataUpstream(client: client1, store: store)
            tokens = OAuth1TokenSource(store: store)
            let endpoint = OAuth1Endpoint(
                client: client1, redirectURI: redirectURI, states: states, replay: OAuthStateReplayGuard(),
                redirects: redirects, store: store, timeoutSeconds: timeoutSeconds,
                userConnected: { cache.removeAll(userID: $0) })
            oauth = nil
            authorize = { request, _ in await endpoint.authorize(request) }
            callback = { request, context in await endpoint.callback(request, logger: context.logger) }
        }
        let measures = MeasuresEndpoint(
            keys: keys, store: store, tokens: tokens, upstream: upstream, cursors: PageCursorCodec(secret: secret),
            cache: cache, metrics: metrics, publicURL: configuration.publicURL, timeoutSeconds: timeoutSeconds)
        let forget = ForgetUserEndpoint(keys: keys, store: store, forgetCached: { cache.removeAll(userID: $0) })

        // The server exists only after the router is built, but /metrics reads
        // its connection count: a box filled right after.
        let serverBox = ServerBox()
        let operations = OperationsEndpoints(store: store, exposition: exposition, metrics: metrics,
                                             openConnections: { serverBox.server?.openConnections ?? 0 })

        var router = Router()
        router.add(.get, "/oauth/authorize", authorize)
        router.add(.get, "/oauth/callback", callback)
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

