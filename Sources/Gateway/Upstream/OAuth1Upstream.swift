import Crypto
import HTTP1
import HTTPClient
import TokenStore
import WithingsAPI

/// The legacy OAuth 1.0 side of Withings (`WITHINGS_AUTH_MODE=oauth1`):
/// every call a GET signed with HMAC-SHA1 (RFC 5849) over the project's
/// client, spending the same upstream budget as OAuth 2.0 calls.
public final class OAuth1Client: Sendable {
    public struct Settings: Sendable {
        public var oauth1URL: String
        public var apiURL: String
        public var consumerKey: String
        public var consumerSecret: String
        public var timeout: Duration
        public init(oauth1URL: String, apiURL: String, consumerKey: String, consumerSecret: String, timeout: Duration) {
            self.oauth1URL = oauth1URL
            self.apiURL = apiURL
            self.consumerKey = consumerKey
            self.consumerSecret = consumerSecret
            self.timeout = timeout
        }
    }

    private let client: HTTPClient
    private let settings: Settings
    private let budget: UpstreamBudget
    private let metrics: GatewayMetrics
    private let now: WallSeconds

    public init(client: HTTPClient, settings: Settings, budget: UpstreamBudget, metrics: GatewayMetrics,
                now: @escaping WallSeconds = SystemClocks.wall) {
        self.client = client
        self.settings = settings
        self.budget = budget
        self.metrics = metrics
        self.now = now
    }

    private static func nonce() -> String { ByteEncoding.hex(Digest.randomBytes(16)) }

    /// Step 1: temporary credentials; `callback` is where Withings sends the browser.
    public func requestToken(callback: String) async -> Result<OAuth1Credentials, UpstreamError> {
        guard let url = WithingsOAuth1Requests.requestTokenURL(
            oauth1Base: settings.oauth1URL, consumerKey: settings.consumerKey, consumerSecret: settings.consumerSecret,
            callback: callback, nonce: Self.nonce(), timestamp: now())
        else { return .failure(.invalidResponse("cannot sign the request-token call")) }
        return await credentialsCall(url)
    }

    /// Step 2: the URL the user's browser goes to.
    public func authorizeURL(for requestToken: OAuth1Credentials) -> String? {
        WithingsOAuth1Requests.authorizeURL(
            oauth1Base: settings.oauth1URL, consumerKey: settings.consumerKey, consumerSecret: settings.consumerSecret,
            requestToken: requestToken, nonce: Self.nonce(), timestamp: now())
    }

    /// Step 3: token credentials (with the Withings user id).
    public func accessToken(requestToken: OAuth1Credentials, verifier: String?) async
        -> Result<OAuth1Credentials, UpstreamError>
    {
        guard let url = WithingsOAuth1Requests.accessTokenURL(
            oauth1Base: settings.oauth1URL, consumerKey: settings.consumerKey, consumerSecret: settings.consumerSecret,
            requestToken: requestToken, verifier: verifier, nonce: Self.nonce(), timestamp: now())
        else { return .failure(.invalidResponse("cannot sign the access-token call")) }
        return await credentialsCall(url)
    }

    public func getmeas(credentials: OAuth1Credentials, userID: String, query: GetmeasQuery) async
        -> Result<GetmeasPage, UpstreamError>
    {
        guard let url = WithingsOAuth1Requests.getmeasURL(
            apiBase: settings.apiURL, consumerKey: settings.consumerKey, consumerSecret: settings.consumerSecret,
            accessToken: credentials, userID: userID, query: query, nonce: Self.nonce(), timestamp: now())
        else { return .failure(.invalidResponse("cannot sign the getmeas call")) }
        let result = await send(url)
        switch result {
        case .failure(let error): return .failure(error)
        case .success(let response):
            guard response.status == 200 else { return record(.failure(.invalidResponse("HTTP \(response.status)"))) }
            do {
                switch try WithingsDecoding.getmeas(response.body) {
                case .success(let page): return record(.success(page))
                case .failure(let failure): return record(.failure(.withings(failure)))
                }
            } catch {
                return record(.failure(.invalidResponse(error.reason)))
            }
        }
    }

