import Crypto
import Glibc
import Synchronization
import Testing
@testable import TokenStore

/// The SQLite store's behaviours, against PostgreSQL, plus what only a
/// shared server brings: several replicas starting and racing at once, and
/// connections that break.
@Suite(.enabled(if: PostgresTestDatabase.isAvailable, PostgresTestDatabase.skipReason))
struct PostgresTokenStoreTests {
    let schema: PostgresTestSchema

    init() throws { schema = try PostgresTestSchema() }

    @Test func savedTokensRoundTripAndUpsertKeepsCreatedAt() async throws {
        let store = try schema.openStore()
        #expect(try await store.tokens(for: "363") == nil)

        let first = Fixtures.tokens(user: "363")
        try await store.save(first)
        #expect(try await store.tokens(for: "363") == first)

        var second = Fixtures.tokens(user: "363", expiresAt: 1_700_020_000, now: 1_700_009_000)
        second.tokenSecret = "oauth1-token-secret"
        second.scope = "user.metrics"
        try await store.save(second)
        var expected = second
        expected.createdAt = first.createdAt  // an upsert keeps the original creation time
        #expect(try await store.tokens(for: "363") == expected)
    }

    @Test(arguments: SQLiteTokenStoreTests.UnusualText.allCases)
    func unusualTokenTextRoundTrips(unusual: SQLiteTokenStoreTests.UnusualText) async throws {
        let text = unusual.text
        let store = try schema.openStore()
        var tokens = Fixtures.tokens(user: unusual.rawValue, access: text, refresh: text + "r")
        tokens.tokenSecret = text
        try await store.save(tokens)
        #expect(try await store.tokens(for: tokens.userID) == tokens)
    }

    @Test func aUserIDWithANULIsRefusedNotTruncated() async throws {
        let store = try schema.openStore()
        await #expect(throws: TokenStoreError.self) { try await store.save(Fixtures.tokens(user: "ab\u{0}cd")) }
        #expect(try await store.users().isEmpty)
        #expect(try await store.tokens(for: "ab") == nil)
    }

    @Test func tablesNeverHoldATokenOrKeySecretInPlainText() async throws {
        let store = try schema.openStore()
        var secrets: [String] = []
        for index in 0..<20 {
            var tokens = Fixtures.tokens(user: "user\(index)")
            tokens.tokenSecret = "tsecret-\(Fixtures.randomHex())"
            try await store.save(tokens)
            secrets += [tokens.accessToken, tokens.refreshToken, tokens.tokenSecret ?? ""]
        }
        for index in 0..<5 { secrets.append(try await store.createKey(name: "key \(index)", userID: nil).secret) }

        // Every row of every table, raw: the sealed column as stored bytes,
        // and each whole row in PostgreSQL's text form.
        let dumps = try await store.withConnection { connection throws(TokenStoreError) in
            var dumps = try connection.query("SELECT sealed_tokens FROM users") { $0.bytes(0) }
            for table in ["users", "api_keys", "meta", "refresh_leases", "schema_version"] {
                dumps += try connection.query("SELECT t::text FROM \(table) t") { $0.bytes(0) }
            }
            return dumps
        }
        // 20 sealed columns, then the rows of users, api_keys, meta and schema_version.
        let expectedRows = 20 + 20 + 5 + 1 + 1
        #expect(dumps.count == expectedRows)
        let everything = dumps.reduce(into: [UInt8]()) { $0 += $1 }
        for secret in secrets {
            // The distinctive random part of each secret (hex or base64url).
            #expect(!everything.contains(bytes: Array(secret.utf8.suffix(24))))
        }
        // Control: the same scan finds data that is stored in clear.
        #expect(everything.contains(bytes: Array("user19".utf8)))
    }

    @Test func aDifferentSecretIsRefusedAtOpenWithAClearError() async throws {
        let store = try schema.openStore()
        try await store.save(Fixtures.tokens(user: "1"))
        await store.shutdown()
        do {
            _ = try schema.openStore(secret: Fixtures.otherSecret())
            Issue.record("opened with the wrong secret")
        } catch let error as TokenStoreError {
            #expect(error == .wrongSecret)
            #expect(error.description.contains("GATEWAY_SECRET"))
        }
        #expect(try await schema.openStore().tokens(for: "1") != nil)
    }

