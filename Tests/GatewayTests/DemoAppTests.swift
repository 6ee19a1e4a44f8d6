import Gateway
import HTTP1
import HTTPClient
import Logging
import Reactor
import Testing

/// The whole gateway in process against the simulator over loopback HTTP:
/// routes, statuses, gzip, ETag, and logs free of keys and tokens.
struct DemoAppTests {
    @Test func demoServesEveryRouteOverLoopback() async throws {
        let capture = LogCapture()
        let demo = try await Demo.start(overrides: ["GATEWAY_LISTEN": "127.0.0.1:0", "GATEWAY_THREADS": "1",
                                                    "GATEWAY_CORS_ORIGINS": "https://app.example.com"],
                                        users: 2, logger: capture.logger(level: .info))
        let group = try EventLoopGroup(threads: 1, name: "test-client")
        let client = HTTPClient(group: group, configuration: HTTPClientConfiguration(),
                                logger: Logger(label: "client", factory: { _ in SwiftLogNoOpLogHandler() }))
        do {
            try await exercise(demo: demo, client: client)
        } catch {
            Issue.record("\(error)")
        }
        await client.shutdown()
        group.shutdown()
        await demo.shutdown()

        let logs = capture.all.joined(separator: "\n")
        #expect(logs.contains("http.route=/users/{user_id}/measures"))
        #expect(!logs.contains(demo.serviceKey))
        for user in demo.users { #expect(!logs.contains(user.key)) }
        #expect(!logs.contains("demo-secret"))
        #expect(!logs.contains("access_token"))
    }

    func exercise(demo: Demo, client: HTTPClient) async throws {
        #expect(demo.users.count == 2)
        let base = "http://127.0.0.1:\(demo.app.port)"
        func get(_ path: String, key: String? = nil, headers: HTTPHeaders = [:]) async throws -> HTTPResponse {
            var all = headers
            if let key { all.add("Authorization", "Bearer " + key) }
            return try await client.send(HTTPClientRequest(method: .get, url: base + path, headers: all), timeout: .seconds(10))
        }
        #expect(try await get("/healthz").status == 200)
        #expect(try await get("/readyz").status == 200)
        #expect(String(decoding: try await get("/openapi.yaml").body, as: UTF8.self) == OpenAPIDocument.text)

        let first = try #require(demo.users.first), second = try #require(demo.users.last)
        let page = try await get("/users/\(first.userID)/measures?types=weight", key: demo.serviceKey,
                                 headers: ["Accept-Encoding": "gzip"])
        #expect(page.status == 200)
        #expect(page.headers["content-encoding"] == "gzip" || page.headers["content-encoding"] == nil)
        let body = String(decoding: page.body, as: UTF8.self)
        #expect(body.hasPrefix("{\"user_id\":\"\(first.userID)\",\"measure_groups\":[{"))
        let etag = try #require(page.headers["etag"])
        let cached = try await get("/users/\(first.userID)/measures?types=weight", key: first.key,
                                   headers: ["If-None-Match": etag])
        #expect(cached.status == 304)
        // The same data has the same tag whichever encoding carried it.
        let identity = try await get("/users/\(first.userID)/measures?types=weight", key: demo.serviceKey,
                                     headers: ["X-Request-ID": "test-request-1"])
        #expect(identity.headers["content-encoding"] == nil)
        #expect(identity.headers["etag"] == etag)
        #expect(identity.headers["x-request-id"] == "test-request-1")

        // CORS: preflight and actual requests from the configured origin only.
        let preflight = try await client.send(HTTPClientRequest(
            method: .options, url: base + "/users/\(first.userID)/measures",
            headers: ["Origin": "https://app.example.com", "Access-Control-Request-Method": "GET",
                      "Access-Control-Request-Headers": "authorization"]), timeout: .seconds(10))
        #expect(preflight.status == 204)
        #expect(preflight.headers["access-control-allow-origin"] == "https://app.example.com")
        let foreign = try await client.send(HTTPClientRequest(
            method: .options, url: base + "/users/\(first.userID)/measures",
            headers: ["Origin": "https://evil.example.com", "Access-Control-Request-Method": "GET"]), timeout: .seconds(10))
        #expect(foreign.headers["access-control-allow-origin"] == nil)
        let actual = try await get("/users/\(first.userID)/measures?types=weight", key: first.key,
                                   headers: ["Origin": "https://app.example.com"])
        #expect(actual.headers["access-control-allow-origin"] == "https://app.example.com")
        #expect(actual.headers["access-control-expose-headers"]?.contains("ETag") == true)

        #expect(try await get("/users/\(second.userID)/measures", key: first.key).status == 403)
        #expect(try await get("/users/\(first.userID)/measures").status == 401)
        #expect(try await get("/users/1/measures", key: demo.serviceKey).status == 404)

        // Coalescing and the cache: 12 identical concurrent requests, one upstream call.
        let before = demo.simulator.counters().calls("getmeas")
        let statuses = try await withThrowingTaskGroup(of: Int.self) { group in
            for _ in 0..<12 {
                group.addTask { try await get("/users/\(second.userID)/measures?types=fat_ratio", key: demo.serviceKey).status }
            }
            return try await group.reduce(into: []) { $0.append($1) }
        }
        #expect(statuses == Array(repeating: 200, count: 12))
        #expect(demo.simulator.counters().calls("getmeas") == before + 1)

        let metrics = String(decoding: try await get("/metrics").body, as: UTF8.self)
        #expect(metrics.contains(#"gateway_http_requests_total{route="/users/{user_id}/measures",status_class="2xx"}"#))
        #expect(metrics.contains(#"gateway_upstream_calls_total{outcome="ok"}"#))

        let deleted = try await client.send(HTTPClientRequest(
            method: .delete, url: base + "/users/\(second.userID)", headers: ["Authorization": "Bearer " + second.key]),
            timeout: .seconds(10))
        #expect(deleted.status == 204)
        #expect(try await get("/users/\(second.userID)/measures", key: demo.serviceKey).status == 404)
    }
}

/// The gateway's own upstream budget answers 429 before Withings would.
struct UpstreamBudgetEndToEndTests {
    @Test func budgetAnswers429WithRetryAfterAndWithingsNeverRateLimits() async throws {
        let demo = try await Demo.start(
            overrides: ["GATEWAY_LISTEN": "127.0.0.1:0", "GATEWAY_THREADS": "1", "WITHINGS_RATE_LIMIT": "3"],
            users: 1, logger: Logger(label: "t", factory: { _ in SwiftLogNoOpLogHandler() }))
        let group = try EventLoopGroup(threads: 1, name: "test-client")
        let client = HTTPClient(group: group, configuration: HTTPClientConfiguration(),
                                logger: Logger(label: "client", factory: { _ in SwiftLogNoOpLogHandler() }))
        do {
            let user = try #require(demo.users.first)
            // The connection spent one call; distinct queries spend the rest, then the budget says no.
            var statuses: [Int] = []
            var retryAfter: String?
            for type in ["weight", "height", "fat_ratio", "spo2"] {
                let response = try await client.send(HTTPClientRequest(
                    method: .get, url: "http://127.0.0.1:\(demo.app.port)/users/\(user.userID)/measures?types=\(type)",
                    headers: ["Authorization": "Bearer " + demo.serviceKey]), timeout: .seconds(10))
                statuses.append(response.status)
                if response.status == 429 { retryAfter = response.headers["retry-after"] }
            }
            #expect(statuses == [200, 200, 429, 429])
            #expect(retryAfter.flatMap(Int.init).map { $0 >= 1 && $0 <= 60 } == true)
            #expect(demo.simulator.counters().rateLimited == 0)
        } catch {
            Issue.record("\(error)")
        }
        await client.shutdown()
        group.shutdown()
        await demo.shutdown()
    }
}
