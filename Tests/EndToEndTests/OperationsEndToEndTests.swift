import Foundation
import JSON
import Testing

/// The operational routes, routing errors, CORS and request ids of a real
/// `withings-gateway serve`.
@Suite(.serialized, .gatewayStack(StackOptions(
    gateway: ["GATEWAY_CORS_ORIGINS": "https://app.example.test", "GATEWAY_MAX_BODY": "1024"])))
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

    @Test func oversizedBodyIs413() throws {
        let stack = try GatewayStack.shared()
        let body = String(repeating: "x", count: 4096)
        let answer = try curl(stack.base + "/users/123", method: "DELETE",
                              headers: ["Authorization": "Bearer \(stack.serviceKey)", "Content-Type": "text/plain"],
                              data: body)
        expectProblem(answer, status: 413, name: "content-too-large")
    }

    @Test func oversizedHeadersAre431() throws {
        let stack = try GatewayStack.shared()
        let answer = try stack.request("/healthz", headers: ["X-Padding": String(repeating: "p", count: 40 * 1024)])
        expectProblem(answer, status: 431, name: "header-fields-too-large")
    }

    @Test(arguments: [
        "GET /healthz HTTP/1.1\r\nHost: a\r\nthis line has no colon\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: a\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello",
        "GET /healthz HTTP/1.1\r\nHost: a\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: a\r\nContent-Length: -1\r\n\r\n",
        "GET /healthz HTTP/1.1\r\nHost: a\r\nBad Name: x\r\n\r\n",
        "G\u{1}T /healthz HTTP/1.1\r\nHost: a\r\n\r\n",
    ])
    func malformedRequestIs400AndTheConnectionCloses(request: String) throws {
        let stack = try GatewayStack.shared()
        let (answer, closed) = try rawExchange(port: stack.port, request)
        #expect(answer.hasPrefix("HTTP/1.1 400 "), "\(answer.prefix(200))")
        #expect(answer.lowercased().contains("application/problem+json"))
        #expect(closed, "the connection must close after a malformed request")
        // The server is unharmed.
        #expect(try stack.request("/healthz").status == 200)
    }
}