    @Test func aSealedRowMovedToAnotherUserFailsToDecrypt() async throws {
        let store = try schema.openStore()
        let victim = Fixtures.tokens(user: "victim")
        try await store.save(victim)
        try await store.save(Fixtures.tokens(user: "attacker"))
        try await store.withConnection { connection throws(TokenStoreError) in
            _ = try connection.run(
                "UPDATE users SET sealed_tokens = (SELECT sealed_tokens FROM users WHERE user_id = 'victim') WHERE user_id = 'attacker'")
        }
        await #expect(throws: TokenStoreError.undecryptable(userID: "attacker")) { try await store.tokens(for: "attacker") }
        #expect(try await store.tokens(for: "victim") == victim)
    }

    @Test func twoReplicasSeeEachOthersWrites() async throws {
        let replicaA = try schema.openStore()
        let replicaB = try schema.openStore()
        try await replicaA.save(Fixtures.tokens(user: "42"))
        #expect(try await replicaB.tokens(for: "42") != nil)
        #expect(try await replicaB.users().map(\.userID) == ["42"])

        let (key, secret) = try await replicaB.createKey(name: "from B", userID: "42")
        #expect(try await replicaA.authenticate(secret)?.id == key.id)
        #expect(try await replicaA.revokeKey(id: key.id))
        #expect(try await replicaB.authenticate(secret) == nil)

        #expect(try await replicaB.forget("42"))
        #expect(try await replicaA.tokens(for: "42") == nil)
    }

