import HTTP1
import Logging
import Synchronization
import TokenStore
import WithingsAPI

/// `GET /oauth/authorize` and `GET /oauth/callback` in legacy OAuth 1.0
/// mode: request token -> user authorizes -> access token, every call
/// signed with HMAC-SHA1. The signed `state` rides in the callback URL's
/// query; the temporary token secret stays in this process until the
/// callback (so, with replicas, the callback must reach the same replica).
public final class OAuth1Endpoint: Sendable {
    private let client: OAuth1Client
    private let redirectURI: String
    private let states: OAuthStateCodec
    private let replay: OAuthStateReplayGuard
    private let redirects: RedirectPolicy
    private let store: any TokenStore
    private let timeoutSeconds: Int
    private let now: WallSeconds
    private let userConnected: @Sendable (String) -> Void
    /// oauth_token -> (token secret, expiry): temporary credentials awaiting their callback.
    private let pending = Mutex<[String: (secret: String, expiresAt: Int64)]>([:])
    private static let pendingCapacity = 10_000

    public init(client: OAuth1Client, redirectURI: String, states: OAuthStateCodec, replay: OAuthStateReplayGuard,
                redirects: RedirectPolicy, store: any TokenStore, timeoutSeconds: Int,
                now: @escaping WallSeconds = SystemClocks.wall,
                userConnected: @escaping @Sendable (String) -> Void = { _ in }) {
        self.client = client
        self.redirectURI = redirectURI
        self.states = states
        self.replay = replay
        self.redirects = redirects
        self.store = store
        self.timeoutSeconds = timeoutSeconds
        self.now = now
        self.userConnected = userConnected
    }

    public func authorize(_ request: HTTPRequest) async -> HTTPResponse {
        guard let items = request.queryItems else {
            return GatewayProblem.invalidParameterResponse("query", "malformed percent-encoding")
        }
        let redirectTo: String?
        switch redirects.redirectTarget(from: items) {
        case .success(let target): redirectTo = target
        case .failure(let problem): return problem.response
        }
        let time = now()
        let state = states.issue(redirectTo: redirectTo, now: time)
        let separator = redirectURI.contains("?") ? "&" : "?"
        let callback = redirectURI + separator + URLEncoding.encodeForm([(name: "state", value: state)])
        let requestToken: OAuth1Credentials
        switch await client.requestToken(callback: callback) {
        case .success(let credentials): requestToken = credentials
        case .failure(let error): return UpstreamProblems.response(for: error, timeoutSeconds: timeoutSeconds)
        }
        guard let location = client.authorizeURL(for: requestToken) else {
            return GatewayProblem.make(GatewayProblem.internalError, detail: "The authorize URL could not be signed.")
                .response()
        }
        let expiresAt = time + states.lifetimeSeconds
        pending.withLock { pending in
            if pending.count >= Self.pendingCapacity { pending = pending.filter { $0.value.expiresAt > time } }
            if pending.count < Self.pendingCapacity { pending[requestToken.token] = (requestToken.tokenSecret, expiresAt) }
        }
        return HTTPResponse(status: 302, headers: ["Location": location, "Cache-Control": "no-store"])
    }

    public func callback(_ request: HTTPRequest, logger: Logger) async -> HTTPResponse {
        guard let items = request.queryItems else {
            return GatewayProblem.invalidParameterResponse("query", "malformed percent-encoding")
        }
        func value(_ name: String) -> String? { items.first { $0.name == name }?.value }
        let time = now()
        let claims: OAuthStateClaims
        switch states.verify(value("state") ?? "", now: time) {
        case .success(let verified): claims = verified
        case .failure(let error): return OAuthEndpoint.invalidState(error)
        }
        guard replay.redeem(claims, now: time) else { return OAuthEndpoint.invalidState(.alreadyUsed) }
        if let error = value("error") {
            return GatewayProblem.make(
                GatewayProblem.authorizationDenied, detail: "Withings reported: \(OAuthEndpoint.safeErrorCode(error)).")
                .response()
        }
        guard let token = value("oauth_token"), !token.isEmpty else {
            return GatewayProblem.invalidParameterResponse("oauth_token", "missing")
        }
        let secret = pending.withLock { $0.removeValue(forKey: token) }
        guard let secret, secret.expiresAt > time else {
            return GatewayProblem.make(
                GatewayProblem.authorizationRejected,
                detail: "The request token is unknown or expired; start again at /oauth/authorize.").response()
        }
        let credentials: OAuth1Credentials
        switch await client.accessToken(
            requestToken: OAuth1Credentials(token: token, tokenSecret: secret.secret), verifier: value("oauth_verifier"))
        {
        case .success(let granted): credentials = granted
        case .failure(.withings(let failure)) where OAuthEndpoint.rejectsCode(failure.family):
            return GatewayProblem.make(
                GatewayProblem.authorizationRejected,
                detail: "Withings rejected the authorization; start again at /oauth/authorize.").response()
        case .failure(let error):
            return UpstreamProblems.response(for: error, timeoutSeconds: timeoutSeconds)
        }
        guard let userID = credentials.userID ?? value("userid"), !userID.isEmpty,
            userID.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 })
        else {
            return GatewayProblem.make(
                GatewayProblem.upstreamInvalidResponse, detail: "Withings did not name the user.").response()
        }
        let key: String
        do {
            let existing = try await store.tokens(for: userID)
            // OAuth 1.0 token credentials do not expire.
            try await store.save(UserTokens(
                userID: userID, accessToken: credentials.token, refreshToken: "", tokenSecret: credentials.tokenSecret,
                expiresAt: Int64(Int32.max), scope: "", state: .active, createdAt: existing?.createdAt ?? time,
                updatedAt: time))
            key = try await store.createKey(name: "oauth", userID: userID).secret
        } catch {
            logger.error("storing a new connection failed", metadata: ["error": "\(error)"])
            return GatewayProblem.make(GatewayProblem.internalError, detail: "The connection could not be stored.")
                .response()
        }
        userConnected(userID)
        logger.info("user connected", metadata: ["user_id": "\(userID)", "auth_mode": "oauth1"])
        return OAuthEndpoint.handBack(userID: userID, key: key, redirectTo: claims.redirectTo)
    }
}
