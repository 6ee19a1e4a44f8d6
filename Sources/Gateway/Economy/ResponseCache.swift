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
/// `ttl`, bounded both in entries and in bytes (a page of every type can
/// weigh hundreds of kilobytes). When full, the oldest inserted entry goes
/// first; with one TTL for all, that is also the one closest to expiry. A
/// FIFO queue of (key, generation) makes eviction amortised O(1).
public final class ResponseCache<Value: Sendable>: Sendable {
    public typealias Key = CacheKey

    private struct Entry {
        var value: Value
        var cost: Int
        var expiresAt: UInt64
        var generation: UInt64
    }

    private struct State {
        var entries: [Key: Entry] = [:]
        var totalCost = 0
        /// Insertion order; items whose key was replaced or removed are skipped by generation.
        var order: [(key: Key, generation: UInt64)] = []
        var orderHead = 0
        var nextGeneration: UInt64 = 0
    }

    private let state = Mutex(State())
    private let ttlNanos: UInt64
    private let capacity: Int
    private let maxCost: Int
    private let cost: @Sendable (Value) -> Int
    private let now: MonotonicNanos

    /// - Parameters:
    ///   - capacity: most entries; zero disables the cache, as does a zero `ttl`.
    ///   - maxCost: most total cost (e.g. bytes) as measured by `cost`; a
    ///     single value costing more than a quarter of it is not cached.
    public init(ttl: Duration, capacity: Int = 10_000, maxCost: Int = .max,
                cost: @escaping @Sendable (Value) -> Int = { _ in 0 },
                now: @escaping MonotonicNanos = SystemClocks.monotonic) {
        ttlNanos = ttl.nanoseconds
        self.capacity = capacity
        self.maxCost = maxCost
        self.cost = cost
        self.now = now
    }

    public var isEnabled: Bool { ttlNanos > 0 && capacity > 0 }

    public func value(for key: Key) -> Value? {
        guard isEnabled else { return nil }
        let time = now()
        return state.withLock { state in
            guard let entry = state.entries[key] else { return nil }
            guard entry.expiresAt > time else {
                Self.remove(key, from: &state)
                return nil
            }
            return entry.value
        }
    }

    public func store(_ value: Value, for key: Key) {
        guard isEnabled else { return }
        let valueCost = max(0, cost(value))
        guard maxCost == .max || valueCost <= maxCost / 4 else { return }
        let time = now()
        state.withLock { state in
            Self.remove(key, from: &state)
            while state.entries.count >= capacity || state.totalCost > maxCost - valueCost,
                Self.evictOldest(&state) {}
            let generation = state.nextGeneration
            state.nextGeneration += 1
            state.entries[key] = Entry(value: value, cost: valueCost, expiresAt: time + ttlNanos, generation: generation)
            state.totalCost += valueCost
            state.order.append((key, generation))
            Self.compactIfBloated(&state, capacity: capacity)
        }
    }

    /// Forgets every answer of a user (DELETE /users/{id}, a new connection).
    public func removeAll(userID: String) {
        state.withLock { state in
            for key in state.entries.keys where key.userID == userID { Self.remove(key, from: &state) }
        }
    }

    public var count: Int { state.withLock { $0.entries.count } }
    public var totalCost: Int { state.withLock { $0.totalCost } }

    private static func remove(_ key: Key, from state: inout State) {
        if let old = state.entries.removeValue(forKey: key) { state.totalCost -= old.cost }
    }

    /// Drops one live entry, oldest first; false when there is none.
    private static func evictOldest(_ state: inout State) -> Bool {
        while state.orderHead < state.order.count {
            let (key, generation) = state.order[state.orderHead]
            state.orderHead += 1
            if let entry = state.entries[key], entry.generation == generation {
                remove(key, from: &state)
                return true
            }
        }
        return false
    }

    /// Keeps the queue proportional to the live entries: re-storing the same
    /// keys (every TTL) would otherwise grow it without bound.
    private static func compactIfBloated(_ state: inout State, capacity: Int) {
        let queued = state.order.count - state.orderHead
        guard queued > 2 * max(state.entries.count, 64) else { return }
        state.order = state.order[state.orderHead...].filter { state.entries[$0.key]?.generation == $0.generation }
        state.orderHead = 0
    }
}
