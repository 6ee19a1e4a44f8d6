import HTTP1
import Testing
import WithingsAPI

@testable import WithingsSim

/// The gateway's own Withings client code (WithingsAPI) against the
/// simulator: what one builds, the other must accept, and back.
struct ClientInteropTests {
    private static let base = "http://127.0.0.1:8765"

    /// Turns an absolute URL on `base` into a request to the simulator.
    private func request(_ method: HTTPMethod, url: String, form: [(String, String)] = [], bearer: String? = nil) throws
        -> HTTPRequest
    {
        #expect(url.hasPrefix(Self.base))
        let target = String(url.dropFirst(Self.base.utf8.count))
        var headers: HTTPHeaders = ["Host": "127.0.0.1:8765"]
        if let bearer { headers.add("Authorization", "Bearer " + bearer) }
        var body: [UInt8] = []
        if !form.isEmpty {
            headers.add("Content-Type", "application/x-www-form-urlencoded")
            body = Array(URLEncoding.encodeForm(form.map { (name: $0.0, value: $0.1) }).utf8)
        }
        return HTTPRequest(method: method, target: target, headers: headers, body: body)
    }

    private func grant(_ harness: Harness, _ form: [(String, String)]) async throws -> Result<TokenGrant, WithingsFailure> {
        let response = await harness.sim.handle(try request(.post, url: Self.base + "/v2/oauth2", form: form))
        return try WithingsDecoding.tokenGrant(response.body)
    }

    @Test func oauth2FlowPagingAndRotationThroughTheClientCode() async throws {
        let harness = Harness { $0.pageSize = 150 }
        let config = harness.config
        let authorize = WithingsRequests.authorizeURL(
            accountBase: Self.base + "/", clientID: config.clientID, redirectURI: config.redirectURIs[0],
            scope: "user.info,user.metrics,user.activity", state: "s/t+a=t e")
        let redirect = try redirectParameters(await harness.sim.handle(try request(.get, url: authorize)))
        #expect(redirect["state"] == "s/t+a=t e")
        let code = try #require(redirect["code"])

        let first = try await grant(harness, WithingsRequests.authorizationCode(
            code: code, clientID: config.clientID, clientSecret: config.clientSecret, redirectURI: config.redirectURIs[0])
        ).get()
        #expect(first.userID == harness.sim.userIDs[0])
        #expect(first.expiresIn == 10800)

        var groups: [MeasureGroup] = []
        var query = GetmeasQuery()
        for _ in 0..<100 {
            let response = await harness.sim.handle(
                try request(.post, url: Self.base + "/measure", form: WithingsRequests.getmeas(query), bearer: first.accessToken))
            let page = try WithingsDecoding.getmeas(response.body).get()
            groups += page.groups
            guard page.more else { break }
            query.offset = page.offset
        }
        let expected = harness.sim.dataset(index: 0).groups.filter { $0.category == 1 }
        #expect(groups.map(\.id) == expected.map(\.id))
        let segmental = groups.flatMap(\.measures).filter { $0.type == 174 }
        #expect(!segmental.isEmpty && segmental.allSatisfy { $0.position != nil })

        let second = try await grant(harness, WithingsRequests.refresh(
            refreshToken: first.refreshToken, clientID: config.clientID, clientSecret: config.clientSecret)).get()
        let used = await harness.sim.handle(try request(
            .post, url: Self.base + "/measure", form: WithingsRequests.getmeas(GetmeasQuery(meastypes: [1, 6])),
            bearer: second.accessToken))
        #expect(try WithingsDecoding.getmeas(used.body).get().groups.allSatisfy { $0.measures.allSatisfy { [1, 6].contains($0.type) } })
        let dead = try await grant(harness, WithingsRequests.refresh(
            refreshToken: first.refreshToken, clientID: config.clientID, clientSecret: config.clientSecret))
        guard case .failure(let failure) = dead else {
            Issue.record("a dead refresh token was accepted")
            return
        }
        #expect(failure.status == 503)
        #expect(failure.family == .invalidParams)
    }

