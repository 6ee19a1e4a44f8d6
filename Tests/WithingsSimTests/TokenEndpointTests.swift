import Crypto
import HTTP1
import Testing

@testable import WithingsSim

struct TokenEndpointTests {
    @Test func codeExchangeAnswersTheDocumentedFields() async throws {
        let harness = Harness()
        let params = try await harness.authorize(userID: harness.sim.userIDs[0], scope: "user.metrics,user.info")
        let answer = try await harness.exchange(code: try #require(params["code"]))
        #expect(statusOf(answer) == 0)
        let body = try #require(answer["body"] as? [String: Any])
        #expect(body["userid"] as? Int == Int(harness.sim.userIDs[0]))
        #expect((body["access_token"] as? String)?.utf8.count == 40)
        #expect((body["refresh_token"] as? String)?.utf8.count == 40)
        #expect(body["expires_in"] as? Int == 10800)
        #expect(body["scope"] as? String == "user.metrics,user.info")
        #expect(body["token_type"] as? String == "Bearer")
        #expect(body["csrf_token"] is String)
        #expect(harness.sim.counters().codeExchanges == 1)
    }

    @Test func codeIsSingleUse() async throws {
        let harness = Harness()
        let code = try #require(try await harness.authorize()["code"])
        #expect(statusOf(try await harness.exchange(code: code)) == 0)
        let again = try await harness.exchange(code: code)
        #expect(statusOf(again) == 503)
        #expect(again["error"] as? String == "Invalid Params: invalid code")
    }

    @Test(arguments: [(29, true), (30, true), (31, false), (3600, false)])
    func codeExpiresAfterThirtySeconds(wait: Int64, accepted: Bool) async throws {
        let harness = Harness()
        let code = try #require(try await harness.authorize()["code"])
        harness.clock.advance(wait)
        #expect(statusOf(try await harness.exchange(code: code)) == (accepted ? 0 : 503))
    }

    @Test func codeIsBoundToRedirectURIAndClient() async throws {
        let harness = Harness { $0.redirectURIs = ["https://a.test/cb", "https://b.test/cb"] }
        let code = try #require(try await harness.authorize()["code"])
        let wrongURI = try await harness.exchange(code: code, redirectURI: "https://b.test/cb")
        #expect(wrongURI["error"] as? String == "Invalid Params: invalid code")
        // The failed presentation used the code up.
        #expect(statusOf(try await harness.exchange(code: code)) == 503)

        let other = try #require(try await harness.authorize()["code"])
        let wrongClient = await harness.post("/v2/oauth2", [
            ("action", "requesttoken"), ("grant_type", "authorization_code"), ("client_id", "intruder"),
            ("client_secret", "demo-secret"), ("code", other), ("redirect_uri", "https://a.test/cb"),
        ])
        #expect(try envelope(wrongClient)["error"] as? String == "Invalid Params: invalid client_id")
    }

    @Test func wrongClientSecretIsRefused() async throws {
        let harness = Harness()
        let code = try #require(try await harness.authorize()["code"])
        let response = await harness.post("/v2/oauth2", [
            ("action", "requesttoken"), ("grant_type", "authorization_code"), ("client_id", "demo-client"),
            ("client_secret", "demo-secreT"), ("code", code), ("redirect_uri", harness.config.redirectURIs[0]),
        ])
        #expect(statusOf(try envelope(response)) == 503)
    }

    @Test func parametersOutsideAPostBodyGiveInvalidGrantType() async throws {
        let harness = Harness()
        let query = URLEncoding.encodeForm([
            ("action", "requesttoken"), ("grant_type", "refresh_token"), ("client_id", "demo-client"),
            ("client_secret", "demo-secret"), ("refresh_token", "x"),
        ].map { (name: $0.0, value: $0.1) })
        let viaGet = try envelope(await harness.get("/v2/oauth2?" + query))
        #expect(viaGet["error"] as? String == "Invalid Params: invalid grant_type")
        let viaPostQuery = try envelope(await harness.sim.handle(HTTPRequest(method: .post, target: "/v2/oauth2?" + query)))
        #expect(viaPostQuery["error"] as? String == "Invalid Params: invalid grant_type")
        let unknownAction = try envelope(await harness.post("/v2/oauth2", [("action", "fly"), ("grant_type", "refresh_token")]))
        #expect(statusOf(unknownAction) == 2554)
    }

    // MARK: - Rotation

    @Test func refreshRotatesAndTheOldTokenDiesWhenTheNewAccessTokenIsUsed() async throws {
        let harness = Harness()
        let first = try await harness.connect()
        let second = try TokenBody(try await harness.refresh(first.refreshToken))
        #expect(second.accessToken != first.accessToken)
        #expect(second.refreshToken != first.refreshToken)
        #expect(second.userID == first.userID)

        // Until the new access token is used, the old refresh token still works (a lost answer is recoverable).
        let third = try TokenBody(try await harness.refresh(first.refreshToken))
        #expect(harness.sim.counters().refreshes == 2)
        #expect(harness.sim.counters().deadRefreshTokensPresented == 0)

        // Using a successor retires it.
        #expect(statusOf(try await harness.getmeas(third.accessToken)) == 0)
        let dead = try await harness.refresh(first.refreshToken)
        #expect(statusOf(dead) == 503)
        #expect(dead["error"] as? String == "Invalid Params: invalid refresh_token")
        let counters = harness.sim.counters()
        #expect(counters.deadRefreshTokensPresented == 1)
        #expect(counters.deadRefreshTokensByUser == [first.userID: 1])
        #expect(counters.refreshesByUser == [first.userID: 2])

        // The newest pairs keep working, and so does the other branch's refresh token.
        #expect(statusOf(try await harness.refresh(third.refreshToken)) == 0)
        #expect(statusOf(try await harness.refresh(second.refreshToken)) == 0)
    }

    @Test func oldAccessTokenStaysValidUntilItExpires() async throws {
        let harness = Harness()
        let first = try await harness.connect()
        _ = try await harness.refresh(first.refreshToken)
        #expect(statusOf(try await harness.getmeas(first.accessToken)) == 0)
        // Using the old access token does not retire the refresh token it came with.
        #expect(harness.sim.counters().deadRefreshTokensPresented == 0)
    }

    @Test func supersededRefreshTokenDiesAfterEightHoursEvenUnused() async throws {
        let harness = Harness { $0.tokenTTL = 100_000 }
        let first = try await harness.connect()
        let second = try TokenBody(try await harness.refresh(first.refreshToken))
        harness.clock.advance(8 * 3600 - 1)
        let stillAlive = try TokenBody(try await harness.refresh(first.refreshToken))
        harness.clock.advance(1)
        #expect(statusOf(try await harness.refresh(first.refreshToken)) == 503)
        // A second refresh from the same old token does not extend its grace.
        #expect(harness.sim.counters().deadRefreshTokensPresented == 1)
        #expect(statusOf(try await harness.refresh(second.refreshToken)) == 0)
        #expect(statusOf(try await harness.refresh(stillAlive.refreshToken)) == 0)
    }

    @Test func unrotatedRefreshTokenLastsAYear() async throws {
        let harness = Harness()
        let first = try await harness.connect()
        harness.clock.advance(365 * 86400 - 1)
        let next = try TokenBody(try await harness.refresh(first.refreshToken))
        harness.clock.advance(365 * 86400)
        #expect(statusOf(try await harness.refresh(next.refreshToken)) == 503)
    }

    @Test func unknownRefreshTokensAreCountedWithoutAUser() async throws {
        let harness = Harness()
        let answer = try await harness.refresh("0123456789abcdef0123456789abcdef01234567")
        #expect(answer["error"] as? String == "Invalid Params: invalid refresh_token")
        #expect(harness.sim.counters().deadRefreshTokensPresented == 1)
        #expect(harness.sim.counters().deadRefreshTokensByUser.isEmpty)
    }

    @Test func refreshRejectionFamilyCanBeSwitchedToAuth() async throws {
        let harness = Harness()
        let set = await harness.post("/_sim/refresh-rejection", [("family", "auth")])
        #expect(set.status == 200)
        let answer = try await harness.refresh("unknown")
        #expect(statusOf(answer) == 401)
        #expect((answer["error"] as? String)?.contains("invalid_token") == true)
        let bad = await harness.post("/_sim/refresh-rejection", [("family", "teapot")])
        #expect(bad.status == 400)
    }

    @Test func refreshedPairKeepsTheGrantedScope() async throws {
        let harness = Harness()
        let first = try await harness.connect(scope: "user.metrics")
        let answer = try await harness.refresh(first.refreshToken)
        #expect((answer["body"] as? [String: Any])?["scope"] as? String == "user.metrics")
        #expect((answer["body"] as? [String: Any])?["expires_in"] as? Int == 10800)
    }

    // MARK: - Signature variant

    private func sign(_ values: [String], secret: String = "demo-secret") -> String {
        ByteEncoding.hex(Digest.hmac(.sha256, key: secret, data: values.joined(separator: ",")))
    }

    private func nonce(_ harness: Harness, timestamp: Int64? = nil) async throws -> [String: Any] {
        let timestamp = String(timestamp ?? harness.clock.now)
        return try envelope(await harness.post("/v2/signature", [
            ("action", "getnonce"), ("client_id", "demo-client"), ("timestamp", timestamp),
            ("signature", sign(["getnonce", "demo-client", timestamp])),
        ]))
    }

    @Test func signedRefreshWithANonce() async throws {
        let harness = Harness()
        let first = try await harness.connect()
        let nonceAnswer = try await nonce(harness)
        let nonce = try #require((nonceAnswer["body"] as? [String: Any])?["nonce"] as? String)
        let form = [
            ("action", "requesttoken"), ("grant_type", "refresh_token"), ("client_id", "demo-client"),
            ("nonce", nonce), ("signature", sign(["requesttoken", "demo-client", nonce])),
            ("refresh_token", first.refreshToken),
        ]
        #expect(statusOf(try envelope(await harness.post("/v2/oauth2", form))) == 0)
        // The nonce was consumed.
        let replay = try envelope(await harness.post("/v2/oauth2", form))
        #expect(replay["error"] as? String == "Invalid Params: invalid nonce")
        #expect(harness.sim.counters().signatureFailures == 1)
    }

    @Test func badSignaturesAreRefusedAndCounted() async throws {
        let harness = Harness()
        let timestamp = String(harness.clock.now)
        let badNonce = try envelope(await harness.post("/v2/signature", [
            ("action", "getnonce"), ("client_id", "demo-client"), ("timestamp", timestamp),
            ("signature", sign(["getnonce", "demo-client", timestamp], secret: "wrong")),
        ]))
        #expect(badNonce["error"] as? String == "Invalid Params: invalid signature")

        let nonceAnswer = try await nonce(harness)
        let nonce = try #require((nonceAnswer["body"] as? [String: Any])?["nonce"] as? String)
        let code = try #require(try await harness.authorize()["code"])
        let forged = try envelope(await harness.post("/v2/oauth2", [
            ("action", "requesttoken"), ("grant_type", "authorization_code"), ("client_id", "demo-client"),
            ("nonce", nonce), ("signature", sign(["requesttoken", "demo-client", nonce + "x"])),
            ("code", code), ("redirect_uri", harness.config.redirectURIs[0]),
        ]))
        #expect(forged["error"] as? String == "Invalid Params: invalid signature")
        #expect(harness.sim.counters().signatureFailures == 2)
    }

    @Test(arguments: [(-301, false), (-300, true), (300, true), (301, false)] as [(Int64, Bool)])
    func nonceTimestampMustBeWithinTheWindow(skew: Int64, accepted: Bool) async throws {
        let harness = Harness()
        let answer = try await nonce(harness, timestamp: harness.clock.now + skew)
        #expect(statusOf(answer) == (accepted ? 0 : 503))
    }

    @Test func noncesExpire() async throws {
        let harness = Harness()
        let first = try await harness.connect()
        let nonce = try #require((try await nonce(harness)["body"] as? [String: Any])?["nonce"] as? String)
        harness.clock.advance(1800)
        let answer = try envelope(await harness.post("/v2/oauth2", [
            ("action", "requesttoken"), ("grant_type", "refresh_token"), ("client_id", "demo-client"),
            ("nonce", nonce), ("signature", sign(["requesttoken", "demo-client", nonce])),
            ("refresh_token", first.refreshToken),
        ]))
        #expect(answer["error"] as? String == "Invalid Params: invalid nonce")
    }
}
