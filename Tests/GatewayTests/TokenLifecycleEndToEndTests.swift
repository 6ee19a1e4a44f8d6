import Gateway
import HTTP1
import HTTPClient
import Logging
import Reactor
import Testing
import WithingsSim

/// Withings failures as the gateway's clients see them, produced by the
/// simulator in process: refresh-and-retry, reauthorization, transient
/// upstream trouble (DESIGN.md "Errors" and "Token lifecycle").
struct TokenLifecycleEndToEndTests {
    @Test func refreshRetryReauthorizationAndUpstreamFaults() async throws {
        let logger = Logger(label: "t", factory: { _ in SwiftLogNoOpLogHandler() })
        let demo = try await Demo.start(overrides: ["GATEWAY_LISTEN": "127.0.0.1:0", "GATEWAY_THREADS": "1"],
                                        users: 1, logger: logger)
        let group = try EventLoopGroup(threads: 1, name: "test-client")
        let client = HTTPClient(group: group, configuration: HTTPClientConfiguration(), logger: logger)
        do {
            let user = try #require(demo.users.first)
            let simulator = demo.simulator
            // Each read asks for another type: no cache hit, no "same arguments" 601.
            func read(_ type: String) async throws -> HTTPResponse {
                try await client.send(HTTPClientRequest(
                    method: .get, url: "http://127.0.0.1:\(demo.app.port)/users/\(user.userID)/measures?types=\(type)",
                    headers: ["Authorization": "Bearer " + demo.serviceKey]), timeout: .seconds(10))
            }
            func problem(_ response: HTTPResponse) -> String { String(decoding: response.body, as: UTF8.self) }

            // Withings rejects the access token: one refresh, one retry, the client sees nothing.
            simulator.invalidateAccessTokens()
            #expect(try await read("weight").status == 200)
            #expect(simulator.counters().refreshes == 1)

            // Transient upstream trouble changes nothing stored.
            simulator.schedule(.status(522), action: "getmeas")
            #expect(try await read("height").status == 504)
            simulator.schedule(.outage(httpStatus: 503), action: "getmeas")
            let outage = try await read("fat_ratio")
            #expect(outage.status == 502)
            #expect(problem(outage).contains("upstream-invalid-response"))
            simulator.schedule(.status(601), action: "getmeas")
            let limited = try await read("spo2")
            #expect(limited.status == 429)
            #expect(limited.headers["retry-after"] != nil)
            simulator.schedule(.status(2555), action: "getmeas")
            #expect(try await read("hydration").status == 502)
            #expect(try await read("bone_mass").status == 200)

            // The token is rejected and so is the refresh: reauthorization, kept in the store.
            simulator.invalidateAccessTokens()
            simulator.schedule(.status(503), action: "requesttoken")
            let gone = try await read("muscle_mass")
            #expect(gone.status == 409)
            #expect(problem(gone).contains("reauthorization-required"))
            #expect(problem(gone).contains("\"authorize_url\":\"\(demo.baseURL)/oauth/authorize\""))
            #expect(try await read("heart_pulse").status == 409)
        } catch {
            Issue.record("\(error)")
        }
        await client.shutdown()
        group.shutdown()
        await demo.shutdown()
    }
}
