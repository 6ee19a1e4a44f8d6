import Synchronization

/// Remembers which `state` nonces were already redeemed until they expire,
/// making a state single-use in this process. (With several replicas a
/// replayed state could be redeemed once per replica within its lifetime;
/// the code inside it is single-use at Withings anyway.)
public final class OAuthStateReplayGuard: Sendable {
    private struct State {
        var used: [String: Int64] = [:]        // nonce -> expiresAt
    }

    private let state = Mutex(State())
    private let capacity: Int

    /// `capacity` bounds memory; states are only recorded after their
    /// signature checked, so reaching it means a flood of real authorizations.
    public init(capacity: Int = 100_000) {
        self.capacity = capacity
    }

    /// True the first time a nonce is presented before it expires; false on
    /// reuse, or when full of unexpired entries (fail closed).
    public func redeem(_ claims: OAuthStateClaims, now: Int64) -> Bool {
        state.withLock { state in
            if state.used[claims.nonce] != nil { return false }
            if state.used.count >= capacity {
                state.used = state.used.filter { $0.value > now }
                if state.used.count >= capacity { return false }
            }
            state.used[claims.nonce] = claims.expiresAt
            return true
        }
    }

    public var count: Int { state.withLock { $0.used.count } }
}
