import Synchronization

/// A cached answer's identity: whose data, and which canonical query.
public struct CacheKey: Hashable, Sendable {
    public var userID: String
    public var query: String
    public init(userID: String, query: String) {
        self.userID = userID
        self.query = query
    }
}

/// Translated upstream answers per (user, canonical query), each kept for
/// `ttl`, at most `capacity` entries: when full, expired entries go first,
/// then the oldest inserted (a FIFO queue makes that amortised O(1)).
public final class ResponseCache<Value: Sendable>: Sendable {
    public typealias Key = CacheKey

    private struct Entry {
        var value: Value
        var expiresAt: UInt64
        var generation: UInt64
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        /// Insertion order; stale items (replaced or removed keys) are skipped by generation.
        var order: [(key: Key, generation: UInt64)] = []
        var orderHead = 0
        var nextGeneration: UInt64 = 0
    }

    private let state = Mutex(State())
    private let ttlNanos: UInt64
    private let capacity: Int
    private let now: MonotonicNanos

    /// A zero `ttl` or `capacity` disables the cache (every lookup misses).
    public init(ttl: Duration, capacity: Int = 10_000, now: @escaping MonotonicNanos = SystemClocks.monotonic) {
        ttlNanos = ttl.nanoseconds
        self.capacity = capacity
        self.now = now
    }

    public var isEnabled: Bool { ttlNanos > 0 && capacity > 0 }

    public func value(for key: Key) -> Value? {
        guard isEnabled else { return nil }
        let time = now()
        return state.withLock { state in
            guard let entry = state.entries[key] else { return nil }
            guard entry.expiresAt > time else {
                state.entries[key] = nil
                return nil
            }
            return entry.value
        }
    }

    public func store(_ value: Value, for key: Key) {
        guard isEnabled else { return }
        let time = now()
        state.withLock { state in
            if state.entries[key] == nil {
                while state.entries.count >= capacity, Self.evictOldest(&state, now: time) {}
            }
            let generation = state.nextGeneration
            state.nextGeneration += 1
            state.entries[key] = Entry(value: value, expiresAt: time + ttlNanos, generation: generation)
            state.order.append((key, generation))
        }
    }

    /// Forgets every answer of a user (DELETE /users/{id}).
    public func removeAll(userID: String) {
        state.withLock { state in
            state.entries = state.entries.filter { $0.key.userID != userID }
        }
    }

    public var count: Int { state.withLock { $0.entries.count } }

    /// Drops one live entry, oldest first; false when the queue is exhausted.
    private static func evictOldest(_ state: inout State, now: UInt64) -> Bool {
        while state.orderHead < state.order.count {
            let (key, generation) = state.order[state.orderHead]
            state.orderHead += 1
            if let entry = state.entries[key], entry.generation == generation {
                state.entries[key] = nil
                compact(&state)
                return true
            }
        }
        compact(&state)
        return false
    }

    /// Keeps the queue from growing without bound once its head has advanced far.
    private static func compact(_ state: inout State) {
        guard state.orderHead > 1024, state.orderHead * 2 > state.order.count else { return }
        state.order.removeFirst(state.orderHead)
        state.orderHead = 0
    }
}
