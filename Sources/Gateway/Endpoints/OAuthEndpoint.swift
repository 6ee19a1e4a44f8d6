import HTTP1
import JSON
import Logging
import TokenStore
import WithingsAPI

/// `GET /oauth/authorize` and `GET /oauth/callback` (OAuth 2.0 mode):
/// connects a Withings user and hands back a user-scoped key. The `state`
/// carries the validated `redirect_to`, so nothing is stored before the
/// callback, and nothing at all when the callback fails.
public final class OAuthEndpoint: Sendable {
    public static let scope = "user.info,user.metrics,user.activity"

    public struct Settings: Sendable {
        public var clientID: String
        public var accountURL: String
        public var redirectURI: String
        public var timeoutSeconds: Int
        public init(clientID: String, accountURL: String, redirectURI: String, timeoutSeconds: Int) {
            self.clientID = clientID
            self.accountURL = accountURL
            self.redirectURI = redirectURI
            self.timeoutSeconds = timeoutSeconds
        }
    }

    private let settings: Settings
    private let states: OAuthStateCodec
    private let replay: OAuthStateReplayGuard
    private let redirects: RedirectPolicy
    private let upstream: any WithingsUpstream
    private let store: any TokenStore
    private let now: WallSeconds
    /// Called after a user (re)connects: cached pages of the old authorization go.
    private let userConnected: @Sendable (String) -> Void

    public init(settings: Settings, states: OAuthStateCodec, replay: OAuthStateReplayGuard, redirects: RedirectPolicy,
                upstream: any WithingsUpstream, store: any TokenStore, now: @escaping WallSeconds = SystemClocks.wall,
                userConnected: @escaping @Sendable (String) -> Void = { _ in }) {
        self.settings = settings
        self.states = states
        self.replay = replay
        self.redirects = redirects
        self.upstream = upstream
        self.store = store
        self.now = now
        self.userConnected = userConnected
    }

    public func authorize(_ request: HTTPRequest) -> HTTPResponse {
        guard let items = request.queryItems else {
            return GatewayProblem.invalidParameterResponse("query", "malformed percent-encoding")
        }
        let redirectTo: String?
        switch redirects.redirectTarget(from: items) {
        case .success(let target): redirectTo = target
        case .failure(let problem): return problem.response
        }
        let state = states.issue(redirectTo: redirectTo, now: now())
        let location = WithingsRequests.authorizeURL(
            accountBase: settings.accountURL, clientID: settings.clientID, redirectURI: settings.redirectURI,
            scope: Self.scope, state: state)
        return HTTPResponse(status: 302, headers: ["Location": location, "Cache-Control": "no-store"])
    }

    public func callback(_ request: HTTPRequest, logger: Logger) async -> HTTPResponse {
        guard let items = request.queryItems else {
            return GatewayProblem.invalidParameterResponse("query", "malformed percent-encoding")
        }
        func value(_ name: String) -> String? { items.first { $0.name == name }?.value }

        let claims: OAuthStateClaims
        switch states.verify(value("state") ?? "", now: now()) {
        case .success(let verified): claims = verified
        case .failure(let error): return Self.invalidState(error)
        }
        guard replay.redeem(claims, now: now()) else { return Self.invalidState(.alreadyUsed) }
        if let error = value("error") {
            return GatewayProblem.make(
                GatewayProblem.authorizationDenied, detail: "Withings reported: \(Self.safeErrorCode(error)).").response()
        }
        guard let code = value("code"), !code.isEmpty, code.utf8.count <= 512 else {
            return GatewayProblem.invalidParameterResponse("code", "missing or too long")
        }

        switch await connect(code: code, logger: logger) {
        case .success(let connection):
            return Self.handBack(userID: connection.userID, key: connection.key, redirectTo: claims.redirectTo)
        case .failure(let problem):
            return problem.response
        }
    }

