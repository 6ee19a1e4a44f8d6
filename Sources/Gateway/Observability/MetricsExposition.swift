import CoreMetrics
import Prometheus

/// The `/metrics` side: one Prometheus registry per app, its factory handed
/// to `GatewayMetrics`, rendered in the text exposition format.
public final class MetricsExposition: Sendable {
    public let registry: PrometheusCollectorRegistry
    public let factory: PrometheusMetricsFactory

    public init() {
        registry = PrometheusCollectorRegistry()
        var factory = PrometheusMetricsFactory(registry: registry)
        // Request latencies here are sub-millisecond on cache hits and up to
        // WITHINGS_TIMEOUT on misses; the buckets span both.
        factory.defaultDurationHistogramBuckets = [
            .microseconds(250), .microseconds(500), .milliseconds(1), .milliseconds(2), .milliseconds(5),
            .milliseconds(10), .milliseconds(25), .milliseconds(50), .milliseconds(100), .milliseconds(250),
            .milliseconds(500), .seconds(1), .seconds(2), .seconds(5), .seconds(10),
        ]
        self.factory = factory
    }

    public static let contentType = "text/plain; version=0.0.4; charset=utf-8"

    public func render() -> [UInt8] {
        var buffer: [UInt8] = []
        buffer.reserveCapacity(8192)
        registry.emit(into: &buffer)
        return buffer
    }
}
