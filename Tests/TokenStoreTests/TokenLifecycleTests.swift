import Crypto
import Synchronization
import Testing
import TokenStore

struct TokenLifecycleTests {
    let directory = TemporaryDirectory()
    let clock = ManualClock()
    let user = "363"
    let initialRefresh = "refresh-0-initial"
    let initialAccess = "access-0-initial"

    func openStore() throws -> SQLiteTokenStore {
        let clock = self.clock
        return try SQLiteTokenStore(path: directory.file("gateway.sqlite"), secret: Fixtures.secret(), now: { clock.now() })
    }

    /// Stored tokens issued 3 h ago with `remaining` seconds left.
    func storeTokens(in store: any TokenStore, remaining: Int64) async throws -> UserTokens {
        let now = clock.now()
        let tokens = UserTokens(userID: user, accessToken: initialAccess, refreshToken: initialRefresh,
                                expiresAt: now + remaining, scope: "user.metrics",
                                createdAt: now + remaining - 10800, updatedAt: now + remaining - 10800)
        try await store.save(tokens)
        return tokens
    }

    func lifecycle(_ store: any TokenStore, _ withings: FakeWithings, leaseWait: Duration = .seconds(10),
                   logger: LogRecorder? = nil) -> TokenLifecycle {
        let clock = self.clock
        if let logger {
            return TokenLifecycle(store: store, refreshMargin: 300, now: { clock.now() }, leaseTTL: 60,
                                  leaseWait: leaseWait, leasePollInterval: .milliseconds(5), logger: logger.logger) {
                token async throws(RefreshFailure) in try await withings.refresh(token)
            }
        }
        return TokenLifecycle(store: store, refreshMargin: 300, now: { clock.now() }, leaseTTL: 60,
                              leaseWait: leaseWait, leasePollInterval: .milliseconds(5)) {
            token async throws(RefreshFailure) in try await withings.refresh(token)
        }
    }

    @Test(arguments: [
        (remaining: Int64(10800), refreshes: false),
        (remaining: 301, refreshes: false),
        (remaining: 300, refreshes: false),
        (remaining: 299, refreshes: true),
        (remaining: 1, refreshes: true),
        (remaining: 0, refreshes: true),
        (remaining: -3600, refreshes: true),
    ])
    func refreshesOnlyWhenLessThanTheMarginRemains(remaining: Int64, refreshes: Bool) async throws {
        let store = try openStore()
        _ = try await storeTokens(in: store, remaining: remaining)
        let withings = FakeWithings(liveRefreshToken: initialRefresh)
        let token = try await lifecycle(store, withings).accessToken(for: user)
        #expect((token != initialAccess) == refreshes)
        #expect(withings.counters.calls == (refreshes ? 1 : 0))
        let stored = try #require(try await store.tokens(for: user))
        #expect(stored.accessToken == token)
        if refreshes {
            #expect(stored.expiresAt == clock.now() + 10800)
            #expect(stored.refreshToken != initialRefresh)
            #expect(stored.updatedAt == clock.now())
        }
    }

    @Test func aShortLivedTokenIsNotRefreshedBeforeHalfItsLifetime() async throws {
        let store = try openStore()
        let now = clock.now()
        try await store.save(UserTokens(userID: user, accessToken: initialAccess, refreshToken: initialRefresh,
                                        expiresAt: now + 200, scope: "s", createdAt: now, updatedAt: now))
        let withings = FakeWithings(liveRefreshToken: initialRefresh)
        let tokens = lifecycle(store, withings)
        #expect(try await tokens.accessToken(for: user) == initialAccess)
        clock.advance(by: 101)
        #expect(try await tokens.accessToken(for: user) != initialAccess)
        #expect(withings.counters.calls == 1)
    }