    /// Exchanges an authorization code, stores the tokens and mints a
    /// user-scoped key; stores nothing when the exchange fails. Also used by
    /// `demo` to connect the simulator's users.
    public func connect(code: String, logger: Logger) async -> Result<(userID: String, key: String), ProblemResponse> {
        let grant: TokenGrant
        switch await upstream.exchange(code: code) {
        case .success(let granted): grant = granted
        case .failure(.withings(let failure)) where Self.rejectsCode(failure.family):
            logger.info("withings rejected an authorization code", metadata: ["withings.status": "\(failure.status)"])
            return .failure(ProblemResponse(GatewayProblem.make(
                GatewayProblem.authorizationRejected,
                detail: "Withings rejected the authorization code (status \(failure.status)); start again at /oauth/authorize."
            ).response()))
        case .failure(let error):
            logger.warning("withings code exchange failed", metadata: ["error": "\(error.logText)"])
            return .failure(ProblemResponse(UpstreamProblems.response(for: error, timeoutSeconds: settings.timeoutSeconds)))
        }

        let secret: String
        do {
            let time = now()
            let existing = try await store.tokens(for: grant.userID)
            try await store.save(UserTokens(
                userID: grant.userID, accessToken: grant.accessToken, refreshToken: grant.refreshToken,
                expiresAt: time + grant.expiresIn, scope: grant.scope, state: .active,
                createdAt: existing?.createdAt ?? time, updatedAt: time))
            secret = try await store.createKey(name: "oauth", userID: grant.userID).secret
        } catch {
            logger.error("storing a new connection failed", metadata: ["error": "\(error)"])
            return .failure(ProblemResponse(GatewayProblem.make(
                GatewayProblem.internalError, detail: "The connection could not be stored.").response()))
        }
        userConnected(grant.userID)
        logger.info("user connected", metadata: ["user_id": "\(grant.userID)"])
        return .success((grant.userID, secret))
    }


    /// Key in the fragment (never sent to servers, kept out of Referer), or JSON.
    static func handBack(userID: String, key: String, redirectTo: String?) -> HTTPResponse {
        var headers: HTTPHeaders = ["Cache-Control": "no-store", "Referrer-Policy": "no-referrer"]
        if let redirectTo {
            let fragment = URLEncoding.encodeForm([(name: "user_id", value: userID), (name: "key", value: key)])
            headers.add("Location", redirectTo + "#" + fragment)
            return HTTPResponse(status: 302, headers: headers)
        }
        var writer = JSONWriter(capacity: 128)
        writer.beginObject()
        writer.field("user_id", userID)
        writer.field("key", key)
        writer.endObject()
        headers.add("Content-Type", "application/json")
        return HTTPResponse(status: 200, headers: headers, body: writer.bytes)
    }

    /// Statuses that mean "this code is no good" rather than "Withings is unwell".
    static func rejectsCode(_ family: StatusFamily) -> Bool {
        switch family {
        case .auth, .invalidParams, .unauthorized, .badState: true
        case .ok, .notImplemented, .timeout, .rateLimited, .other: false
        }
    }

    static func invalidState(_ error: OAuthStateError) -> HTTPResponse {
        let detail = switch error {
        case .malformed: "The state is missing or malformed; start again at /oauth/authorize."
        case .badSignature: "The state was not issued by this gateway; start again at /oauth/authorize."
        case .expired: "The state has expired; start again at /oauth/authorize."
        case .alreadyUsed: "The state was already used; start again at /oauth/authorize."
        }
        return GatewayProblem.make(GatewayProblem.invalidState, detail: detail).response()
    }

    /// OAuth error codes are short snake_case tokens; anything else is not echoed.
    static func safeErrorCode(_ text: String) -> String {
        let ok = !text.isEmpty && text.utf8.count <= 64
            && text.utf8.allSatisfy { ($0 >= 0x61 && $0 <= 0x7A) || $0 == 0x5F || ($0 >= 0x30 && $0 <= 0x39) }
        return ok ? text : "an error"
    }
}

extension RedirectPolicy.Rejection {
    var detail: String {
        switch self {
        case .notAnAbsoluteURL: "must be an absolute http(s) URL"
        case .hasFragment: "must not carry a fragment"
        case .hasCredentials: "must not carry credentials"
        case .suspiciousPath: "must not contain dot segments or encoded slashes"
        case .notAllowed: "is not within GATEWAY_ALLOWED_REDIRECTS"
        }
    }
}
