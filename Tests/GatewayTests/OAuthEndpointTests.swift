import Crypto
import Gateway
import HTTP1
import Logging
import Testing
import TokenStore
import WithingsAPI

struct OAuthEndpointTests {
    static let grant = TokenGrant(userID: "4242", accessToken: "at-secret", refreshToken: "rt-secret", expiresIn: 10800,
                                  scope: "user.metrics", csrfToken: nil)
    let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    func endpoint(store: any TokenStore, upstream: ScriptedUpstream, now: Int64 = 1_000) -> OAuthEndpoint {
        OAuthEndpoint(
            settings: .init(clientID: "cid", accountURL: "https://account.example", redirectURI: "http://localhost:8080/oauth/callback",
                            timeoutSeconds: 10),
            states: OAuthStateCodec(key: [UInt8](repeating: 3, count: 32)), replay: OAuthStateReplayGuard(),
            redirects: RedirectPolicy(allowed: [AbsoluteURL("https://app.example.com/done")!]),
            upstream: upstream, store: store, now: { now })
    }

    static func state(from location: String?) throws -> String {
        let query = try #require(location?.split(separator: "?", maxSplits: 1).last)
        let items = try #require(URLEncoding.parseForm(String(query)))
        return try #require(items.first { $0.name == "state" }?.value)
    }

    @Test func authorizeRedirectsToWithingsWithSignedState() async throws {
        try await withStore { store in
            let oauth = endpoint(store: store, upstream: ScriptedUpstream())
            let response = oauth.authorize(HTTPRequest(method: .get, target: "/oauth/authorize"))
            #expect(response.status == 302)
            let location = try #require(response.headers["location"])
            #expect(location.hasPrefix("https://account.example/oauth2_user/authorize2?"))
            #expect(location.contains("client_id=cid"))
            #expect(location.contains("response_type=code"))
            _ = try Self.state(from: location)
        }
    }

    @Test(arguments: ["https://evil.example.com/", "https://app.example.com/done#x", "notaurl"])
    func authorizeRefusesRedirectsOutsideTheList(redirect: String) async throws {
        try await withStore { store in
            let oauth = endpoint(store: store, upstream: ScriptedUpstream())
            let target = "/oauth/authorize?redirect_to=" + URLEncoding.percentEncode(redirect)
            let response = oauth.authorize(HTTPRequest(method: .get, target: target))
            #expect(response.status == 400)
            #expect(String(decoding: response.body, as: UTF8.self).contains("redirect_to"))
        }
    }

    @Test func callbackStoresTokensMintsKeyAndRedirectsWithFragment() async throws {
        try await withStore { store in
            let oauth = endpoint(store: store, upstream: ScriptedUpstream(exchange: .success(Self.grant)))
            let authorize = oauth.authorize(HTTPRequest(
                method: .get, target: "/oauth/authorize?redirect_to=" + URLEncoding.percentEncode("https://app.example.com/done/x")))
            let state = try Self.state(from: authorize.headers["location"])
            let callback = "/oauth/callback?code=abc&state=" + URLEncoding.percentEncode(state)
            let response = await oauth.callback(HTTPRequest(method: .get, target: callback), logger: logger)
            #expect(response.status == 302)
            let location = try #require(response.headers["location"])
            #expect(location.hasPrefix("https://app.example.com/done/x#user_id=4242&key=wgk_"))
            let key = try #require(location.split(separator: "=").last.map(String.init))
            #expect(try await store.authenticate(URLEncoding.percentDecode(key) ?? "")?.userID == "4242")
            #expect(try await store.tokens(for: "4242")?.refreshToken == "rt-secret")
            #expect(try await store.tokens(for: "4242")?.expiresAt == 1_000 + 10800)

            // The same state again: refused, nothing new stored.
            let again = await oauth.callback(HTTPRequest(method: .get, target: callback), logger: logger)
            #expect(again.status == 400)
            #expect(String(decoding: again.body, as: UTF8.self).contains("invalid-state"))
        }
    }