    @Test func concurrentWritersInTwoReplicasAllCommit() async throws {
        let first = try schema.openStore()
        let second = try schema.openStore()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for index in 0..<40 {
                let store = index.isMultiple(of: 2) ? first : second
                group.addTask { try await store.save(Fixtures.tokens(user: "user\(index)")) }
                group.addTask { _ = try await store.createKey(name: "k\(index)", userID: nil) }
            }
            try await group.waitForAll()
        }
        #expect(try await first.users().count == 40)
        #expect(try await second.keys().count == 40)
    }

    @Test func usersListsStatesInByteOrderAndMarkingChangesState() async throws {
        let clock = ManualClock()
        let store = try schema.openStore(clock: clock)
        for user in ["b", "a", "B", "_x"] { try await store.save(Fixtures.tokens(user: user)) }
        clock.advance(by: 60)
        try await store.markReauthorizationRequired("b")
        try await store.markReauthorizationRequired("never-connected")  // no-op, no error
        let users = try await store.users()
        // Byte order, as SQLite lists them, whatever the database's collation.
        #expect(users.map(\.userID) == ["B", "_x", "a", "b"])
        #expect(users.last == UserSummary(userID: "b", state: .reauthorizationRequired, updatedAt: clock.now()))
        #expect(users.first == UserSummary(userID: "B", state: .active, updatedAt: 1_700_000_000))
        #expect(try await store.tokens(for: "b")?.state == .reauthorizationRequired)
    }

    @Test func forgetDeletesTokensAndRevokesOnlyThatUsersKeys() async throws {
        let store = try schema.openStore()
        try await store.save(Fixtures.tokens(user: "1"))
        try await store.save(Fixtures.tokens(user: "2"))
        let own = try await store.createKey(name: "user 1 app", userID: "1")
        let other = try await store.createKey(name: "user 2 app", userID: "2")
        let service = try await store.createKey(name: "backend", userID: nil)
        #expect(try await store.acquireRefreshLease(userID: "1", owner: "p1", ttl: 60))

        #expect(try await store.forget("1"))
        #expect(try await store.tokens(for: "1") == nil)
        #expect(try await store.authenticate(own.secret) == nil)
        #expect(try await store.authenticate(other.secret)?.id == other.key.id)
        #expect(try await store.authenticate(service.secret)?.id == service.key.id)
        #expect(try await store.keys().first { $0.id == own.key.id }?.revokedAt != nil)
        // The lease went with the user.
        #expect(try await store.acquireRefreshLease(userID: "1", owner: "p2", ttl: 60))
        #expect(try await store.forget("1") == false)
    }

    @Test func keysAuthenticateUntilRevoked() async throws {
        let clock = ManualClock()
        let store = try schema.openStore(clock: clock)
        let (key, secret) = try await store.createKey(name: "dashboard", userID: "363")
        #expect(secret.hasPrefix("wgk_\(key.id)_"))
        #expect(try await store.authenticate(secret) == key)
        #expect(try await store.keys() == [key])

        clock.advance(by: 5)
        #expect(try await store.revokeKey(id: key.id))
        #expect(try await store.authenticate(secret) == nil)
        #expect(try await store.revokeKey(id: key.id) == false)
        #expect(try await store.revokeKey(id: "0000000000000000") == false)
        #expect(try await store.revokeKey(id: "' OR '1'='1") == false)
        #expect(try await store.keys().first?.revokedAt == clock.now())
    }

    @Test func hostileOrForgedKeySecretsAreRejected() async throws {
        let store = try schema.openStore()
        let (key, secret) = try await store.createKey(name: "k", userID: nil)
        let random = String(secret.suffix(43))
        let forgeries: [String] = [
            "", "wgk_", "wgk_\(key.id)_", secret + "x", String(secret.dropLast()), secret.uppercased(),
            "wgk_" + key.id + "_" + String(repeating: "A", count: 43),
            "wgk_" + key.id.uppercased() + "_" + random,
            "wgk_' OR 1=1 --_" + random, "Bearer " + secret, String(repeating: "w", count: 100_000),
        ]
        for forgery in forgeries {
            #expect(try await store.authenticate(forgery) == nil, "\(forgery.prefix(30))")
        }
        #expect(try await store.authenticate(secret)?.id == key.id)
    }

    @Test func refreshLeaseIsExclusiveUntilReleasedOrExpired() async throws {
        let clock = ManualClock()
        let replicaA = try schema.openStore(clock: clock)
        let replicaB = try schema.openStore(clock: clock)

        #expect(try await replicaA.acquireRefreshLease(userID: "u", owner: "A", ttl: 30))
        #expect(try await replicaB.acquireRefreshLease(userID: "u", owner: "B", ttl: 30) == false)
        #expect(try await replicaB.acquireRefreshLease(userID: "other-user", owner: "B", ttl: 30))
        clock.advance(by: 20)
        #expect(try await replicaA.acquireRefreshLease(userID: "u", owner: "A", ttl: 30))  // extends
        clock.advance(by: 20)
        #expect(try await replicaB.acquireRefreshLease(userID: "u", owner: "B", ttl: 30) == false)

        try await replicaB.releaseRefreshLease(userID: "u", owner: "B")  // not B's: no effect
        #expect(try await replicaB.acquireRefreshLease(userID: "u", owner: "B", ttl: 30) == false)

        try await replicaA.releaseRefreshLease(userID: "u", owner: "A")
        #expect(try await replicaB.acquireRefreshLease(userID: "u", owner: "B", ttl: 30))

        // A holder that dies without releasing loses the lease at expiry.
        clock.advance(by: 29)
        #expect(try await replicaA.acquireRefreshLease(userID: "u", owner: "A", ttl: 30) == false)
        clock.advance(by: 1)
        #expect(try await replicaA.acquireRefreshLease(userID: "u", owner: "A", ttl: 30))
    }

    @Test func leasesExpireByTheDatabaseClockUnlessAClockIsInjected() async throws {
        // No clock injected: both replicas judge expiry by the server's time.
        let replicaA = try PostgresTokenStore(url: schema.url, secret: Fixtures.secret())
        let replicaB = try PostgresTokenStore(url: schema.url, secret: Fixtures.secret())
        #expect(try await replicaA.acquireRefreshLease(userID: "u", owner: "A", ttl: 3600))
        #expect(try await replicaB.acquireRefreshLease(userID: "u", owner: "B", ttl: 3600) == false)
        let remaining = try await replicaA.withConnection { connection throws(TokenStoreError) in
            try connection.query(
                "SELECT expires_at - extract(epoch FROM now())::bigint FROM refresh_leases WHERE user_id = 'u'"
            ) { row throws(TokenStoreError) in try row.integer(0) }
        }
        #expect(remaining.count == 1)
        // The database clock, not ours; the margin absorbs a slow, loaded machine.
        #expect((3300...3600).contains(remaining.first ?? 0))
        // A lease of no length is expired for the next statement already.
        #expect(try await replicaA.acquireRefreshLease(userID: "v", owner: "A", ttl: 0))
        #expect(try await replicaB.acquireRefreshLease(userID: "v", owner: "B", ttl: 3600))
        #expect(try await replicaA.acquireRefreshLease(userID: "v", owner: "A", ttl: 3600) == false)
    }

    @Test func thirtyConcurrentLeaseAttemptsAcrossTwoReplicasHaveExactlyOneWinner() async throws {
        let replicas = [try schema.openStore(connections: 3), try schema.openStore(connections: 3)]
        let winners = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<30 {
                let store = replicas[index % replicas.count]
                group.addTask { try await store.acquireRefreshLease(userID: "u", owner: "owner\(index)", ttl: 60) }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(winners == 1)
    }

    @Test func replicasStartingTogetherMigrateOnce() async throws {
        let schema = self.schema
        // Each opens on its own thread, so the starts really overlap.
        let stores = try await withThrowingTaskGroup(of: PostgresTokenStore.self) { group in
            for _ in 0..<6 { group.addTask { try await onOwnThread { try schema.openStore(connections: 1) } } }
            return try await group.reduce(into: [PostgresTokenStore]()) { $0.append($1) }
        }
        #expect(stores.count == 6)
        let versions = try await stores[0].withConnection { connection throws(TokenStoreError) in
            try connection.query("SELECT version FROM schema_version") { row throws(TokenStoreError) in try row.integer(0) }
        }
        #expect(versions == [Int64(PostgresSchema.latestVersion)])
        for store in stores { try await store.checkHealth() }
    }

    @Test func schemaIsVersionedAndANewerSchemaIsRefused() async throws {
        let store = try schema.openStore()
        try await store.checkHealth()
        try await store.save(Fixtures.tokens(user: "kept"))
        #expect(try await schema.openStore().tokens(for: "kept") != nil)

        try await store.withConnection { connection throws(TokenStoreError) in
            _ = try connection.run("UPDATE schema_version SET version = 999")
        }
        #expect(throws: TokenStoreError.schemaTooNew(found: 999, supported: PostgresSchema.latestVersion)) {
            _ = try schema.openStore()
        }
    }

    @Test func aShutDownStoreThrowsClosed() async throws {
        let store = try schema.openStore(connections: 3)
        try await store.save(Fixtures.tokens(user: "queued"))
        await store.shutdown()
        await #expect(throws: TokenStoreError.closed) { try await store.tokens(for: "1") }
        await #expect(throws: TokenStoreError.closed) { try await store.checkHealth() }
        await store.shutdown()  // idempotent
        #expect(try await schema.openStore().users().map(\.userID) == ["queued"])
    }

    @Test func jobsRunOnTheStoresOwnThreadsWithOneConnectionEach() async throws {
        let store = try schema.openStore(connections: 2)
        let callerThread = UInt(pthread_self())
        let seen = try await withThrowingTaskGroup(of: (UInt, Int64).self) { group in
            for _ in 0..<40 {
                group.addTask {
                    try await store.withConnection { connection throws(TokenStoreError) in
                        let pid = try connection.query("SELECT pg_backend_pid()") { row throws(TokenStoreError) in
                            try row.integer(0)
                        }
                        return (UInt(pthread_self()), pid.first ?? 0)
                    }
                }
            }
            return try await group.reduce(into: [UInt: Set<Int64>]()) { $0[$1.0, default: []].insert($1.1) }
        }
        #expect((1...2).contains(seen.count))
        #expect(seen[callerThread] == nil)
        #expect(seen.values.allSatisfy { $0.count == 1 })  // a thread keeps its connection
    }

    @Test func sessionsTerminatedWhileIdleAreReopenedTransparently() async throws {
        let store = try schema.openStore(connections: 1)
        let (key, secret) = try await store.createKey(name: "k", userID: nil)
        try await store.save(Fixtures.tokens(user: "1"))
        #expect(try await schema.terminateStoreSessions() == 1)
        // Writes that are not repeatable too: the dead session is noticed before use.
        #expect(try await store.revokeKey(id: key.id))
        #expect(try await store.authenticate(secret) == nil)
        #expect(try await store.tokens(for: "1") != nil)
    }

    @Test func aConnectionThatBreaksMidJobIsRetriedOnceForRepeatableJobsOnly() async throws {
        let store = try schema.openStore(connections: 1)
        let attempts = Mutex(0)
        // The job's own session dies under it, as on a server restart mid-query.
        let pid = try await store.withConnection(retry: .onceOnBrokenConnection) { connection throws(TokenStoreError) in
            let attempt = attempts.withLock { $0 += 1; return $0 }
            if attempt == 1 { _ = try connection.query("SELECT pg_terminate_backend(pg_backend_pid())") { _ in () } }
            return try connection.query("SELECT pg_backend_pid()") { row throws(TokenStoreError) in try row.integer(0) }
        }
        #expect(attempts.withLock { $0 } == 2)
        #expect(pid.count == 1)

        attempts.withLock { $0 = 0 }
        await #expect(throws: TokenStoreError.self) {
            try await store.withConnection { connection throws(TokenStoreError) in
                attempts.withLock { $0 += 1 }
                _ = try connection.query("SELECT pg_terminate_backend(pg_backend_pid())") { _ in () }
            }
        }
        #expect(attempts.withLock { $0 } == 1)
        try await store.checkHealth()  // and the next job gets a new session
    }

    @Test func aFailedStatementKeepsTheSessionAndItsPreparedStatements() async throws {
        let store = try schema.openStore(connections: 1)
        try await store.save(Fixtures.tokens(user: "1"))
        _ = try await store.tokens(for: "1")
        let before = try await store.withConnection { connection throws(TokenStoreError) in
            try connection.query("SELECT pg_backend_pid()") { row throws(TokenStoreError) in try row.integer(0) }
        }
        do {
            try await store.withConnection { connection throws(TokenStoreError) in
                _ = try connection.run("INSERT INTO meta (key, value) VALUES ($1, $2)",
                                       [.text("token_key_check"), .bytes(Array("do-not-quote-me".utf8))])
            }
            Issue.record("a duplicate key was inserted")
        } catch {
            #expect("\(error)".contains("23505"))  // unique_violation
            #expect(!"\(error)".contains("do-not-quote-me"))
        }
        let (after, prepared) = try await store.withConnection { connection throws(TokenStoreError) in
            (try connection.query("SELECT pg_backend_pid()") { row throws(TokenStoreError) in try row.integer(0) },
             try connection.query("SELECT statement FROM pg_prepared_statements") { $0.text(0) })
        }
        #expect(after == before)
        #expect(prepared.contains { $0.contains("FROM users WHERE user_id = $1") })
        #expect(try await store.tokens(for: "1") != nil)
    }

    @Test func aJobThatLeavesATransactionOpenLosesItsSessionAndItsWrites() async throws {
        let store = try schema.openStore(connections: 1)
        let before = try await store.withConnection { connection throws(TokenStoreError) in
            try connection.execute("BEGIN")
            _ = try connection.run("INSERT INTO meta (key, value) VALUES ($1, $2)", [.text("left-open"), .bytes([1])])
            return try connection.query("SELECT pg_backend_pid()") { row throws(TokenStoreError) in try row.integer(0) }
        }
        let (after, leftOpen) = try await store.withConnection { connection throws(TokenStoreError) in
            (try connection.query("SELECT pg_backend_pid()") { row throws(TokenStoreError) in try row.integer(0) },
             try connection.query("SELECT key FROM meta WHERE key = 'left-open'") { $0.text(0) })
        }
        #expect(after != before)
        #expect(leftOpen.isEmpty)
    }

    @Test(arguments: [
        // Server defaults the store strengthens...
        ([:], ["on", "10s", "1min"]),
        (["synchronous_commit": "off", "lock_timeout": "0"], ["on", "10s", "1min"]),
        // ...and stricter ones it keeps.
        (["synchronous_commit": "remote_apply", "lock_timeout": "2s", "idle_in_transaction_session_timeout": "5s"],
         ["remote_apply", "2s", "5s"]),
    ] as [([String: String], [String])])
    func sessionsCommitDurablyAndBoundTheirLockWaits(serverSettings: [String: String], expected: [String]) async throws {
        let url = schema.url(withServerSettings: serverSettings)
        let store = try PostgresTokenStore(url: url, secret: Fixtures.secret(), connections: 1)
        let settings = try await store.withConnection { connection throws(TokenStoreError) in
            try connection.query(
                """
                SELECT current_setting('synchronous_commit'), current_setting('lock_timeout'),
                    current_setting('idle_in_transaction_session_timeout')
                """
            ) { row in [row.text(0), row.text(1), row.text(2)] }
        }
        #expect(settings == [expected])
    }

    @Test(.enabled(if: PostgresTestDatabaseOfItsOwn.isPossible, "the test role may not create databases"))
    func aDatabaseThatGoesDownFailsJobsClearlyAndTheStoreRecoversWhenItIsBack() async throws {
        let database = try PostgresTestDatabaseOfItsOwn()
        let store = try PostgresTokenStore(url: database.url, secret: Fixtures.secret(), connections: 2)
        let tokens = Fixtures.tokens(user: "1")
        try await store.save(tokens)

        try await database.goDown()
        for _ in 0..<3 {
            do {
                _ = try await store.tokens(for: "1")
                Issue.record("read from a database that refuses connections")
            } catch {
                #expect("\(error)".contains("connect to postgres://"))
                #expect(!"\(error)".contains(try #require(PostgresURL(database.url)["password"])))
            }
        }
        await #expect(throws: TokenStoreError.self) { try await store.save(Fixtures.tokens(user: "2")) }

        try database.comeBack()
        // After a failed connect a session fails fast for a moment before it tries again.
        try await Task.sleep(for: PostgresSession.reconnectPause + .milliseconds(100))
        #expect(try await store.tokens(for: "1") == tokens)
        try await store.save(Fixtures.tokens(user: "2"))
        #expect(try await store.users().map(\.userID) == ["1", "2"])
        await store.shutdown()
    }

    @Test func aWrongPasswordFailsWithoutQuotingIt() throws {
        let base = try #require(PostgresTestDatabase.url)
        let parsed = try PostgresURL(base)
        let user = try #require(parsed["user"])
        let host = try #require(parsed["host"])
        let port = try #require(parsed["port"])
        let wrong = "Wr0ng-\(Fixtures.randomHex())"
        let url = "postgres://\(user):\(wrong)@\(host):\(port)/\(parsed["dbname"] ?? "")"
        do {
            _ = try PostgresTokenStore(url: url, secret: Fixtures.secret())
            Issue.record("connected with a wrong password")
        } catch {
            #expect(!"\(error)".contains(wrong))
            #expect("\(error)".contains(host))
        }
    }

    @Test func anUnreachableServerFailsAtOpenNamingTheAddress() throws {
        // Port 1 on loopback: nothing listens there, the connect is refused at once.
        do {
            _ = try PostgresTokenStore(url: "postgres://gw:secret-pass@127.0.0.1:1/gw", secret: Fixtures.secret())
            Issue.record("connected to nothing")
        } catch {
            #expect("\(error)".contains("127.0.0.1:1"))
            #expect(!"\(error)".contains("secret-pass"))
        }
    }
}
