import Crypto
import Gateway
import HTTP1
import HTTPClient
import Logging
import Reactor
import Testing
import WithingsSim

/// The legacy OAuth 1.0 mode end to end in process: request token, the
/// simulator's authorize page, access token, then signed getmeas.
struct OAuth1FlowTests {
    @Test func threeLeggedFlowThenSignedMeasures() async throws {
        let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })
        var simulatorConfiguration = SimulatorConfiguration()
        simulatorConfiguration.users = 1
        let port = try Demo.freePort(host: "127.0.0.1")
        let callback = "http://127.0.0.1:\(port)/oauth/callback"
        simulatorConfiguration.redirectURIs = [callback]
        let simulator = WithingsSimulator(configuration: simulatorConfiguration)
        let simulatorServer = try Demo.serveSimulator(simulator, logger: logger)
        let simulatorURL = "http://127.0.0.1:\(simulatorServer.port)"

        try await withStore { store in
            let configuration = try GatewayConfiguration(environment: [
                "WITHINGS_CLIENT_ID": simulatorConfiguration.clientID,
                "WITHINGS_CLIENT_SECRET": simulatorConfiguration.clientSecret,
                "WITHINGS_AUTH_MODE": "oauth1", "WITHINGS_API_URL": simulatorURL, "WITHINGS_OAUTH1_URL": simulatorURL,
                "WITHINGS_ACCOUNT_URL": simulatorURL, "WITHINGS_REDIRECT_URI": callback,
                "GATEWAY_LISTEN": "127.0.0.1:\(port)", "GATEWAY_THREADS": "1",
                "GATEWAY_SECRET": ByteEncoding.hex(Digest.randomBytes(32)),
            ], requiring: .serve)
            let app = try GatewayApp(configuration: configuration, store: store, logger: logger)
            try app.start()
            let group = try EventLoopGroup(threads: 1, name: "test-client")
            let client = HTTPClient(group: group, configuration: HTTPClientConfiguration(), logger: logger)
            func get(_ url: String, key: String? = nil) async throws -> HTTPResponse {
                var headers: HTTPHeaders = [:]
                if let key { headers.add("Authorization", "Bearer " + key) }
                return try await client.send(HTTPClientRequest(method: .get, url: url, headers: headers), timeout: .seconds(10))
            }
            do {
                let authorize = try await get("http://127.0.0.1:\(port)/oauth/authorize")
                #expect(authorize.status == 302)
                let withingsPage = try #require(authorize.headers["location"])
                #expect(withingsPage.hasPrefix(simulatorURL + "/account/authorize?"))
                let approved = try await get(withingsPage)
                let back = try #require(approved.headers["location"])
                #expect(back.hasPrefix(callback + "?state="))
                let connected = try await get(back)
                #expect(connected.status == 200)
                let body = String(decoding: connected.body, as: UTF8.self)
                let userID = try #require(simulator.userIDs.first)
                #expect(body.hasPrefix("{\"user_id\":\"\(userID)\",\"key\":\"wgk_"))
                let key = String(body.split(separator: "\"")[7])
                let stored = try await store.tokens(for: userID)
                #expect(stored?.tokenSecret?.isEmpty == false)

                let measures = try await get("http://127.0.0.1:\(port)/users/\(userID)/measures?types=weight", key: key)
                #expect(measures.status == 200)
                #expect(String(decoding: measures.body, as: UTF8.self).contains("\"type\":\"weight\""))
                // The callback cannot be replayed.
                #expect(try await get(back).status == 400)
            } catch {
                Issue.record("\(error)")
            }
            await client.shutdown()
            group.shutdown()
            await app.shutdown()
        }
        await simulatorServer.shutdown()
    }
}
