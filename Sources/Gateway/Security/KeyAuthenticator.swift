import Crypto
import Synchronization
import TokenStore

/// Resolves `Authorization: Bearer KEY` to a `KeyScope`, asking the store
/// (hash lookup, constant-time compare) and remembering successes briefly so
/// a hot path does not hop to the database thread on every request.
///
/// Only a SHA-256 of the presented secret is kept, never the secret. A key
/// revoked through this process (DELETE /users/{id}) is dropped at once; one
/// revoked by the CLI in another process stops working within `ttl`.
public final class KeyAuthenticator: Sendable {
    private struct Entry {
        var scope: KeyScope
        var expiresAt: UInt64
    }

    private let store: any TokenStore
    private let remembered = Mutex<[[UInt8]: Entry]>([:])
    private let ttlNanos: UInt64
    private let capacity: Int
    private let now: MonotonicNanos

    public init(store: any TokenStore, ttl: Duration = .seconds(10), capacity: Int = 10_000,
                now: @escaping MonotonicNanos = SystemClocks.monotonic) {
        self.store = store
        ttlNanos = ttl.nanoseconds
        self.capacity = capacity
        self.now = now
    }

    /// nil for a missing, malformed, unknown or revoked key.
    public func scope(authorization: String?) async throws -> KeyScope? {
        guard let secret = AccessPolicy.bearerToken(authorization) else { return nil }
        let digest = Digest.sha256(Array(secret.utf8))
        let time = now()
        if let entry = remembered.withLock({ $0[digest] }), entry.expiresAt > time { return entry.scope }
        guard let key = try await store.authenticate(secret) else { return nil }
        let scope: KeyScope = key.userID.map { .user($0) } ?? .service
        remembered.withLock { entries in
            if entries.count >= capacity { entries.removeAll(keepingCapacity: true) }
            entries[digest] = Entry(scope: scope, expiresAt: time + ttlNanos)
        }
        return scope
    }

    /// Forgets remembered keys of a user (their keys were just revoked).
    public func forget(userID: String) {
        remembered.withLock { entries in entries = entries.filter { $0.value.scope != .user(userID) } }
    }
}
