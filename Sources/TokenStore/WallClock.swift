import Glibc

/// Wall-clock time in epoch seconds (token expiry, timestamps, lease expiry).
public enum WallClock {
    @Sendable public static func now() -> Int64 { Int64(time(nil)) }
}
