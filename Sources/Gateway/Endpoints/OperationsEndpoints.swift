import HTTP1
import Logging
import TokenStore

/// `/healthz`, `/readyz`, `/metrics`, `/openapi.yaml`: no key needed.
public struct OperationsEndpoints: Sendable {
    private let store: any TokenStore
    private let exposition: MetricsExposition
    /// Read at scrape time, so the gauge is exact when it is looked at.
    private let openConnections: @Sendable () -> Int
    private let metrics: GatewayMetrics

    public init(store: any TokenStore, exposition: MetricsExposition, metrics: GatewayMetrics,
                openConnections: @escaping @Sendable () -> Int) {
        self.store = store
        self.exposition = exposition
        self.metrics = metrics
        self.openConnections = openConnections
    }

    static let okBody = Array(#"{"status":"ok"}"#.utf8)

    public func healthz() -> HTTPResponse {
        HTTPResponse(status: 200, headers: ["Content-Type": "application/json", "Cache-Control": "no-store"],
                     body: Self.okBody)
    }

    public func readyz(logger: Logger) async -> HTTPResponse {
        do {
            try await store.checkHealth()
            return healthz()
        } catch {
            logger.warning("readiness check failed", metadata: ["error": "\(error)"])
            return GatewayProblem.make(GatewayProblem.notReady, detail: "The token database is not reachable.")
                .response(headers: ["Cache-Control": "no-store"])
        }
    }

    public func metricsText() -> HTTPResponse {
        metrics.setOpenConnections(openConnections())
        return HTTPResponse(status: 200, headers: ["Content-Type": MetricsExposition.contentType, "Cache-Control": "no-store"],
                            body: exposition.render())
    }

    static let openAPIBody = Array(OpenAPIDocument.text.utf8)

    public func openAPI() -> HTTPResponse {
        HTTPResponse(status: 200, headers: ["Content-Type": OpenAPIDocument.contentType], body: Self.openAPIBody)
    }
}
