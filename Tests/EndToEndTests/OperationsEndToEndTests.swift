import Foundation
import JSON
import Testing

/// The operational routes, routing errors, CORS and request ids of a real
/// `withings-gateway serve`.
@Suite(.serialized, .gatewayStack(StackOptions(gateway: ["GATEWAY_CORS_ORIGINS": "https://app.example.test"])))
struct OperationsEndToEndTests {
    static let appOrigin = "https://app.example.test"

    @Test func healthAndReadinessAnswer200() throws {
        let stack = try GatewayStack.shared()
        for path in ["/healthz", "/readyz"] {
            let answer = try stack.request(path)
            #expect(answer.status == 200, "\(path): \(answer.text)")
            #expect(answer.headers["content-type"]?.hasPrefix("application/json") == true)
        }
    }

    @Test func metricsArePrometheusTextCountingRequestsByRouteAndStatus() throws {
        let stack = try GatewayStack.shared()
        _ = try stack.request("/healthz")
        _ = try stack.request("/no/such/route")
        let answer = try stack.request("/metrics")
        #expect(answer.status == 200)
        #expect(answer.headers["content-type"]?.hasPrefix("text/plain") == true)
        let text = answer.text
        #expect(text.contains("# TYPE gateway_http_requests_total counter"))
        #expect(text.contains("gateway_http_request_duration_seconds"))
        #expect(text.contains("gateway_open_connections"))
        let healthLine = text.split(separator: "\n").first {
            $0.hasPrefix("gateway_http_requests_total{") && $0.contains("route=\"/healthz\"")
                && $0.contains("status_class=\"2xx\"")
        }
        #expect(healthLine != nil, "no /healthz 2xx counter in:\n\(text)")
    }

    @Test func openAPIDocumentIsServed() throws {
        let stack = try GatewayStack.shared()
        let answer = try stack.request("/openapi.yaml")
        #expect(answer.status == 200)
        #expect(answer.text.hasPrefix("openapi: 3.1"))
        for path in ["/users/{user_id}/measures:", "/oauth/authorize:", "/oauth/callback:", "/healthz:"] {
            #expect(answer.text.contains(path), "openapi.yaml lacks \(path)")
        }
        #expect(answer.text.contains("reauthorization-required"))
    }

    @Test func unknownRouteIs404Problem() throws {
        let stack = try GatewayStack.shared()
        for path in ["/nothing", "/users", "/users/123/measures/extra", "/metrics/x"] {
            expectProblem(try stack.request(path), status: 404, name: "not-found")
        }
    }

    @Test(arguments: [
        ("POST", "/healthz", "GET"),
        ("PUT", "/users/123/measures", "GET"),
        ("POST", "/users/123", "DELETE"),
        ("DELETE", "/users/123/measures", "GET"),
        ("POST", "/oauth/callback", "GET"),
    ])
    func wrongMethodIs405WithAllow(method: String, path: String, allowed: String) throws {
        let stack = try GatewayStack.shared()
        let answer = try stack.request(path, method: method, key: stack.serviceKey)
        expectProblem(answer, status: 405, name: "method-not-allowed")
        let allow = answer.headers["allow"]?.split(separator: ",").map { $0.trimmingCharacters(in: .whitespaces) }
        #expect(allow?.contains(allowed) == true, "Allow: \(answer.headers["allow"] ?? "none")")
        #expect(allow?.contains(method) == false)
    }

    @Test func corsPreflightFromAllowedOriginIsAnswered() throws {
        let stack = try GatewayStack.shared()
        let user = try #require(stack.connected.first)
        let preflight = try stack.request("/users/\(user.id)/measures", method: "OPTIONS", headers: [
            "Origin": Self.appOrigin, "Access-Control-Request-Method": "GET",
            "Access-Control-Request-Headers": "authorization",
        ])
        #expect(preflight.status == 204)
        #expect(preflight.headers["access-control-allow-origin"] == Self.appOrigin)
        #expect(preflight.headers["access-control-allow-methods"]?.contains("GET") == true)
        #expect(preflight.headers["access-control-allow-headers"]?.lowercased().contains("authorization") == true)

        // The actual request carries the origin back, and exposes what a browser app needs.
        let actual = try stack.request("/users/\(user.id)/measures", key: user.key, headers: ["Origin": Self.appOrigin])
        #expect(actual.status == 200)
        #expect(actual.headers["access-control-allow-origin"] == Self.appOrigin)
        #expect(actual.headers["access-control-expose-headers"]?.contains("ETag") == true)
        #expect(actual.headers["vary"]?.contains("Origin") == true)
    }

    @Test func corsPreflightFromOtherOriginGetsNoGrant() throws {
        let stack = try GatewayStack.shared()
        let answer = try stack.request("/users/1/measures", method: "OPTIONS", headers: [
            "Origin": "https://evil.example.test", "Access-Control-Request-Method": "GET",
        ])
        #expect(answer.headers["access-control-allow-origin"] == nil)
        #expect(answer.status >= 400)
        let actual = try stack.request("/healthz", headers: ["Origin": "https://evil.example.test"])
        #expect(actual.status == 200)
        #expect(actual.headers["access-control-allow-origin"] == nil)
    }

    @Test func requestIDIsEchoedAndLogged() throws {
        let stack = try GatewayStack.shared()
        let given = "e2e-\(randomHex(bytes: 8))"
        let echoed = try stack.request("/healthz", headers: ["X-Request-ID": given])
        #expect(echoed.headers["x-request-id"] == given)

        let generated = try stack.request("/healthz")
        let generatedID = try #require(generated.headers["x-request-id"])
        #expect(!generatedID.isEmpty && generatedID != given)

        // A problem answer carries it too.
        let missing = try stack.request("/nowhere", headers: ["X-Request-ID": given + "-404"])
        #expect(missing.headers["x-request-id"] == given + "-404")

        for id in [given, generatedID, given + "-404"] {
            try stack.gateway.waitFor("request_id=\(id)", timeout: 10)
        }
    }
}
