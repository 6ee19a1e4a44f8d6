import HTTP1
import Testing

@testable import WithingsSim

struct AuthorizePageTests {
    private func target(_ overrides: [String: String?] = [:]) -> String {
        var fields: [(String, String?)] = [
            ("response_type", "code"), ("client_id", "demo-client"),
            ("redirect_uri", "http://localhost:8080/oauth/callback"), ("scope", "user.info,user.metrics"),
            ("state", "a b&c"),
        ]
        for (name, value) in overrides {
            if let index = fields.firstIndex(where: { $0.0 == name }) { fields[index].1 = value } else { fields.append((name, value)) }
        }
        let pairs = fields.compactMap { pair in pair.1.map { (name: pair.0, value: $0) } }
        return "/oauth2_user/authorize2?" + URLEncoding.encodeForm(pairs)
    }

    @Test func approvalRedirectsWithCodeAndState() async throws {
        let harness = Harness()
        let response = await harness.get(target())
        #expect(response.status == 302)
        let location = try #require(response.headers["location"])
        #expect(location.hasPrefix("http://localhost:8080/oauth/callback?code="))
        let params = try redirectParameters(response)
        #expect(params["state"] == "a b&c")
        #expect(params["code"]?.utf8.count == 40)
    }

    @Test func redirectURIMustMatchARegisteredOneExactly() async throws {
        let harness = Harness()
        for uri in ["http://localhost:8080/oauth/callback/", "http://evil.test/cb", "http://localhost:8080/oauth/callback?x=1"] {
            let response = await harness.get(target(["redirect_uri": uri]))
            #expect(response.status == 400)
            #expect(response.headers["location"] == nil)
            let message = String(decoding: response.body, as: UTF8.self)
            #expect(message.contains("redirect_uri_mismatch: The redirect URI provided is missing or does not match partner callback url"))
        }
        let missing = await harness.get(target(["redirect_uri": nil]))
        #expect(missing.status == 400)
    }

    @Test func anyRegisteredRedirectURIIsAccepted() async throws {
        let harness = Harness { $0.redirectURIs = ["https://a.test/cb", "https://b.test/cb?keep=1"] }
        let response = await harness.get(target(["redirect_uri": "https://b.test/cb?keep=1"]))
        #expect(response.status == 302)
        #expect(response.headers["location"]?.hasPrefix("https://b.test/cb?keep=1&code=") == true)
    }

    @Test(arguments: [
        ["client_id": "someone-else"], ["client_id": nil], ["state": nil], ["state": ""],
    ] as [[String: String?]])
    func refusedWithoutRedirect(overrides: [String: String?]) async {
        let response = await Harness().get(target(overrides))
        #expect(response.status == 400)
        #expect(response.headers["location"] == nil)
    }

    @Test(arguments: [
        (["response_type": "token"], "unsupported_response_type"),
        (["scope": "user.metrics,user.everything"], "invalid_scope"),
        (["scope": ""], "invalid_scope"),
        (["decision": "deny"], "access_denied"),
    ] as [([String: String?], String)])
    func errorsAfterValidationRedirectWithError(overrides: [String: String?], error: String) async throws {
        let response = await Harness().get(target(overrides))
        #expect(response.status == 302)
        let params = try redirectParameters(response)
        #expect(params["error"] == error)
        #expect(params["state"] == "a b&c")
        #expect(params["code"] == nil)
    }

    @Test func chosenUserIsTheOneTheCodeBelongsTo() async throws {
        let harness = Harness()
        let chosen = harness.sim.userIDs[2]
        let params = try await harness.authorize(userID: chosen)
        let answer = try await harness.exchange(code: try #require(params["code"]))
        #expect(try TokenBody(answer).userID == chosen)
        let unknown = await harness.get(target(["userid": "999"]))
        #expect(unknown.status == 400)
    }

    @Test func defaultUserCanBeChangedThroughTheControlInterface() async throws {
        let harness = Harness()
        let second = harness.sim.userIDs[1]
        let set = await harness.post("/_sim/default-user", [("userid", second)])
        #expect(set.status == 200)
        let params = try await harness.authorize()
        let answer = try await harness.exchange(code: try #require(params["code"]))
        #expect(try TokenBody(answer).userID == second)
    }

    @Test func interactivePageEscapesWhatItEchoes() async throws {
        let harness = Harness()
        let response = await harness.get(target(["interactive": "1", "state": "<script>\"x\""]))
        #expect(response.status == 200)
        #expect(response.headers["content-type"]?.hasPrefix("text/html") == true)
        let html = String(decoding: response.body, as: UTF8.self)
        #expect(!html.contains("<script>"))
        #expect(html.contains("&lt;script&gt;&quot;x&quot;"))
        for id in harness.sim.userIDs { #expect(html.contains(id)) }
        #expect(html.contains("name=\"decision\" value=\"deny\""))
    }

    @Test func scopeIsNormalized() {
        #expect(WithingsSimulator.normalizedScope("user.metrics,user.info,user.metrics") == "user.metrics,user.info")
        #expect(WithingsSimulator.normalizedScope(" user.metrics , user.activity") == "user.metrics,user.activity")
        #expect(WithingsSimulator.normalizedScope("user.metrics,,") == "user.metrics")
        #expect(WithingsSimulator.normalizedScope(",") == nil)
        #expect(WithingsSimulator.normalizedScope("USER.METRICS") == nil)
    }

    @Test func connectUserIssuesAnExchangeableCode() async throws {
        let harness = Harness()
        let issued = try #require(harness.sim.connectUser(index: 1))
        #expect(issued.userID == harness.sim.userIDs[1])
        let answer = try await harness.exchange(code: issued.code)
        #expect(try TokenBody(answer).userID == issued.userID)
        #expect(harness.sim.connectUser(index: 3) == nil)
        #expect(harness.sim.connectUser(index: 0, redirectURI: "http://other.test/cb") == nil)
        #expect(harness.sim.connectUser(index: 0, scope: "nope") == nil)
    }
}