    @Test func callbackWithoutRedirectAnswersJSON() async throws {
        try await withStore { store in
            let oauth = endpoint(store: store, upstream: ScriptedUpstream(exchange: .success(Self.grant)))
            let state = try Self.state(from: oauth.authorize(HTTPRequest(method: .get, target: "/oauth/authorize")).headers["location"])
            let response = await oauth.callback(
                HTTPRequest(method: .get, target: "/oauth/callback?code=c&state=" + URLEncoding.percentEncode(state)), logger: logger)
            #expect(response.status == 200)
            let body = String(decoding: response.body, as: UTF8.self)
            #expect(body.hasPrefix("{\"user_id\":\"4242\",\"key\":\"wgk_"))
            #expect(response.headers["cache-control"] == "no-store")
        }
    }

    @Test(arguments: [
        (Result<TokenGrant, UpstreamError>.failure(.withings(WithingsFailure(status: 503, message: "Invalid Params: invalid code"))), 400, "authorization-rejected"),
        (.failure(.unreachable("connection refused")), 502, "upstream-unavailable"),
        (.failure(.timeout), 504, "upstream-timeout"),
        (.failure(.withings(WithingsFailure(status: 601, waitSeconds: 7, message: nil))), 429, "rate-limited"),
        (.failure(.invalidResponse("not JSON")), 502, "upstream-invalid-response"),
    ])
    func failedExchangeStoresNothing(result: Result<TokenGrant, UpstreamError>, status: Int, problem: String) async throws {
        try await withStore { store in
            let oauth = endpoint(store: store, upstream: ScriptedUpstream(exchange: result))
            let state = try Self.state(from: oauth.authorize(HTTPRequest(method: .get, target: "/oauth/authorize")).headers["location"])
            let response = await oauth.callback(
                HTTPRequest(method: .get, target: "/oauth/callback?code=c&state=" + URLEncoding.percentEncode(state)), logger: logger)
            #expect(response.status == status)
            let body = String(decoding: response.body, as: UTF8.self)
            #expect(body.contains("/problems/" + problem))
            #expect(!body.contains("Invalid Params"))
            #expect(try await store.users().isEmpty)
            #expect(try await store.keys().isEmpty)
        }
    }

    @Test func refusalAndBadStatesAreProblems() async throws {
        try await withStore { store in
            let upstream = ScriptedUpstream(exchange: .success(Self.grant))
            let oauth = endpoint(store: store, upstream: upstream)
            let state = try Self.state(from: oauth.authorize(HTTPRequest(method: .get, target: "/oauth/authorize")).headers["location"])
            let denied = await oauth.callback(HTTPRequest(
                method: .get, target: "/oauth/callback?error=access_denied&state=" + URLEncoding.percentEncode(state)), logger: logger)
            #expect(denied.status == 400)
            #expect(String(decoding: denied.body, as: UTF8.self).contains("authorization-denied"))
            for target in ["/oauth/callback?code=c", "/oauth/callback?code=c&state=forged.sig", "/oauth/callback?code=c&state=%zz"] {
                let response = await oauth.callback(HTTPRequest(method: .get, target: target), logger: logger)
                #expect(response.status == 400, "\(target)")
            }
            // An expired state (issued 601 s before the callback).
            let late = endpoint(store: store, upstream: upstream, now: 1_601)
            let response = await late.callback(HTTPRequest(
                method: .get, target: "/oauth/callback?code=c&state=" + URLEncoding.percentEncode(
                    OAuthStateCodec(key: [UInt8](repeating: 3, count: 32)).issue(redirectTo: nil, now: 1_000))), logger: logger)
            #expect(String(decoding: response.body, as: UTF8.self).contains("expired"))
            #expect(upstream.calls.withLock { $0.exchange.isEmpty })
            #expect(try await store.users().isEmpty)
        }
    }
}

/// Runs `body` with a fresh SQLite store in a temporary directory.
func withStore(_ body: (any ClosableTokenStore) async throws -> Void) async throws {
    try await AdministrationTests.withStore(body)
}
