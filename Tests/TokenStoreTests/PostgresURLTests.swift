import Testing
@testable import TokenStore

/// GATEWAY_DATABASE parsing and store selection; no server needed.
struct PostgresURLTests {
    @Test(arguments: [
        ("postgres://gw:pa55@db.internal:5433/gateway",
         ["user": "gw", "password": "pa55", "host": "db.internal", "port": "5433", "dbname": "gateway"]),
        ("postgresql://gw@127.0.0.1/gateway", ["user": "gw", "host": "127.0.0.1", "dbname": "gateway"]),
        ("postgres://db", ["host": "db"]),
        ("postgres://u:p%40ss%3Aw%2Fo%25rd@[::1]:5432/g%20w",
         ["user": "u", "password": "p@ss:w/o%rd", "host": "::1", "port": "5432", "dbname": "g w"]),
        ("postgres://u:p:with:colons@h/db", ["user": "u", "password": "p:with:colons", "host": "h", "dbname": "db"]),
        ("postgres://u:a@b@h/db", ["user": "u", "password": "a@b", "host": "h", "dbname": "db"]),
        ("postgres://%2Fvar%2Frun%2Fpostgresql/db", ["host": "/var/run/postgresql", "dbname": "db"]),
        ("postgres://h/db?sslmode=require&connect_timeout=3&application_name=replica%201",
         ["host": "h", "dbname": "db", "sslmode": "require", "connect_timeout": "3", "application_name": "replica 1"]),
    ] as [(String, [String: String])])
    func validURLsBecomeLibpqKeywords(url: String, expected: [String: String]) throws {
        let parsed = try PostgresURL(url)
        for (keyword, value) in expected { #expect(parsed[keyword] == value, "\(keyword)") }
        let unexpected = Set(parsed.parameters.map(\.keyword)).subtracting(expected.keys)
            .subtracting(PostgresURL.defaults.map(\.keyword))
        #expect(unexpected.isEmpty)
        // Defaults unless the URL sets them.
        for (keyword, value) in PostgresURL.defaults {
            #expect(parsed[keyword] == (expected[keyword] ?? value), "\(keyword)")
        }
    }

    @Test(arguments: [
        "", "postgres:", "postgres:/host/db", "mysql://u:topsecret@h/db", "sqlite:gw.sqlite",
        "postgres://u:topsecret@/db", "postgres://u:topsecret@h:0/db", "postgres://u:topsecret@h:65536/db",
        "postgres://u:topsecret@h:54x/db", "postgres://u:topsecret@h:/db", "postgres://u:topsecret@[::1/db",
        "postgres://u:topsecret@[::1]x/db", "postgres://u:topsecret@h/db/extra",
        "postgres://u:top%zzsecret@h/db", "postgres://u:top%00secret@h/db", "postgres://u:top%FFsecret@h/db",
        "postgres://u:topsecret@h/db#frag", "postgres://u:topsecret@h/db?sslmode",
        "postgres://u:topsecret@h/db?password=other", "postgres://u:topsecret@h/db?dbname=x%20host%3Devil",
        "postgres://u:topsecret@h/db?Bad-Key=1", "postgres://u:topsecret@h/db?sslmode=a&sslmode=b",
    ])
    func malformedURLsAreRefusedWithoutQuotingThePassword(url: String) {
        do {
            _ = try PostgresURL(url)
            Issue.record("accepted \(url)")
        } catch {
            #expect(!"\(error)".contains("topsecret"))
            #expect("\(error)".contains("invalid database URL"))
        }
    }

    @Test func theRedactedDescriptionNeverShowsThePassword() throws {
        let parsed = try PostgresURL("postgres://gw:topsecret@[::1]:5433/gateway")
        #expect(parsed.redactedDescription == "postgres://gw@[::1]:5433/gateway")
    }

    @Test func openTokenStoreChoosesTheBackendFromTheURL() async throws {
        let directory = TemporaryDirectory()
        let sqlite = try openTokenStore(url: "sqlite:" + directory.file("gw.sqlite"), secret: Fixtures.secret())
        #expect(sqlite is SQLiteTokenStore)
        try await sqlite.save(Fixtures.tokens(user: "1"))
        #expect(try await sqlite.users().map(\.userID) == ["1"])
        await shutdownTokenStore(sqlite)
        await #expect(throws: TokenStoreError.closed) { try await sqlite.users() }

        for bad in ["sqlite:", "mysql://h/db", "gateway.sqlite", "postgres://u:topsecret@h:99999/db"] {
            #expect(throws: TokenStoreError.self, "\(bad)") { _ = try openTokenStore(url: bad, secret: Fixtures.secret()) }
        }
    }

    @Test(.enabled(if: PostgresTestDatabase.isAvailable, PostgresTestDatabase.skipReason))
    func openTokenStoreOpensPostgresForAPostgresURL() async throws {
        let schema = try PostgresTestSchema()
        let store = try openTokenStore(url: schema.url, secret: Fixtures.secret())
        #expect(store is PostgresTokenStore)
        try await store.checkHealth()
        await shutdownTokenStore(store)
        await #expect(throws: TokenStoreError.closed) { try await store.checkHealth() }
    }
}
