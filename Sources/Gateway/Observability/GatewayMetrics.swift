import CoreMetrics
import Synchronization

/// Every metric the gateway reports, created once with fixed label sets
/// (route template, status class, upstream outcome family): never an id,
/// so cardinality is bounded by the route table. The factory is injected,
/// so tests and the app each use their own registry and nothing bootstraps
/// the global metrics system.
public final class GatewayMetrics: Sendable {
    /// Upstream call outcomes (withings-api.md §6 families plus transport failures).
    public enum UpstreamOutcome: String, Sendable, CaseIterable {
        case ok, auth, invalid_params, unauthorized, not_implemented, timeout, rate_limited, other
        case unreachable, invalid_response
    }

    public enum RefreshOutcome: String, Sendable, CaseIterable { case ok, rejected, transient }

    private let factory: any MetricsFactory
    /// Request counters and timers by route, then by status class index
    /// (see `statusClassIndex`), made on first use; bounded because routes
    /// come from the fixed route table. Keyed by the route alone so the
    /// per-request lookup builds no string.
    private let requestMetrics = Mutex<[String: [RequestHandles?]]>([:])
    private typealias RequestHandles = (counter: CoreMetrics.Counter, timer: CoreMetrics.Timer)
    private static let statusClasses = ["1xx", "2xx", "3xx", "4xx", "5xx"]
    private let upstreamCalls: [UpstreamOutcome: CoreMetrics.Counter]
    private let refreshes: [RefreshOutcome: CoreMetrics.Counter]
    private let cacheHits: CoreMetrics.Counter
    private let cacheMisses: CoreMetrics.Counter
    private let coalesced: CoreMetrics.Counter
    private let budgetDenied: CoreMetrics.Counter
    private let openConnections: CoreMetrics.Gauge

    public init(factory: any MetricsFactory) {
        self.factory = factory
        var upstream: [UpstreamOutcome: CoreMetrics.Counter] = [:]
        for outcome in UpstreamOutcome.allCases {
            upstream[outcome] = Counter(label: "gateway_upstream_calls_total", dimensions: [("outcome", outcome.rawValue)],
                                        factory: factory)
        }
        upstreamCalls = upstream
        var refresh: [RefreshOutcome: CoreMetrics.Counter] = [:]
        for outcome in RefreshOutcome.allCases {
            refresh[outcome] = Counter(label: "gateway_token_refreshes_total", dimensions: [("outcome", outcome.rawValue)],
                                       factory: factory)
        }
        refreshes = refresh
        cacheHits = Counter(label: "gateway_cache_requests_total", dimensions: [("result", "hit")], factory: factory)
        cacheMisses = Counter(label: "gateway_cache_requests_total", dimensions: [("result", "miss")], factory: factory)
        coalesced = Counter(label: "gateway_coalesced_requests_total", factory: factory)
        budgetDenied = Counter(label: "gateway_upstream_budget_denied_total", factory: factory)
        openConnections = Gauge(label: "gateway_open_connections", factory: factory)
    }

    /// "2xx" … "5xx" (and "1xx"); anything outside 100…599 counts as "5xx".
    public static func statusClass(_ status: Int) -> String {
        statusClasses[statusClassIndex(status)]
    }

    /// Index into `statusClasses`: 0 for 1xx … 4 for 5xx and anything outside 100…599.
    private static func statusClassIndex(_ status: Int) -> Int {
        switch status {
        case 100..<200: 0
        case 200..<300: 1
        case 300..<400: 2
        case 400..<500: 3
        default: 4
        }
    }

    public func recordRequest(route: String, status: Int, duration: Duration) {
        let classIndex = Self.statusClassIndex(status)
        let (counter, timer) = requestMetrics.withLock { metrics -> RequestHandles in
            if let existing = metrics[route]?[classIndex] { return existing }
            let dimensions = [("route", route), ("status_class", Self.statusClasses[classIndex])]
            let made: RequestHandles = (
                Counter(label: "gateway_http_requests_total", dimensions: dimensions, factory: factory),
                Timer(label: "gateway_http_request_duration_seconds", dimensions: dimensions, factory: factory)
            )
            metrics[route, default: Array(repeating: nil, count: Self.statusClasses.count)][classIndex] = made
            return made
        }
        counter.increment()
        timer.recordNanoseconds(Int64(duration.nanoseconds))
    }

    public func recordUpstream(_ outcome: UpstreamOutcome) { upstreamCalls[outcome]?.increment() }
    public func recordRefresh(_ outcome: RefreshOutcome) { refreshes[outcome]?.increment() }
    public func recordCache(hit: Bool) { (hit ? cacheHits : cacheMisses).increment() }
    public func recordCoalesced() { coalesced.increment() }
    public func recordBudgetDenied() { budgetDenied.increment() }
    public func setOpenConnections(_ count: Int) { openConnections.record(count) }
}
