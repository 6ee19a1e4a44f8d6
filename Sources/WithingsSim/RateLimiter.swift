/// Withings' two observed 601 triggers: more than N calls a minute for the
/// whole app, and the same arguments twice within a few seconds.
/// Only admitted calls count, so a client that waits `wait_seconds` gets in.
struct RateLimiter: Sendable {
    enum Decision: Equatable {
        case admitted
        case perMinute(waitSeconds: Int)
        case sameArguments(waitSeconds: Int)
    }

    var perMinute: Int
    var sameArgsWindow: Int64
    /// Times of admitted calls within the last minute, oldest first.
    private var recent: [Int64] = []
    private var recentStart = 0
    /// Last admission time per argument key.
    private var lastSeen: [String: Int64] = [:]
    private var lastPrune: Int64 = 0

    init(perMinute: Int, sameArgsWindow: Int64) {
        self.perMinute = perMinute
        self.sameArgsWindow = sameArgsWindow
    }

    /// `argumentsKey` nil = the same-arguments rule does not apply to this call.
    mutating func admit(argumentsKey: String?, now: Int64) -> Decision {
        while recentStart < recent.count, recent[recentStart] <= now - 60 { recentStart += 1 }
        if recentStart > 1024 {
            recent.removeFirst(recentStart)
            recentStart = 0
        }
        if perMinute > 0, recent.count - recentStart >= perMinute {
            return .perMinute(waitSeconds: Int(max(1, recent[recentStart] + 60 - now)))
        }
        if let argumentsKey, sameArgsWindow > 0 {
            pruneSeen(now: now)
            if let last = lastSeen[argumentsKey], now - last < sameArgsWindow {
                return .sameArguments(waitSeconds: Int(max(1, last + sameArgsWindow - now)))
            }
            lastSeen[argumentsKey] = now
        }
        if perMinute > 0 { recent.append(now) }
        return .admitted
    }

    private mutating func pruneSeen(now: Int64) {
        guard now - lastPrune >= sameArgsWindow, lastSeen.count > 256 else { return }
        lastPrune = now
        lastSeen = lastSeen.filter { now - $0.value < sameArgsWindow }
    }
}
