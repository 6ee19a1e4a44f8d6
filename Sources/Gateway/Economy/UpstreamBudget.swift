import Synchronization

/// The app-wide upstream allowance (WITHINGS_RATE_LIMIT calls per minute),
/// as a token bucket whose every token comes back exactly 60 s after it was
/// spent. Unlike a bucket refilled at a steady rate (which admits up to
/// twice the limit in some 60 s windows), this never allows more than
/// `limit` calls in any 60-second window, which is what Withings counts.
///
/// Pure: time comes in as monotonic nanoseconds. `UpstreamBudget` wraps it.
public struct RollingWindowBudget: Sendable {
    public enum Decision: Sendable, Equatable {
        /// Call now.
        case now
        /// A slot is reserved; call after waiting this many nanoseconds.
        case after(nanoseconds: UInt64)
        /// Not within `maxWait`; tell the client to retry after this many seconds.
        case denied(retryAfterSeconds: Int)
    }

    public let limit: Int
    public let windowNanos: UInt64
    /// Start times of the last `limit` granted calls (ring buffer, nondecreasing).
    private var grants: [UInt64]
    private var next = 0

    public init(limit: Int, window: Duration = .seconds(60)) {
        precondition(limit > 0, "the rate limit is validated to be positive")
        self.limit = limit
        windowNanos = window.nanoseconds
        grants = []
        grants.reserveCapacity(limit)
    }

    public mutating func reserve(now: UInt64, maxWait: Duration) -> Decision {
        var start = now
        if grants.count == limit {
            // The slot frees when the call `limit` grants ago leaves the window.
            start = max(now, grants[next] + windowNanos)
        }
        let wait = start - now
        guard wait <= maxWait.nanoseconds else {
            let seconds = (wait + 999_999_999) / 1_000_000_000
            return .denied(retryAfterSeconds: Int(max(1, seconds)))
        }
        if grants.count < limit {
            grants.append(start)
        } else {
            grants[next] = start
            next = (next + 1) % limit
        }
        return wait == 0 ? .now : .after(nanoseconds: wait)
    }
}

/// The shared, thread-safe budget: waits briefly for a slot, or says when to retry.
public final class UpstreamBudget: Sendable {
    public enum Grant: Sendable, Equatable {
        case granted
        case retryAfter(seconds: Int)
    }

    private let budget: Mutex<RollingWindowBudget>
    private let maxWait: Duration
    private let now: MonotonicNanos

    public init(limitPerMinute: Int, maxWait: Duration = .seconds(2),
                now: @escaping MonotonicNanos = SystemClocks.monotonic) {
        budget = Mutex(RollingWindowBudget(limit: limitPerMinute))
        self.maxWait = maxWait
        self.now = now
    }

    public func acquire() async -> Grant {
        let decision = budget.withLock { $0.reserve(now: now(), maxWait: maxWait) }
        switch decision {
        case .now:
            return .granted
        case .after(let nanoseconds):
            do {
                try await Task.sleep(for: .nanoseconds(Int64(nanoseconds)))
            } catch {
                // Cancelled (the caller is gone): do not call early. The slot
                // stays spent, which errs on the side of fewer calls.
                return .retryAfter(seconds: Int(max(1, nanoseconds / 1_000_000_000)))
            }
            return .granted
        case .denied(let seconds):
            return .retryAfter(seconds: seconds)
        }
    }
}