    /// The `/account/*` answers: form-encoded credentials, or an OAuth problem
    /// (HTTP 400/401), which means Withings refused the request.
    private func credentialsCall(_ url: String) async -> Result<OAuth1Credentials, UpstreamError> {
        switch await send(url) {
        case .failure(let error): return .failure(error)
        case .success(let response):
            switch response.status {
            case 200:
                guard let credentials = WithingsOAuth1Requests.credentials(response.body) else {
                    return record(.failure(.invalidResponse("no oauth_token in the answer")))
                }
                return record(.success(credentials))
            case 400, 401:
                // Reported as Withings' invalid-params family: the request was refused, not lost.
                return record(.failure(.withings(WithingsFailure(status: 503, message: nil))))
            default:
                return record(.failure(.invalidResponse("HTTP \(response.status)")))
            }
        }
    }

    private func send(_ url: String) async -> Result<HTTPResponse, UpstreamError> {
        if case .retryAfter(let seconds) = await budget.acquire() {
            metrics.recordBudgetDenied()
            return .failure(.budgetExhausted(retryAfterSeconds: seconds))
        }
        do {
            return .success(try await client.send(HTTPClientRequest(method: .get, url: url), timeout: settings.timeout))
        } catch {
            return record(.failure(HTTPWithingsUpstream.classify(error)))
        }
    }

    private func record<T>(_ result: Result<T, UpstreamError>) -> Result<T, UpstreamError> {
        switch result {
        case .success: metrics.recordUpstream(.ok)
        case .failure(let error): metrics.recordUpstream(GatewayMetrics.UpstreamOutcome(error))
        }
        return result
    }
}

/// Measures in OAuth 1.0 mode: token credentials never expire and cannot be
/// refreshed, so the token source reads the store and a rejected token
/// means the user must authorize again; the upstream signs with the stored
/// token secret. `MeasuresEndpoint` runs unchanged on top of these.
public struct OAuth1TokenSource: AccessTokenSource {
    let store: any TokenStore

    public init(store: any TokenStore) {
        self.store = store
    }

    public func accessToken(for userID: String) async throws(TokenLifecycleError) -> String {
        let tokens: UserTokens?
        do {
            tokens = try await store.tokens(for: userID)
        } catch {
            throw .transient("token store: \(error)")
        }
        guard let tokens else { throw .notConnected }
        guard tokens.state == .active else { throw .reauthorizationRequired }
        return tokens.accessToken
    }

    public func refreshAfterRejection(userID: String, rejectedAccessToken: String) async throws(TokenLifecycleError) -> String {
        do {
            try await store.markReauthorizationRequired(userID)
        } catch {
            throw .transient("token store: \(error)")
        }
        throw .reauthorizationRequired
    }
}

public struct OAuth1DataUpstream: WithingsUpstream {
    let client: OAuth1Client
    let store: any TokenStore

    public init(client: OAuth1Client, store: any TokenStore) {
        self.client = client
        self.store = store
    }

    public func getmeas(accessToken: String, userID: String, query: GetmeasQuery) async
        -> Result<GetmeasPage, UpstreamError>
    {
        let secret: String?
        do {
            secret = try await store.tokens(for: userID)?.tokenSecret
        } catch {
            return .failure(.unreachable("token store"))
        }
        guard let secret else { return .failure(.withings(WithingsFailure(status: 401, message: nil))) }
        return await client.getmeas(
            credentials: OAuth1Credentials(token: accessToken, tokenSecret: secret), userID: userID, query: query)
    }

    /// OAuth 2.0 only; the OAuth 1.0 flow goes through `OAuth1Client`.
    public func exchange(code: String) async -> Result<TokenGrant, UpstreamError> {
        .failure(.invalidResponse("authorization codes are not used in oauth1 mode"))
    }

    public func refresh(refreshToken: String) async -> Result<TokenGrant, UpstreamError> {
        .failure(.invalidResponse("OAuth 1.0 tokens are not refreshed"))
    }
}