    @Test func fiftyConcurrentCallersAtExpiryShareOneRefreshCommittedBeforeUse() async throws {
        let user = self.user
        let store = InstrumentedStore(try openStore())
        _ = try await storeTokens(in: store, remaining: 0)
        store.journal.withLock { $0.removeAll() }
        let withings = FakeWithings(liveRefreshToken: initialRefresh, delay: .milliseconds(50))
        let tokens = lifecycle(store, withings)

        let results = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<50 {
                group.addTask {
                    let token = try await tokens.accessToken(for: user)
                    // Every caller sees its token already committed.
                    store.journal.withLock { $0.append("used \(token)") }
                    return token
                }
            }
            return try await group.reduce(into: [String]()) { $0.append($1) }
        }
        #expect(withings.counters == .init(calls: 1, deadRefreshTokensPresented: 0))
        #expect(Set(results).count == 1)
        let token = try #require(results.first)
        #expect(token != initialAccess)
        let journal = store.journal.withLock { $0 }
        #expect(journal.first == "saved \(token)")
        #expect(journal.dropFirst().allSatisfy { $0 == "used \(token)" })
        #expect(try await store.tokens(for: user)?.accessToken == token)
    }

    @Test func twoProcessesOnOneDatabaseRefreshOnceBetweenThem() async throws {
        let user = self.user
        // Two stores and two lifecycles on one file, as a server and a second
        // replica would be: the lease, not the in-process flight, must serialize.
        let first = try openStore()
        let second = try openStore()
        _ = try await storeTokens(in: first, remaining: 0)
        let withings = FakeWithings(liveRefreshToken: initialRefresh, delay: .milliseconds(30))
        let processA = lifecycle(first, withings)
        let processB = lifecycle(second, withings)

        let results = try await withThrowingTaskGroup(of: String.self) { group in
            for index in 0..<40 {
                let tokens = index.isMultiple(of: 2) ? processA : processB
                group.addTask { try await tokens.accessToken(for: user) }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(withings.counters == .init(calls: 1, deadRefreshTokensPresented: 0))
        #expect(results.count == 1)
        #expect(try await second.tokens(for: user)?.accessToken == results.first)
    }

    @Test func aRefreshByAnotherProcessIsWaitedForAndReused() async throws {
        let user = self.user
        let store = try openStore()
        let other = try openStore()
        _ = try await storeTokens(in: store, remaining: 0)
        #expect(try await other.acquireRefreshLease(userID: user, owner: "other-process", ttl: 60))
        let withings = FakeWithings(liveRefreshToken: initialRefresh)
        let tokens = lifecycle(store, withings)

        let waiting = Task { try await tokens.accessToken(for: user) }
        try await Task.sleep(for: .milliseconds(40))
        // The other process finishes its refresh: commit, then release.
        var renewed = try #require(try await other.tokens(for: user))
        renewed.accessToken = "access-from-other-process"
        renewed.refreshToken = "refresh-from-other-process"
        renewed.expiresAt = clock.now() + 10800
        renewed.updatedAt = clock.now()
        try await other.save(renewed)
        try await other.releaseRefreshLease(userID: user, owner: "other-process")

        #expect(try await waiting.value == "access-from-other-process")
        #expect(withings.counters.calls == 0)
    }

    @Test func aLeaseLeftByACrashedProcessExpiresAndIsTakenOver() async throws {
        let user = self.user
        let store = try openStore()
        _ = try await storeTokens(in: store, remaining: 0)
        #expect(try await store.acquireRefreshLease(userID: user, owner: "crashed-process", ttl: 60))
        let withings = FakeWithings(liveRefreshToken: initialRefresh)
        let tokens = lifecycle(store, withings)

        let waiting = Task { try await tokens.accessToken(for: user) }
        try await Task.sleep(for: .milliseconds(30))
        #expect(withings.counters.calls == 0)
        clock.advance(by: 61)
        let token = try await waiting.value
        #expect(token != initialAccess)
        #expect(withings.counters == .init(calls: 1, deadRefreshTokensPresented: 0))
    }

    @Test func waitingTooLongForAnotherProcessIsTransientAndChangesNothing() async throws {
        let store = try openStore()
        let before = try await storeTokens(in: store, remaining: 0)
        #expect(try await store.acquireRefreshLease(userID: user, owner: "stuck-process", ttl: 60))
        let withings = FakeWithings(liveRefreshToken: initialRefresh)
        let tokens = lifecycle(store, withings, leaseWait: .milliseconds(50))
        await #expect(throws: TokenLifecycleError.transient("another gateway instance is refreshing this user's tokens")) {
            try await tokens.accessToken(for: user)
        }
        #expect(withings.counters.calls == 0)
        #expect(try await store.tokens(for: user) == before)
    }

    @Test func aRejectedRefreshMarksTheUserAndStopsFurtherRefreshes() async throws {
        let store = try openStore()
        let before = try await storeTokens(in: store, remaining: 0)
        let withings = FakeWithings(liveRefreshToken: initialRefresh)
        withings.script([.rejected("invalid refresh_token")])
        let tokens = lifecycle(store, withings)

        await #expect(throws: TokenLifecycleError.reauthorizationRequired) { try await tokens.accessToken(for: user) }
        var expected = before
        expected.state = .reauthorizationRequired
        expected.updatedAt = clock.now()
        #expect(try await store.tokens(for: user) == expected)  // marked, not deleted
        #expect(try await store.users().map(\.state) == [.reauthorizationRequired])

        await #expect(throws: TokenLifecycleError.reauthorizationRequired) { try await tokens.accessToken(for: user) }
        await #expect(throws: TokenLifecycleError.reauthorizationRequired) {
            try await tokens.refreshAfterRejection(userID: user, rejectedAccessToken: initialAccess)
        }
        #expect(withings.counters.calls == 1)
        // A lease is not left behind.
        #expect(try await store.acquireRefreshLease(userID: user, owner: "someone", ttl: 60))
    }

    @Test(arguments: [
        (RefreshFailure.transient("HTTP 502"), TokenLifecycleError.transient("HTTP 502")),
        (.transient("non-JSON answer"), .transient("non-JSON answer")),
        (.timeout, .timeout),
        (.rateLimited(30), .rateLimited(30)),
        (.rateLimited(nil), .rateLimited(nil)),
    ])
    func transientFailuresChangeNothingStored(failure: RefreshFailure, expected: TokenLifecycleError) async throws {
        let store = try openStore()
        let before = try await storeTokens(in: store, remaining: 10)
        let withings = FakeWithings(liveRefreshToken: initialRefresh)
        withings.script([failure])
        let tokens = lifecycle(store, withings)

        await #expect(throws: expected) { try await tokens.accessToken(for: user) }
        #expect(try await store.tokens(for: user) == before)
        // The next call retries with the same, still valid, refresh token.
        #expect(try await tokens.accessToken(for: user) != initialAccess)
        #expect(withings.counters == .init(calls: 2, deadRefreshTokensPresented: 0))
    }

    @Test func aRefreshWhoseSaveFailsLeavesTheOldPairAndNeverHandsOutTheNewToken() async throws {
        // Like a crash between the upstream answer and the commit.
        let store = InstrumentedStore(try openStore())
        let before = try await storeTokens(in: store, remaining: 0)
        store.journal.withLock { $0.removeAll() }
        let withings = FakeWithings(liveRefreshToken: initialRefresh)
        let tokens = lifecycle(store, withings)

        store.failSaves(true)
        await #expect(throws: TokenLifecycleError.transient("could not store the refreshed tokens")) {
            try await tokens.accessToken(for: user)
        }
        #expect(try await store.tokens(for: user) == before)
        #expect(store.journal.withLock { $0 }.isEmpty)

        // The lease was released: the next attempt refreshes at once.
        // Withings keeps the old refresh token alive while the new access
        // token is unused (as it was here), which this fresh fake models.
        store.failSaves(false)
        let withingsLater = FakeWithings(liveRefreshToken: initialRefresh)
        let token = try await lifecycle(store, withingsLater).accessToken(for: user)
        #expect(try await store.tokens(for: user)?.accessToken == token)
        #expect(withingsLater.counters == .init(calls: 1, deadRefreshTokensPresented: 0))
    }

    @Test func refreshAfterRejectionSkipsTheRefreshWhenSomeoneAlreadyReplacedTheToken() async throws {
        let user = self.user
        let initialAccess = self.initialAccess
        let store = try openStore()
        _ = try await storeTokens(in: store, remaining: 7200)
        let withings = FakeWithings(liveRefreshToken: initialRefresh)
        let tokens = lifecycle(store, withings)

        // Withings rejects a token that is no longer the stored one: use the stored one.
        #expect(try await tokens.refreshAfterRejection(userID: user, rejectedAccessToken: "an-older-token") == initialAccess)
        #expect(withings.counters.calls == 0)

        // Ten requests rejected with the current token: one refresh between them.
        let results = try await withThrowingTaskGroup(of: String.self) { group in
            for _ in 0..<10 {
                group.addTask { try await tokens.refreshAfterRejection(userID: user, rejectedAccessToken: initialAccess) }
            }
            return try await group.reduce(into: Set<String>()) { $0.insert($1) }
        }
        #expect(results.count == 1)
        #expect(results.first != initialAccess)
        #expect(withings.counters == .init(calls: 1, deadRefreshTokensPresented: 0))
        #expect(try await store.tokens(for: user)?.accessToken == results.first)
    }

    @Test func unknownAndForgottenUsersAreNotConnected() async throws {
        let store = try openStore()
        _ = try await storeTokens(in: store, remaining: 0)
        let withings = FakeWithings(liveRefreshToken: initialRefresh)
        let tokens = lifecycle(store, withings)
        await #expect(throws: TokenLifecycleError.notConnected) { try await tokens.accessToken(for: "nobody") }
        #expect(try await store.forget(user))
        await #expect(throws: TokenLifecycleError.notConnected) { try await tokens.accessToken(for: user) }
        await #expect(throws: TokenLifecycleError.notConnected) {
            try await tokens.refreshAfterRejection(userID: user, rejectedAccessToken: initialAccess)
        }
        #expect(withings.counters.calls == 0)
    }

    @Test func logLinesNameTheUserAndEventButNeverAToken() async throws {
        let store = try openStore()
        _ = try await storeTokens(in: store, remaining: 0)
        let withings = FakeWithings(liveRefreshToken: initialRefresh)
        let recorder = LogRecorder()
        let tokens = lifecycle(store, withings, logger: recorder)

        let refreshed = try await tokens.accessToken(for: user)
        let newRefresh = try #require(try await store.tokens(for: user)?.refreshToken)
        withings.script([.transient("HTTP 500")])
        clock.advance(by: 10800)
        await #expect(throws: TokenLifecycleError.self) { try await tokens.accessToken(for: user) }
        withings.script([.rejected("invalid refresh_token")])
        await #expect(throws: TokenLifecycleError.reauthorizationRequired) { try await tokens.accessToken(for: user) }

        let lines = recorder.lines.withLock { $0 }
        for event in ["token.refresh.start", "token.refresh.done", "token.refresh.transient", "token.refresh.rejected"] {
            #expect(lines.contains { $0.contains("event=\(event)") && $0.contains("user.id=\(user)") }, "\(event)")
        }
        for secret in [initialAccess, initialRefresh, refreshed, newRefresh] {
            #expect(!lines.contains { $0.contains(secret) })
        }
    }

    @Test func aRejectedOAuth1TokenCannotBeRefreshedAndMarksTheUser() async throws {
        let store = try openStore()
        let now = clock.now()
        // OAuth 1.0a tokens do not expire and have no refresh token.
        try await store.save(UserTokens(userID: user, accessToken: "oauth1-token", refreshToken: "",
                                        tokenSecret: "oauth1-secret", expiresAt: Int64.max, scope: "",
                                        createdAt: now, updatedAt: now))
        let withings = FakeWithings(liveRefreshToken: initialRefresh)
        let tokens = lifecycle(store, withings)
        #expect(try await tokens.accessToken(for: user) == "oauth1-token")
        await #expect(throws: TokenLifecycleError.reauthorizationRequired) {
            try await tokens.refreshAfterRejection(userID: user, rejectedAccessToken: "oauth1-token")
        }
        #expect(try await store.tokens(for: user)?.state == .reauthorizationRequired)
        #expect(withings.counters.calls == 0)
    }

    @Test func anUnavailableStoreIsATransientError() async throws {
        let store = try openStore()
        _ = try await storeTokens(in: store, remaining: 0)
        let withings = FakeWithings(liveRefreshToken: initialRefresh)
        let tokens = lifecycle(store, withings)
        await store.shutdown()
        await #expect(throws: TokenLifecycleError.transient("token store: closed")) {
            try await tokens.accessToken(for: user)
        }
        #expect(withings.counters.calls == 0)
    }
}
