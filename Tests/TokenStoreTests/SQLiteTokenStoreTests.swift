import Crypto
import Testing
@testable import TokenStore

struct SQLiteTokenStoreTests {
    let directory = TemporaryDirectory()
    var path: String { directory.file("gateway.sqlite") }

    func openStore(secret: GatewaySecret? = nil, clock: ManualClock? = nil) throws -> SQLiteTokenStore {
        let clock = clock ?? ManualClock()
        return try SQLiteTokenStore(path: path, secret: secret ?? Fixtures.secret(), now: { clock.now() })
    }

    @Test func savedTokensRoundTripAndUpsertKeepsCreatedAt() async throws {
        let store = try openStore()
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

    enum UnusualText: String, CaseIterable {
        case empty, unicode, long, embeddedNUL

        var text: String {
            switch self {
            case .empty: ""
            case .unicode: "é∂ unicode token ✓"
            case .long: String(repeating: "x", count: 10_000)
            case .embeddedNUL: "nul\u{0}inside"
            }
        }
    }

    @Test(arguments: UnusualText.allCases)
    func unusualTokenTextRoundTrips(unusual: UnusualText) async throws {
        let text = unusual.text
        let store = try openStore()
        var tokens = Fixtures.tokens(user: unusual.rawValue, access: text, refresh: text + "r")
        tokens.tokenSecret = text
        try await store.save(tokens)
        #expect(try await store.tokens(for: tokens.userID) == tokens)
    }

    @Test func databaseFilesNeverHoldATokenOrKeySecretInPlainText() async throws {
        let store = try openStore()
        var secrets: [String] = []
        for index in 0..<20 {
            var tokens = Fixtures.tokens(user: "user\(index)")
            tokens.tokenSecret = "tsecret-\(Fixtures.randomHex())"
            try await store.save(tokens)
            secrets += [tokens.accessToken, tokens.refreshToken, tokens.tokenSecret ?? ""]
        }
        for index in 0..<5 { secrets.append(try await store.createKey(name: "key \(index)", userID: nil).secret) }

        func assertNoSecretInFiles(_ moment: Comment) {
            let files = [path, path + "-wal", path + "-shm"].map(readFileBytes)
            #expect(files.reduce(0) { $0 + $1.count } > 0)
            for secret in secrets {
                // The distinctive random part of each secret (hex or base64url).
                let needle = Array(secret.utf8.suffix(24))
                #expect(!files.contains { $0.contains(bytes: needle) }, moment)
            }
        }
        assertNoSecretInFiles("while open (data in the WAL)")
        // Control: the same scan finds data that is stored in clear.
        let userIDNeedle = Array("user19".utf8)
        #expect([path, path + "-wal"].map(readFileBytes).contains { $0.contains(bytes: userIDNeedle) })
        await store.shutdown()
        assertNoSecretInFiles("after close (WAL checkpointed into the main file)")
    }

    @Test func aDifferentSecretIsRefusedAtOpenWithAClearError() async throws {
        let store = try openStore()
        try await store.save(Fixtures.tokens(user: "1"))
        await store.shutdown()
        do {
            _ = try openStore(secret: Fixtures.otherSecret())
            Issue.record("opened with the wrong secret")
        } catch let error as TokenStoreError {
            #expect(error == .wrongSecret)
            #expect(error.description.contains("GATEWAY_SECRET"))
            #expect(!error.description.contains(Fixtures.secretHex.prefix(10)))
        }
        // The right secret still works afterwards.
        #expect(try await openStore().tokens(for: "1") != nil)
    }

    @Test func aSealedRowMovedToAnotherUserFailsToDecrypt() async throws {
        let store = try openStore()
        let victim = Fixtures.tokens(user: "victim")
        try await store.save(victim)
        try await store.save(Fixtures.tokens(user: "attacker"))
        try await store.withConnection { connection throws(TokenStoreError) in
            _ = try connection.run(
                "UPDATE users SET sealed_tokens = (SELECT sealed_tokens FROM users WHERE user_id = 'victim') WHERE user_id = 'attacker'")
        }
        await #expect(throws: TokenStoreError.undecryptable(userID: "attacker")) { try await store.tokens(for: "attacker") }
        do {
            _ = try await store.tokens(for: "attacker")
        } catch {
            #expect(!"\(error)".contains(victim.accessToken))
            #expect("\(error)".contains("attacker"))
        }
        #expect(try await store.tokens(for: "victim") == victim)
    }

    @Test func filesAreCreatedOwnerOnly() async throws {
        let store = try openStore()
        try await store.save(Fixtures.tokens(user: "1"))
        _ = try await store.createKey(name: "k", userID: nil)
        for file in [path, path + "-wal", path + "-shm"] {
            #expect(fileMode(file) == 0o600, "\(file.split(separator: "/").last ?? "")")
        }
    }

    @Test func twoStoresOnOneFileSeeEachOthersWrites() async throws {
        let server = try openStore()
        let cli = try openStore()
        try await server.save(Fixtures.tokens(user: "42"))
        #expect(try await cli.tokens(for: "42") != nil)
        #expect(try await cli.users().map(\.userID) == ["42"])

        let (key, secret) = try await cli.createKey(name: "from the CLI", userID: "42")
        #expect(try await server.authenticate(secret)?.id == key.id)
        #expect(try await server.revokeKey(id: key.id))
        #expect(try await cli.authenticate(secret) == nil)

        #expect(try await cli.forget("42"))
        #expect(try await server.tokens(for: "42") == nil)
    }

    @Test func concurrentWritersInTwoStoresAllCommit() async throws {
        let first = try openStore()
        let second = try openStore()
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

    @Test func usersListsStatesWithoutTokensAndMarkingChangesState() async throws {
        let clock = ManualClock()
        let store = try openStore(clock: clock)
        try await store.save(Fixtures.tokens(user: "b"))
        try await store.save(Fixtures.tokens(user: "a"))
        clock.advance(by: 60)
        try await store.markReauthorizationRequired("b")
        try await store.markReauthorizationRequired("never-connected")  // no-op, no error
        let users = try await store.users()
        #expect(users == [
            UserSummary(userID: "a", state: .active, updatedAt: 1_700_000_000),
            UserSummary(userID: "b", state: .reauthorizationRequired, updatedAt: clock.now()),
        ])
        #expect(try await store.tokens(for: "b")?.state == .reauthorizationRequired)
    }

