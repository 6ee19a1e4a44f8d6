@testable import Gateway
import HTTPClient
import Logging
import Reactor
import Testing
import TokenStore
import WithingsAPI
import WithingsSim

/// The production upstream against the simulator over loopback HTTP.
struct HTTPWithingsUpstreamTests {
    static let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
    static let callback = "http://127.0.0.1:9/oauth/callback"

    func withUpstream(apiURL: String? = nil, limitPerMinute: Int = 100,
                      _ body: (HTTPWithingsUpstream, WithingsSimulator) async throws -> Void) async throws {
        var configuration = SimulatorConfiguration()
        configuration.users = 1
        configuration.redirectURIs = [Self.callback]
        let simulator = WithingsSimulator(configuration: configuration)
        let server = try Demo.serveSimulator(simulator, logger: Self.logger)
        let group = try EventLoopGroup(threads: 1, name: "test-upstream")
        let client = HTTPClient(group: group, configuration: HTTPClientConfiguration(), logger: Self.logger)
        let upstream = HTTPWithingsUpstream(
            client: client,
            settings: .init(apiURL: apiURL ?? "http://127.0.0.1:\(server.port)", clientID: configuration.clientID,
                            clientSecret: configuration.clientSecret, redirectURI: Self.callback, timeout: .seconds(15)),
            budget: UpstreamBudget(limitPerMinute: limitPerMinute, maxWait: .zero),
            metrics: GatewayMetrics(factory: MetricsExposition().factory))
        do {
            try await body(upstream, simulator)
        } catch {
            Issue.record("\(error)")
        }
        await client.shutdown()
        group.shutdown()
        await server.shutdown()
    }

    @Test func exchangeRefreshAndGetmeas() async throws {
        try await withUpstream { upstream, simulator in
            let code = try #require(simulator.connectUser(index: 0, redirectURI: Self.callback)?.code)
            let grant = try await upstream.exchange(code: code).get()
            #expect(grant.userID == simulator.userIDs.first)
            let page = try await upstream.getmeas(accessToken: grant.accessToken, userID: grant.userID,
                                                  query: GetmeasQuery(meastypes: [1])).get()
            #expect(!page.groups.isEmpty)
            let refreshed = try await upstream.refresh(refreshToken: grant.refreshToken).get()
            #expect(refreshed.accessToken != grant.accessToken)

            // A code is single-use; a made-up refresh token or access token is refused by Withings.
            guard case .failure(.withings(let reused)) = await upstream.exchange(code: code) else {
                Issue.record("reused code accepted")
                return
            }
            // Withings answers identical arguments within 10 s with 601 before looking at the code.
            switch reused.family {
            case .invalidParams, .rateLimited: break
            default: Issue.record("reused code answered \(reused.status)")
            }
            guard case .failure(let refused) = await upstream.refresh(refreshToken: "not-a-token") else {
                Issue.record("bogus refresh token accepted")
                return
            }
            #expect(RefreshFailure(refused) == .rejected("Withings status \(Self.status(refused))"))
            guard case .failure(.withings(let bogus)) = await upstream.getmeas(
                accessToken: "bogus", userID: grant.userID, query: GetmeasQuery()) else {
                Issue.record("bogus access token accepted")
                return
            }
            #expect(bogus.family == .auth)
        }
    }

    @Test func budgetIsSpentBeforeCalling() async throws {
        try await withUpstream(limitPerMinute: 1) { upstream, _ in
            _ = await upstream.refresh(refreshToken: "x")
            guard case .failure(.budgetExhausted(let seconds)) = await upstream.refresh(refreshToken: "x") else {
                Issue.record("budget not enforced")
                return
            }
            #expect(seconds >= 1 && seconds <= 60)
        }
    }

    @Test func unreachableUpstreamIsClassified() async throws {
        // Port 9 (discard) on loopback: nothing listens there in the test environment.
        try await withUpstream(apiURL: "http://127.0.0.1:9") { upstream, _ in
            guard case .failure(let error) = await upstream.refresh(refreshToken: "x") else {
                Issue.record("answered")
                return
            }
            guard case .unreachable = error else {
                Issue.record("classified as \(error)")
                return
            }
            #expect(RefreshFailure(error) == .transient(Self.reason(error)))
        }
    }

    @Test(arguments: [
        (HTTPClientError.timeout, "timeout"), (.dns("x"), "unreachable"), (.connect("x"), "unreachable"),
        (.tls("x"), "unreachable"), (.truncated, "unreachable"), (.invalidResponse("x"), "invalid"),
        (.tooLarge, "invalid"), (.invalidURL, "invalid"),
    ])
    func transportFailures(error: HTTPClientError, kind: String) {
        switch (HTTPWithingsUpstream.classify(error), kind) {
        case (.timeout, "timeout"), (.unreachable, "unreachable"), (.invalidResponse, "invalid"): break
        case (let other, _): Issue.record("\(error) -> \(other)")
        }
    }

    @Test(arguments: [
        (UpstreamError.withings(WithingsFailure(status: 401, message: nil)), "rejected"),
        (.withings(WithingsFailure(status: 503, message: nil)), "rejected"),
        (.withings(WithingsFailure(status: 601, waitSeconds: 4, message: nil)), "rateLimited"),
        (.withings(WithingsFailure(status: 522, message: nil)), "timeout"),
        (.withings(WithingsFailure(status: 2555, message: nil)), "transient"),
        (.unreachable("x"), "transient"), (.invalidResponse("x"), "transient"), (.timeout, "timeout"),
        (.budgetExhausted(retryAfterSeconds: 3), "rateLimited"),
    ])
    func refreshFailuresFollowTheDesign(error: UpstreamError, kind: String) {
        switch (RefreshFailure(error), kind) {
        case (.rejected, "rejected"), (.transient, "transient"), (.timeout, "timeout"), (.rateLimited, "rateLimited"): break
        case (let other, _): Issue.record("\(error) -> \(other)")
        }
    }

    static func status(_ error: UpstreamError) -> Int {
        if case .withings(let failure) = error { return failure.status }
        return -1
    }

    static func reason(_ error: UpstreamError) -> String {
        if case .unreachable(let reason) = error { return reason }
        return ""
    }
}
