import Synchronization

/// Coalesces identical concurrent work: while an operation for a key is in
/// flight, later callers with the same key wait for its result instead of
/// starting their own (N identical requests -> one upstream call).
public final class SingleFlight<Key: Hashable & Sendable, Value: Sendable>: Sendable {
    /// Keys in flight -> callers waiting for that result.
    private let waiting = Mutex<[Key: [CheckedContinuation<Value?, Never>]]>([:])

    public init() {}

    /// Runs `operation` unless one is already running for `key`; `shared`
    /// is true for callers that received another caller's result. The
    /// operation is not cancelled with its caller: others may be waiting.
    public func run(_ key: Key, _ operation: @escaping @Sendable () async -> Value) async -> (value: Value, shared: Bool) {
        // Deciding leader/follower and registering the follower happen under
        // one lock, so a result can never be published between the two.
        let joined: Value? = await withCheckedContinuation { continuation in
            let isLeader = waiting.withLock { waiting -> Bool in
                if waiting[key] != nil {
                    waiting[key]?.append(continuation)
                    return false
                }
                waiting[key] = []
                return true
            }
            if isLeader { continuation.resume(returning: nil) }
        }
        if let joined { return (joined, true) }
        // An unstructured task: the leader's cancellation (its client left)
        // must not become the followers' failure.
        let value = await Task { await operation() }.value
        let followers = waiting.withLock { $0.removeValue(forKey: key) ?? [] }
        for follower in followers { follower.resume(returning: value) }
        return (value, false)
    }

    /// Callers waiting for the in-flight operation of `key`.
    public func followers(of key: Key) -> Int { waiting.withLock { $0[key]?.count ?? 0 } }

    /// Number of keys in flight.
    public var inFlight: Int { waiting.withLock { $0.count } }
}
