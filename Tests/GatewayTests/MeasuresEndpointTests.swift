import Gateway
import HTTP1
import Logging
import Synchronization
import Testing
import TokenStore
import WithingsAPI

/// Token source scripted per test: a current token, and what a refresh does.
final class ScriptedTokens: AccessTokenSource {
    let current = Mutex<Result<String, TokenLifecycleError>>(.success("token-1"))
    let refreshed = Mutex<Result<String, TokenLifecycleError>>(.success("token-2"))
    let refreshes = CallCounter()

    func accessToken(for userID: String) async throws(TokenLifecycleError) -> String {
        try current.withLock { $0 }.get()
    }

    func refreshAfterRejection(userID: String, rejectedAccessToken: String) async throws(TokenLifecycleError) -> String {
        refreshes.increment()
        return try refreshed.withLock { $0 }.get()
    }
}

struct MeasuresEndpointTests {
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
    static let userID = "42"

    static func page(ids: [Int64], more: Bool = false, offset: Int = 0) -> GetmeasPage {
        GetmeasPage(groups: ids.map {
            MeasureGroup(id: $0, attrib: 0, date: 1_709_277_120 + $0, category: 1,
                         measures: [Measure(value: 72500, type: 1, unit: -3)])
        }, more: more, offset: offset, timezone: "Europe/Paris")
    }

    struct Fixture {
        let store: any ClosableTokenStore
        let endpoint: MeasuresEndpoint
        let upstream: ScriptedUpstream
        let tokens: ScriptedTokens
        let serviceKey: String

        func get(_ target: String, key: String? = nil, headers extra: HTTPHeaders = [:]) async -> HTTPResponse {
            var headers = extra
            headers.add("Authorization", "Bearer " + (key ?? serviceKey))
            return await endpoint.handle(HTTPRequest(method: .get, target: target, headers: headers),
                                         userID: MeasuresEndpointTests.userID, logger: MeasuresEndpointTests.logger)
        }
    }

    static func withFixture(upstream: ScriptedUpstream, cacheTTL: Duration = .seconds(60),
                            _ body: (Fixture) async throws -> Void) async throws {
        try await withStore { store in
            try await store.save(UserTokens(userID: userID, accessToken: "token-1", refreshToken: "r", expiresAt: .max,
                                            scope: "user.metrics", createdAt: 1, updatedAt: 1))
            let tokens = ScriptedTokens()
            let metrics = GatewayMetrics(factory: MetricsExposition().factory)
            let endpoint = MeasuresEndpoint(
                keys: KeyAuthenticator(store: store), store: store, tokens: tokens, upstream: upstream,
                cursors: PageCursorCodec(key: [UInt8](repeating: 9, count: 32)),
                cache: ResponseCache(ttl: cacheTTL), metrics: metrics, publicURL: "https://gw.example", timeoutSeconds: 10)
            let key = try await store.createKey(name: "svc", userID: nil).secret
            try await body(Fixture(store: store, endpoint: endpoint, upstream: upstream, tokens: tokens, serviceKey: key))
        }
    }

    static func json(_ response: HTTPResponse) -> String { String(decoding: response.body, as: UTF8.self) }

    @Test func pageIsTranslatedCachedAndTagged() async throws {
        try await Self.withFixture(upstream: ScriptedUpstream(getmeas: [.success(Self.page(ids: [1, 2]))])) { f in
            let first = await f.get("/users/42/measures?types=weight")
            #expect(first.status == 200)
            #expect(Self.json(first).contains(#""value":72.5"#))
            #expect(Self.json(first).hasSuffix(#""next_cursor":null}"#))
            let etag = try #require(first.headers["etag"])
            // Same query spelled differently: served from the cache, same ETag.
            let second = await f.get("/users/42/measures?types=1")
            #expect(second.status == 200)
            #expect(second.headers["etag"] == etag)
            #expect(f.upstream.getmeasCount == 1)
            let notModified = await f.get("/users/42/measures?types=weight", headers: ["If-None-Match": "W/" + etag])
            #expect(notModified.status == 304)
            #expect(notModified.body.isEmpty)
            #expect(notModified.headers["etag"] == etag)
        }
    }

    @Test func identicalConcurrentRequestsMakeOneUpstreamCall() async throws {
        let gate = Gate()
        let upstream = ScriptedUpstream(getmeas: [.success(Self.page(ids: [1]))], gate: gate)
        try await Self.withFixture(upstream: upstream) { f in
            let statuses = await withTaskGroup(of: Int.self) { group in
                for _ in 0..<10 { group.addTask { await f.get("/users/42/measures").status } }
                // Bounded wait until the first call is in flight, then a little for the others to join.
                for _ in 0..<100_000 where upstream.getmeasCount == 0 { await Task.yield() }
                for _ in 0..<1_000 { await Task.yield() }
                gate.open()
                var all: [Int] = []
                for await status in group { all.append(status) }
                return all
            }
            #expect(statuses == Array(repeating: 200, count: 10))
            #expect(upstream.getmeasCount == 1)
        }
    }

    @Test func cursorsWalkEveryPageOnceAndAreBoundToTheQuery() async throws {
        let upstream = ScriptedUpstream(getmeas: [
            .success(Self.page(ids: [1, 2], more: true, offset: 2)), .success(Self.page(ids: [3], more: false, offset: 0)),
        ])
        try await Self.withFixture(upstream: upstream) { f in
            let first = Self.json(await f.get("/users/42/measures"))
            let cursorStart = try #require(first.firstRange(of: #""next_cursor":""#)).upperBound
            let cursor = String(first[cursorStart...].prefix { $0 != "\"" })
            let second = await f.get("/users/42/measures?cursor=" + cursor)
            #expect(second.status == 200)
            #expect(Self.json(second).contains(#""id":3"#))
            #expect(upstream.calls.withLock { $0.getmeas.map(\.offset) } == [nil, 2])
            let otherQuery = await f.get("/users/42/measures?types=weight&cursor=" + cursor)
            #expect(otherQuery.status == 400)
            #expect(Self.json(otherQuery).contains("cursor"))
        }
    }

