import Glibc

/// Monotonic nanoseconds, for TTLs and rate budgets (never jumps with NTP).
/// Injected as a closure so tests drive time by hand.
public typealias MonotonicNanos = @Sendable () -> UInt64

/// Wall-clock epoch seconds, for values that outlive the process or cross
/// replicas (OAuth `state` expiry).
public typealias WallSeconds = @Sendable () -> Int64

public enum SystemClocks {
    public static let monotonic: MonotonicNanos = {
        var spec = timespec()
        clock_gettime(CLOCK_MONOTONIC, &spec)
        return UInt64(spec.tv_sec) &* 1_000_000_000 &+ UInt64(spec.tv_nsec)
    }

    public static let wall: WallSeconds = {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec)
    }
}

extension Duration {
    /// Whole nanoseconds, saturating at zero for negative durations.
    var nanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        guard seconds >= 0 else { return 0 }
        return UInt64(seconds) &* 1_000_000_000 &+ UInt64(attoseconds / 1_000_000_000)
    }
}
