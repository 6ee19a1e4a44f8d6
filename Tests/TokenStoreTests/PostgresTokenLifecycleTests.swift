import Testing
@testable import TokenStore

/// Refresh safety across replicas sharing one PostgreSQL database: each
/// replica has its own store (own connections) and its own lifecycle, so
/// only the database lease can keep them from refreshing twice.
@Suite(.enabled(if: PostgresTestDatabase.isAvailable, PostgresTestDatabase.skipReason))
struct PostgresTokenLifecycleTests {
    let schema: PostgresTestSchema
    let clock = ManualClock()
    let user = "363"
    let initialRefresh = "refresh-0-initial"

    init() throws { schema = try PostgresTestSchema() }

    func lifecycle(_ store: any TokenStore, _ withings: FakeWithings) -> TokenLifecycle {
        let clock = self.clock
        return TokenLifecycle(store: store, refreshMargin: 300, now: { clock.now() }, leaseTTL: 60,
                              leaseWait: .seconds(20), leasePollInterval: .milliseconds(5)) {
            token async throws(RefreshFailure) in try await withings.refresh(token)
        }
    }

    func storeExpiredTokens(in store: any TokenStore) async throws {
        let now = clock.now()
        try await store.save(UserTokens(userID: user, accessToken: "access-0-initial", refreshToken: initialRefresh,
                                        expiresAt: now, scope: "user.metrics", createdAt: now - 10800,
                                        updatedAt: now - 10800))
    }

    @Test func twoReplicasAtExpiryRefreshExactlyOnceBetweenThem() async throws {
        let user = self.user
        let replicaA = try schema.openStore(clock: clock)
        let replicaB = try schema.openStore(clock: clock)
        try await storeExpiredTokens(in: replicaA)
        let withings = FakeWithings(liveRefreshToken: initialRefresh, delay: .milliseconds(30))
        let lifecycles = [lifecycle(replicaA, withings), lifecycle(replicaB, withings)]

        let results = try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<40 {
                let tokens = lifecycles[index % 2]
                group.addTask { try await tokens.accessToken(for: user) }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(withings.counters == .init(calls: 1, deadRefreshTokensPresented: 0))
        #expect(results.count == 1)
        #expect(try await replicaB.tokens(for: user)?.accessToken == results.first)
        #expect(try await replicaA.tokens(for: user)?.refreshToken != initialRefresh)
    }

    @Test func aLeaseLeftByACrashedReplicaExpiresAndIsTakenOver() async throws {
        let user = self.user
        let crashed = try schema.openStore(clock: clock)
        let survivor = try schema.openStore(clock: clock)
        try await storeExpiredTokens(in: survivor)
        #expect(try await crashed.acquireRefreshLease(userID: user, owner: "crashed-replica", ttl: 60))
        await crashed.shutdown()
        let withings = FakeWithings(liveRefreshToken: initialRefresh)
        let tokens = lifecycle(survivor, withings)

        let waiting = Task { try await tokens.accessToken(for: user) }
        try await Task.sleep(for: .milliseconds(30))
        #expect(withings.counters.calls == 0)
        clock.advance(by: 61)
        let token = try await waiting.value
        #expect(try await survivor.tokens(for: user)?.accessToken == token)
        #expect(withings.counters == .init(calls: 1, deadRefreshTokensPresented: 0))
    }
}