    @Test func signedRefreshThroughTheClientCode() async throws {
        let harness = Harness()
        let config = harness.config
        let first = try await harness.connect()
        let nonceResponse = await harness.sim.handle(try request(
            .post, url: Self.base + "/v2/signature",
            form: WithingsRequests.getnonce(clientID: config.clientID, clientSecret: config.clientSecret, timestamp: harness.clock.now)))
        let nonce = try WithingsDecoding.nonce(nonceResponse.body).get()
        let refreshed = try await grant(harness, WithingsRequests.refreshSigned(
            refreshToken: first.refreshToken, clientID: config.clientID, clientSecret: config.clientSecret, nonce: nonce)
        ).get()
        #expect(refreshed.userID == first.userID)
        #expect(harness.sim.counters().signatureFailures == 0)
    }

    @Test func failuresClassifyAsTheGatewayExpects() async throws {
        let harness = Harness { $0.sameArgsWindow = 10 }
        let token = try await harness.connect().accessToken
        let form = WithingsRequests.getmeas(GetmeasQuery(meastypes: [9]))
        _ = await harness.sim.handle(try request(.post, url: Self.base + "/measure", form: form, bearer: token))
        let limited = await harness.sim.handle(try request(.post, url: Self.base + "/measure", form: form, bearer: token))
        guard case .failure(let rateLimited) = try WithingsDecoding.getmeas(limited.body) else {
            Issue.record("no 601")
            return
        }
        #expect(rateLimited.family == .rateLimited(waitSeconds: 10))
        harness.clock.advance(10800)
        let expired = await harness.sim.handle(try request(.post, url: Self.base + "/measure", form: form, bearer: token))
        guard case .failure(let auth) = try WithingsDecoding.getmeas(expired.body) else {
            Issue.record("expired token accepted")
            return
        }
        #expect(auth.family == .auth)
        harness.sim.schedule(.outage(httpStatus: 503))
        let outage = await harness.sim.handle(try request(.post, url: Self.base + "/measure", form: form, bearer: token))
        #expect(throws: WithingsDecodeError.self) { try WithingsDecoding.getmeas(outage.body) }
    }

    @Test func oauth1FlowThroughTheClientCode() async throws {
        let harness = Harness()
        let config = harness.config
        let now = harness.clock.now
        let requestURL = try #require(WithingsOAuth1Requests.requestTokenURL(
            oauth1Base: Self.base, consumerKey: config.clientID, consumerSecret: config.clientSecret,
            callback: config.redirectURIs[0] + "?state=abc", nonce: "n1", timestamp: now))
        let requestToken = try #require(WithingsOAuth1Requests.credentials(
            await harness.sim.handle(try request(.get, url: requestURL)).body))

        let authorizeURL = try #require(WithingsOAuth1Requests.authorizeURL(
            oauth1Base: Self.base, consumerKey: config.clientID, consumerSecret: config.clientSecret,
            requestToken: requestToken, nonce: "n2", timestamp: now))
        let callback = try redirectParameters(await harness.sim.handle(try request(.get, url: authorizeURL + "&userid=" + harness.sim.userIDs[2])))
        #expect(callback["state"] == "abc")
        #expect(callback["oauth_token"] == requestToken.token)

        let accessURL = try #require(WithingsOAuth1Requests.accessTokenURL(
            oauth1Base: Self.base, consumerKey: config.clientID, consumerSecret: config.clientSecret,
            requestToken: requestToken, verifier: callback["oauth_verifier"], nonce: "n3", timestamp: now))
        let access = try #require(WithingsOAuth1Requests.credentials(
            await harness.sim.handle(try request(.get, url: accessURL)).body))
        #expect(access.userID == harness.sim.userIDs[2])

        let getmeasURL = try #require(WithingsOAuth1Requests.getmeasURL(
            apiBase: Self.base, consumerKey: config.clientID, consumerSecret: config.clientSecret, accessToken: access,
            userID: harness.sim.userIDs[2], query: GetmeasQuery(meastypes: [1]), nonce: "n4", timestamp: now))
        let page = try WithingsDecoding.getmeas(await harness.sim.handle(try request(.get, url: getmeasURL)).body).get()
        #expect(page.groups.count == 200)
        #expect(harness.sim.counters().signatureFailures == 0)
        // Replaying the same signed URL is refused as a reused nonce.
        let replay = try WithingsDecoding.getmeas(await harness.sim.handle(try request(.get, url: getmeasURL)).body)
        guard case .failure(let failure) = replay else {
            Issue.record("replay accepted")
            return
        }
        #expect(failure.status == 342)
    }
}