    @Test func forgetDeletesTokensAndRevokesOnlyThatUsersKeys() async throws {
        let store = try openStore()
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
        let store = try openStore(clock: clock)
        let (key, secret) = try await store.createKey(name: "dashboard", userID: "363")
        #expect(secret.hasPrefix("wgk_\(key.id)_"))
        #expect(key == APIKey(id: key.id, name: "dashboard", userID: "363", createdAt: clock.now(), revokedAt: nil))
        #expect(try await store.authenticate(secret) == key)
        #expect(try await store.keys() == [key])

        clock.advance(by: 5)
        #expect(try await store.revokeKey(id: key.id))
        #expect(try await store.authenticate(secret) == nil)
        #expect(try await store.revokeKey(id: key.id) == false)
        #expect(try await store.revokeKey(id: "0000000000000000") == false)
        #expect(try await store.keys().first?.revokedAt == clock.now())
    }

    @Test func hostileOrForgedKeySecretsAreRejected() async throws {
        let store = try openStore()
        let (key, secret) = try await store.createKey(name: "k", userID: nil)
        var lastChanged = Array(secret.utf8)
        lastChanged[lastChanged.count - 1] = lastChanged.last == UInt8(ascii: "A") ? UInt8(ascii: "B") : UInt8(ascii: "A")
        let random = String(secret.suffix(43))
        var forgeries: [String] = ["", "wgk_", "wgk_\(key.id)_", secret + "x", String(secret.dropLast())]
        forgeries.append(secret.uppercased())
        forgeries.append(String(decoding: lastChanged, as: UTF8.self))
        forgeries.append("wgk_" + key.id.uppercased() + "_" + random)
        forgeries.append("wgk_" + key.id + "_" + String(repeating: "=", count: 43))
        forgeries.append("wgk_" + key.id + "_" + String(random.dropLast()) + "\u{0}")
        forgeries.append("Bearer " + secret)
        forgeries.append(" " + secret)
        forgeries.append("wgk_' OR 1=1 --_" + random)
        forgeries.append(String(repeating: "w", count: 100_000))
        for forgery in forgeries {
            #expect(try await store.authenticate(forgery) == nil, "\(forgery.prefix(30))")
        }
        #expect(try await store.authenticate(secret)?.id == key.id)
    }

