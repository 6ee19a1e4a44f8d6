import Foundation
import HTTP1
import Synchronization
import Testing

@testable import WithingsSim

/// A settable clock, so every time rule is tested without waiting.
final class TestClock: Sendable {
    private let value: Mutex<Int64>

    init(_ start: Int64 = 1_767_225_600) { value = Mutex(start) }  // 2026-01-01T00:00:00Z

    var now: Int64 { value.withLock { $0 } }

    func advance(_ seconds: Int64) { value.withLock { $0 += seconds } }

    var closure: @Sendable () -> Int64 { { self.now } }
}

/// A simulator on a test clock, with the small client steps tests repeat.
struct Harness {
    let clock: TestClock
    let sim: WithingsSimulator

    init(_ adjust: (inout SimulatorConfiguration) -> Void = { _ in }) {
        var configuration = SimulatorConfiguration()
        configuration.control = true
        // Most tests repeat calls on purpose; the rate-limit tests turn the rules back on.
        configuration.sameArgsWindow = 0
        configuration.rateLimitPerMinute = 0
        // A shorter history keeps each test fast; the history tests cover full length.
        configuration.historyDays = 400
        adjust(&configuration)
        clock = TestClock()
        sim = WithingsSimulator(configuration: configuration, now: clock.closure)
    }

    var config: SimulatorConfiguration { sim.configuration }

    func get(_ target: String, headers: HTTPHeaders = [:]) async -> HTTPResponse {
        await sim.handle(HTTPRequest(method: .get, target: target, headers: headers))
    }

    func post(_ target: String, _ form: [(String, String)], headers: HTTPHeaders = [:]) async -> HTTPResponse {
        var headers = headers
        headers.add("Content-Type", "application/x-www-form-urlencoded")
        let pairs = form.map { (name: $0.0, value: $0.1) }
        return await sim.handle(
            HTTPRequest(method: .post, target: target, headers: headers, body: Array(URLEncoding.encodeForm(pairs).utf8)))
    }

    /// The authorize page's redirect parameters for an approval.
    func authorize(userID: String? = nil, scope: String = WithingsSimulator.defaultScope) async throws -> [String: String] {
        var query: [(name: String, value: String)] = [
            ("response_type", "code"), ("client_id", config.clientID), ("redirect_uri", config.redirectURIs[0]),
            ("scope", scope), ("state", "st-1"),
        ]
        if let userID { query.append(("userid", userID)) }
        let response = await get("/oauth2_user/authorize2?" + URLEncoding.encodeForm(query))
        #expect(response.status == 302)
        return try redirectParameters(response)
    }

    func exchange(code: String, redirectURI: String? = nil) async throws -> [String: Any] {
        let response = await post("/v2/oauth2", [
            ("action", "requesttoken"), ("grant_type", "authorization_code"), ("client_id", config.clientID),
            ("client_secret", config.clientSecret), ("code", code), ("redirect_uri", redirectURI ?? config.redirectURIs[0]),
        ])
        return try envelope(response)
    }

    func refresh(_ token: String) async throws -> [String: Any] {
        let response = await post("/v2/oauth2", [
            ("action", "requesttoken"), ("grant_type", "refresh_token"), ("client_id", config.clientID),
            ("client_secret", config.clientSecret), ("refresh_token", token),
        ])
        return try envelope(response)
    }

    /// Connects user `index` through authorize + code exchange; returns the token body.
    func connect(index: Int = 0, scope: String = WithingsSimulator.defaultScope) async throws -> TokenBody {
        let redirect = try await authorize(userID: sim.userIDs[index], scope: scope)
        let answer = try await exchange(code: try #require(redirect["code"]))
        #expect(answer["status"] as? Int == 0)
        return try TokenBody(answer)
    }

    func getmeas(_ token: String, _ params: [(String, String)] = []) async throws -> [String: Any] {
        let query = URLEncoding.encodeForm([(name: "action", value: "getmeas")] + params.map { (name: $0.0, value: $0.1) })
        let response = await get("/measure?" + query, headers: ["Authorization": "Bearer " + token])
        return try envelope(response)
    }

    /// Every group id of a getmeas listing, following `more`/`offset`.
    func allGroups(_ token: String, _ params: [(String, String)] = []) async throws -> [[String: Any]] {
        var groups: [[String: Any]] = []
        var offset: Int? = nil
        for _ in 0..<1000 {
            var page = params
            if let offset { page.append(("offset", String(offset))) }
            let answer = try await getmeas(token, page)
            #expect(answer["status"] as? Int == 0)
            let body = try #require(answer["body"] as? [String: Any])
            groups += try #require(body["measuregrps"] as? [[String: Any]])
            guard body["more"] as? Int == 1 else { return groups }
            offset = try #require(body["offset"] as? Int)
        }
        Issue.record("paging did not end")
        return groups
    }
}

struct TokenBody {
    var userID: String
    var accessToken: String
    var refreshToken: String

    init(_ envelope: [String: Any]) throws {
        let body = try #require(envelope["body"] as? [String: Any])
        userID = String(try #require(body["userid"] as? Int))
        accessToken = try #require(body["access_token"] as? String)
        refreshToken = try #require(body["refresh_token"] as? String)
    }
}

func jsonObject(_ bytes: [UInt8]) throws -> [String: Any] {
    try #require(try JSONSerialization.jsonObject(with: Data(bytes)) as? [String: Any])
}

/// The Withings envelope of an API answer (always HTTP 200, JSON).
func envelope(_ response: HTTPResponse) throws -> [String: Any] {
    #expect(response.status == 200)
    #expect(response.headers["content-type"] == "application/json")
    return try jsonObject(response.body)
}

func redirectParameters(_ response: HTTPResponse) throws -> [String: String] {
    let location = try #require(response.headers["location"])
    let query = try #require(location.split(separator: "?", maxSplits: 1).last)
    let pairs = try #require(URLEncoding.parseForm(String(query)))
    return Dictionary(pairs.map { ($0.name, $0.value) }, uniquingKeysWith: { first, _ in first })
}

func statusOf(_ envelope: [String: Any]) -> Int? { envelope["status"] as? Int }
