import Gateway
import HTTP1
import Logging
import Testing
import TokenStore

struct ForgetUserEndpointTests {
    let logger = Logger(label: "test", factory: { _ in SwiftLogNoOpLogHandler() })

    static func connect(_ userID: String, store: any TokenStore) async throws {
        try await store.save(UserTokens(userID: userID, accessToken: "a", refreshToken: "r", expiresAt: 99,
                                        scope: "user.metrics", createdAt: 1, updatedAt: 1))
    }

    func delete(_ endpoint: ForgetUserEndpoint, user: String, key: String?) async -> HTTPResponse {
        var headers: HTTPHeaders = [:]
        if let key { headers.add("Authorization", "Bearer " + key) }
        return await endpoint.handle(HTTPRequest(method: .delete, target: "/users/\(user)", headers: headers),
                                     userID: user, logger: logger)
    }

    @Test func designTableThenGoneForGood() async throws {
        try await withStore { store in
            try await Self.connect("1", store: store)
            try await Self.connect("2", store: store)
            let service = try await store.createKey(name: "svc", userID: nil).secret
            let own = try await store.createKey(name: "u1", userID: "1").secret
            let other = try await store.createKey(name: "u2", userID: "2").secret
            let forgotten = CallCounter()
            let endpoint = ForgetUserEndpoint(keys: KeyAuthenticator(store: store), store: store,
                                              forgetCached: { _ in forgotten.increment() })

            #expect(await delete(endpoint, user: "1", key: nil).status == 401)
            #expect(await delete(endpoint, user: "1", key: "wgk_nope_nope").status == 401)
            #expect(await delete(endpoint, user: "1", key: other).status == 403)
            #expect(await delete(endpoint, user: "3", key: service).status == 404)
            #expect(await delete(endpoint, user: "1", key: own).status == 204)
            #expect(forgotten.count == 1)
            // The user's own key died with the user; the service key sees 404.
            #expect(await delete(endpoint, user: "1", key: own).status == 401)
            #expect(await delete(endpoint, user: "1", key: service).status == 404)
            #expect(await delete(endpoint, user: "2", key: service).status == 204)
            #expect(await delete(endpoint, user: "2", key: other).status == 401)
        }
    }
}

struct OperationsEndpointsTests {
    @Test func healthMetricsAndDocument() async throws {
        try await withStore { store in
            let exposition = MetricsExposition()
            let metrics = GatewayMetrics(factory: exposition.factory)
            let operations = OperationsEndpoints(store: store, exposition: exposition, metrics: metrics,
                                                 openConnections: { 7 })
            #expect(operations.healthz().status == 200)
            let ready = await operations.readyz(logger: Logger(label: "t", factory: { _ in SwiftLogNoOpLogHandler() }))
            #expect(ready.status == 200)
            #expect(String(decoding: ready.body, as: UTF8.self) == #"{"status":"ok"}"#)
            let text = String(decoding: operations.metricsText().body, as: UTF8.self)
            #expect(text.contains("gateway_open_connections 7"))
            let document = operations.openAPI()
            #expect(document.headers["content-type"] == "application/yaml")
            #expect(document.body.starts(with: Array("openapi: 3.1.0".utf8)))
            await store.shutdown()
            let notReady = await operations.readyz(logger: Logger(label: "t", factory: { _ in SwiftLogNoOpLogHandler() }))
            #expect(notReady.status == 503)
        }
    }
}