    @Test func refreshLeaseIsExclusiveUntilReleasedOrExpired() async throws {
        let clock = ManualClock()
        let processA = try openStore(clock: clock)
        let processB = try openStore(clock: clock)

        #expect(try await processA.acquireRefreshLease(userID: "u", owner: "A", ttl: 30))
        #expect(try await processB.acquireRefreshLease(userID: "u", owner: "B", ttl: 30) == false)
        #expect(try await processB.acquireRefreshLease(userID: "other-user", owner: "B", ttl: 30))
        // The holder may extend its own lease.
        clock.advance(by: 20)
        #expect(try await processA.acquireRefreshLease(userID: "u", owner: "A", ttl: 30))
        clock.advance(by: 20)
        #expect(try await processB.acquireRefreshLease(userID: "u", owner: "B", ttl: 30) == false)

        // Releasing someone else's lease does nothing.
        try await processB.releaseRefreshLease(userID: "u", owner: "B")
        #expect(try await processB.acquireRefreshLease(userID: "u", owner: "B", ttl: 30) == false)

        try await processA.releaseRefreshLease(userID: "u", owner: "A")
        #expect(try await processB.acquireRefreshLease(userID: "u", owner: "B", ttl: 30))

        // A holder that dies without releasing loses the lease at expiry.
        clock.advance(by: 29)
        #expect(try await processA.acquireRefreshLease(userID: "u", owner: "A", ttl: 30) == false)
        clock.advance(by: 1)
        #expect(try await processA.acquireRefreshLease(userID: "u", owner: "A", ttl: 30))
    }

    @Test func concurrentLeaseAttemptsHaveExactlyOneWinner() async throws {
        let stores = try (0..<3).map { _ in try openStore() }
        let winners = try await withThrowingTaskGroup(of: Bool.self) { group in
            for index in 0..<30 {
                let store = stores[index % stores.count]
                group.addTask { try await store.acquireRefreshLease(userID: "u", owner: "owner\(index)", ttl: 60) }
            }
            return try await group.reduce(0) { $0 + ($1 ? 1 : 0) }
        }
        #expect(winners == 1)
    }

    @Test func schemaIsVersionedAndANewerSchemaIsRefused() async throws {
        let store = try openStore()
        try await store.checkHealth()
        let version = try await store.withConnection { connection throws(TokenStoreError) in
            try connection.query("SELECT version FROM schema_version") { $0.integer(0) }
        }
        #expect(version == [Int64(SQLiteSchema.latestVersion)])
        // Reopening an up-to-date file migrates nothing and keeps data.
        try await store.save(Fixtures.tokens(user: "kept"))
        #expect(try await openStore().tokens(for: "kept") != nil)

        try await store.withConnection { connection throws(TokenStoreError) in
            _ = try connection.run("UPDATE schema_version SET version = 999")
        }
        #expect(throws: TokenStoreError.schemaTooNew(found: 999, supported: SQLiteSchema.latestVersion)) {
            _ = try openStore()
        }
    }

    @Test func connectionUsesWALFullSyncAndABusyTimeout() async throws {
        let store = try openStore()
        let settings = try await store.withConnection { connection throws(TokenStoreError) in
            [
                try connection.query("PRAGMA journal_mode") { $0.text(0) }.first ?? "",
                try connection.query("PRAGMA synchronous") { String($0.integer(0)) }.first ?? "",
                try connection.query("PRAGMA busy_timeout") { String($0.integer(0)) }.first ?? "",
            ]
        }
        #expect(settings == ["wal", "2", "5000"])  // synchronous 2 = FULL
    }

    @Test func aShutDownStoreThrowsClosed() async throws {
        let store = try openStore()
        await store.shutdown()
        await #expect(throws: TokenStoreError.closed) { try await store.tokens(for: "1") }
        await #expect(throws: TokenStoreError.closed) { try await store.checkHealth() }
        await store.shutdown()  // idempotent
    }

    @Test func anUnwritableLocationFailsWithTheFileInTheMessage() throws {
        let missing = directory.file("no-such-directory/gateway.sqlite")
        do {
            _ = try SQLiteTokenStore(path: missing, secret: Fixtures.secret())
            Issue.record("opened a database in a missing directory")
        } catch {
            #expect("\(error)".contains("no-such-directory"))
        }
    }
}