    @Test func rejectedTokenIsRefreshedOnceThenRetried() async throws {
        let auth = UpstreamError.withings(WithingsFailure(status: 401, message: "invalid_token"))
        let upstream = ScriptedUpstream(getmeas: [.failure(auth), .success(Self.page(ids: [1]))])
        try await Self.withFixture(upstream: upstream) { f in
            #expect(await f.get("/users/42/measures").status == 200)
            #expect(f.tokens.refreshes.count == 1)
            #expect(upstream.calls.withLock { $0.getmeas.map(\.token) } == ["token-1", "token-2"])
        }
    }

    @Test func persistentRejectionMeansReauthorization() async throws {
        let auth = UpstreamError.withings(WithingsFailure(status: 100, message: nil))
        let upstream = ScriptedUpstream(getmeas: [.failure(auth), .failure(auth)])
        try await Self.withFixture(upstream: upstream) { f in
            let response = await f.get("/users/42/measures")
            #expect(response.status == 409)
            #expect(Self.json(response).contains(#""authorize_url":"https://gw.example/oauth/authorize""#))
            let state = try await f.store.tokens(for: "42")?.state
            #expect(state == .reauthorizationRequired)
            #expect(upstream.getmeasCount == 2)
        }
    }

    @Test(arguments: [
        (UpstreamError.withings(WithingsFailure(status: 601, waitSeconds: 12, message: nil)), 429, String?("12")),
        (.budgetExhausted(retryAfterSeconds: 5), 429, "5"),
        (.withings(WithingsFailure(status: 522, message: nil)), 504, nil),
        (.timeout, 504, nil),
        (.unreachable("connection refused"), 502, nil),
        (.invalidResponse("not JSON"), 502, nil),
        (.withings(WithingsFailure(status: 2555, message: "secret detail")), 502, nil),
    ])
    func upstreamFailuresMapToTheDesignTable(error: UpstreamError, status: Int, retryAfter: String?) async throws {
        try await Self.withFixture(upstream: ScriptedUpstream(getmeas: [.failure(error)])) { f in
            let response = await f.get("/users/42/measures")
            #expect(response.status == status)
            #expect(response.headers["retry-after"] == retryAfter)
            #expect(response.headers["content-type"] == "application/problem+json")
            #expect(!Self.json(response).contains("secret detail"))
        }
    }

    @Test(arguments: [
        (TokenLifecycleError.notConnected, 404), (.reauthorizationRequired, 409), (.transient("x"), 502), (.timeout, 504),
        (.rateLimited(3), 429),
    ])
    func tokenFailuresMapToTheDesignTable(error: TokenLifecycleError, status: Int) async throws {
        try await Self.withFixture(upstream: ScriptedUpstream()) { f in
            f.tokens.current.withLock { $0 = .failure(error) }
            #expect(await f.get("/users/42/measures").status == status)
            #expect(f.upstream.getmeasCount == 0)
        }
    }

    @Test func authorizationComesBeforeEverythingElse() async throws {
        try await Self.withFixture(upstream: ScriptedUpstream()) { f in
            let otherUserKey = try await f.store.createKey(name: "u7", userID: "7").secret
            #expect(await f.get("/users/42/measures?start=bad", key: "wgk_x_y").status == 401)
            #expect(await f.get("/users/42/measures?start=bad", key: otherUserKey).status == 403)
            #expect(await f.get("/users/42/measures?start=bad").status == 400)
            #expect(await f.get("/users/42/measures?%zz").status == 400)
            #expect(f.upstream.getmeasCount == 0)
        }
    }

    /// Repeated raw queries reuse their parse; every check must still run each time.
    @Test func repeatedQueriesAreCheckedEveryTime() async throws {
        let upstream = ScriptedUpstream(getmeas: [.success(Self.page(ids: [1, 2], more: true, offset: 2))])
        try await Self.withFixture(upstream: upstream) { f in
            let otherUserKey = try await f.store.createKey(name: "u7", userID: "7").secret
            for _ in 0..<2 {
                #expect(await f.get("/users/42/measures?types=weight").status == 200)
                #expect(await f.get("/users/42/measures?types=weight", key: "wgk_x_y").status == 401)
                #expect(await f.get("/users/42/measures?types=weight", key: otherUserKey).status == 403)
                #expect(await f.get("/users/42/measures?start=bad").status == 400)
                #expect(await f.get("/users/42/measures?%zz").status == 400)
                #expect(await f.get("/users/42/measures?types=weight&cursor=forged").status == 400)
            }
            let first = Self.json(await f.get("/users/42/measures?types=weight"))
            let cursorStart = try #require(first.firstRange(of: #""next_cursor":""#)).upperBound
            let cursor = String(first[cursorStart...].prefix { $0 != "\"" })
            // A cursor of this query, sent with another: refused on every repetition.
            for _ in 0..<2 {
                #expect(await f.get("/users/42/measures?types=fat_ratio&cursor=" + cursor).status == 400)
            }
            let etag = try #require(await f.get("/users/42/measures?types=weight").headers["etag"])
            #expect(await f.get("/users/42/measures?types=weight", headers: ["If-None-Match": etag]).status == 304)
            #expect(upstream.getmeasCount == 1)
        }
    }
}
