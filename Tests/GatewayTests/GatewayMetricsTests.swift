import Gateway
import Testing

struct GatewayMetricsTests {
    @Test func prometheusRenderingHasFixedLabels() {
        let exposition = MetricsExposition()
        let metrics = GatewayMetrics(factory: exposition.factory)
        metrics.recordRequest(route: "/users/{user_id}/measures", status: 200, duration: .milliseconds(3))
        metrics.recordRequest(route: "/users/{user_id}/measures", status: 204, duration: .milliseconds(1))
        metrics.recordRequest(route: "unmatched", status: 404, duration: .microseconds(80))
        metrics.recordUpstream(.rate_limited)
        metrics.recordRefresh(.ok)
        metrics.recordCache(hit: true)
        metrics.recordCache(hit: false)
        metrics.recordCache(hit: false)
        metrics.setOpenConnections(5)
        let text = String(decoding: exposition.render(), as: UTF8.self)
        #expect(text.contains(#"gateway_http_requests_total{route="/users/{user_id}/measures",status_class="2xx"} 2"#))
        #expect(text.contains(#"gateway_http_requests_total{route="unmatched",status_class="4xx"} 1"#))
        #expect(text.contains("gateway_http_request_duration_seconds_bucket"))
        #expect(text.contains(#"gateway_upstream_calls_total{outcome="rate_limited"} 1"#))
        #expect(text.contains(#"gateway_token_refreshes_total{outcome="ok"} 1"#))
        #expect(text.contains(#"gateway_cache_requests_total{result="miss"} 2"#))
        #expect(text.contains("gateway_open_connections 5"))
        #expect(!text.contains("user_id=\"4"))
    }

    @Test func eachRouteAndStatusClassCountsSeparately() {
        let exposition = MetricsExposition()
        let metrics = GatewayMetrics(factory: exposition.factory)
        for status in [200, 201, 304, 404, 404, 500, 999] {
            metrics.recordRequest(route: "/a", status: status, duration: .milliseconds(1))
        }
        metrics.recordRequest(route: "/b", status: 200, duration: .milliseconds(1))
        let text = String(decoding: exposition.render(), as: UTF8.self)
        #expect(text.contains(#"gateway_http_requests_total{route="/a",status_class="2xx"} 2"#))
        #expect(text.contains(#"gateway_http_requests_total{route="/a",status_class="3xx"} 1"#))
        #expect(text.contains(#"gateway_http_requests_total{route="/a",status_class="4xx"} 2"#))
        #expect(text.contains(#"gateway_http_requests_total{route="/a",status_class="5xx"} 2"#))
        #expect(text.contains(#"gateway_http_requests_total{route="/b",status_class="2xx"} 1"#))
        #expect(!text.contains(#"route="/b",status_class="4xx""#))
    }

    @Test(arguments: [(101, "1xx"), (200, "2xx"), (304, "3xx"), (429, "4xx"), (504, "5xx"), (0, "5xx"), (700, "5xx")])
    func statusClasses(status: Int, expected: String) {
        #expect(GatewayMetrics.statusClass(status) == expected)
    }
}
