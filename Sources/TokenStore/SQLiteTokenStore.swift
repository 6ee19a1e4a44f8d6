import Crypto

/// The embedded token store: one SQLite file in WAL mode.
///
/// One connection lives on its own dedicated thread (`DatabaseThread`);
/// every method queues a job there and awaits it, so SQLite's locks and
/// fsyncs never block the Swift concurrency pool or an event loop. Several
/// processes (the server and the `keys`/`users` CLI) may open the same file:
/// writes use `BEGIN IMMEDIATE` and a busy timeout, and WAL lets readers
/// proceed during a write. `synchronous=FULL` makes each commit durable.
public final class SQLiteTokenStore: TokenStore {
    private let thread: DatabaseThread
    private let cipher: TokenCipher
    private let now: @Sendable () -> Int64

    /// Opens or creates the store. Fails at once, with a message naming
    /// GATEWAY_SECRET, when the file was created with another secret.
    /// Opening and migrating block the calling thread (once, at start-up);
    /// everything after runs on the store's own thread.
    /// - Parameters:
    ///   - busyTimeoutMilliseconds: how long a write waits for another process's write lock.
    ///   - now: wall clock in epoch seconds (timestamps, lease expiry); injectable for tests.
    public init(
        path: String, secret: GatewaySecret, busyTimeoutMilliseconds: Int32 = 5000,
        now: @escaping @Sendable () -> Int64 = WallClock.now
    ) throws {
        cipher = TokenCipher(secret: secret)
        self.now = now
        try DatabaseFile.prepare(path: path)
        let connection = try SQLiteConnection(path: path, busyTimeoutMilliseconds: busyTimeoutMilliseconds)
        let journalMode = try connection.query("PRAGMA journal_mode = WAL") { $0.text(0) }.first
        guard journalMode == "wal" else {
            throw TokenStoreError.corrupt("could not switch the database to WAL mode (got \(journalMode ?? "nothing"))")
        }
        try connection.execute("PRAGMA synchronous = FULL; PRAGMA foreign_keys = ON")
        try SQLiteSchema.migrate(connection)
        try Self.checkKey(connection, cipher: cipher)
        thread = try DatabaseThread(connection: connection)
    }

    /// Closes the connection once queued work is done; later calls throw `TokenStoreError.closed`.
    public func shutdown() async { await thread.shutdown() }

    // MARK: Tokens

    public func tokens(for userID: String) async throws -> UserTokens? {
        let cipher = self.cipher
        return try await thread.run { connection throws(TokenStoreError) in
            let rows = try connection.query(
                "SELECT sealed_tokens, expires_at, scope, state, created_at, updated_at FROM users WHERE user_id = ?",
                [.text(userID)]
            ) { row throws(TokenStoreError) in
                let credentials = try cipher.open(row.blob(0), userID: userID)
                guard let state = UserState(rawValue: row.text(3)) else {
                    throw .corrupt("user \(userID) has an unknown state")
                }
                return UserTokens(
                    userID: userID, accessToken: credentials.accessToken, refreshToken: credentials.refreshToken,
                    tokenSecret: credentials.tokenSecret, expiresAt: row.integer(1), scope: row.text(2), state: state,
                    createdAt: row.integer(4), updatedAt: row.integer(5))
            }
            return rows.first
        }
    }

    public func save(_ tokens: UserTokens) async throws {
        let sealed = cipher.seal(
            .init(accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, tokenSecret: tokens.tokenSecret),
            userID: tokens.userID)
        let values: [SQLiteValue] = [
            .text(tokens.userID), .blob(sealed), .integer(tokens.expiresAt), .text(tokens.scope),
            .text(tokens.state.rawValue), .integer(tokens.createdAt), .integer(tokens.updatedAt),
        ]
        // An autocommit statement: with synchronous=FULL it is fsynced to the
        // WAL before run() returns, which is what "durable when it returns" needs.
        try await thread.run { connection throws(TokenStoreError) in
            _ = try connection.run(
                """
                INSERT INTO users (user_id, sealed_tokens, expires_at, scope, state, created_at, updated_at)
                VALUES (?, ?, ?, ?, ?, ?, ?)
                ON CONFLICT (user_id) DO UPDATE SET sealed_tokens = excluded.sealed_tokens,
                    expires_at = excluded.expires_at, scope = excluded.scope, state = excluded.state,
                    updated_at = excluded.updated_at
                """, values)
        }
    }

    public func markReauthorizationRequired(_ userID: String) async throws {
        let values: [SQLiteValue] = [.text(UserState.reauthorizationRequired.rawValue), .integer(now()), .text(userID)]
        try await thread.run { connection throws(TokenStoreError) in
            _ = try connection.run("UPDATE users SET state = ?, updated_at = ? WHERE user_id = ?", values)
        }
    }

    public func forget(_ userID: String) async throws -> Bool {
        let revokedAt = now()
        return try await thread.run { connection throws(TokenStoreError) in
            try connection.writeTransaction { () throws(TokenStoreError) in
                let deleted = try connection.run("DELETE FROM users WHERE user_id = ?", [.text(userID)])
                try connection.run(
                    "UPDATE api_keys SET revoked_at = ? WHERE user_id = ? AND revoked_at IS NULL",
                    [.integer(revokedAt), .text(userID)])
                try connection.run("DELETE FROM refresh_leases WHERE user_id = ?", [.text(userID)])
                return deleted > 0
            }
        }
    }

    public func users() async throws -> [UserSummary] {
        try await thread.run { connection throws(TokenStoreError) in
            try connection.query("SELECT user_id, state, updated_at FROM users ORDER BY user_id") { row throws(TokenStoreError) in
                let userID = row.text(0)
                guard let state = UserState(rawValue: row.text(1)) else {
                    throw .corrupt("user \(userID) has an unknown state")
                }
                return UserSummary(userID: userID, state: state, updatedAt: row.integer(2))
            }
        }
    }

    // MARK: API keys

    public func createKey(name: String, userID: String?) async throws -> (key: APIKey, secret: String) {
        let (id, secret) = APIKeySecret.generate()
        let key = APIKey(id: id, name: name, userID: userID, createdAt: now(), revokedAt: nil)
        let values: [SQLiteValue] = [
            .text(id), .text(name), .optionalText(userID), .blob(APIKeySecret.hash(secret)), .integer(key.createdAt),
        ]
        try await thread.run { connection throws(TokenStoreError) in
            _ = try connection.run(
                "INSERT INTO api_keys (id, name, user_id, secret_hash, created_at) VALUES (?, ?, ?, ?, ?)", values)
        }
        return (key, secret)
    }

    public func authenticate(_ secret: String) async throws -> APIKey? {
        guard let id = APIKeySecret.keyID(of: secret) else { return nil }
        let presented = APIKeySecret.hash(secret)
        let rows = try await thread.run { connection throws(TokenStoreError) in
            try connection.query(
                "SELECT id, name, user_id, created_at, revoked_at, secret_hash FROM api_keys WHERE id = ?", [.text(id)]
            ) { row in (Self.key(from: row), row.blob(5)) }
        }
        guard let (key, storedHash) = rows.first, Digest.constantTimeEquals(storedHash, presented),
              key.revokedAt == nil
        else { return nil }
        return key
    }

    public func keys() async throws -> [APIKey] {
        try await thread.run { connection throws(TokenStoreError) in
            try connection.query(
                "SELECT id, name, user_id, created_at, revoked_at FROM api_keys ORDER BY created_at, id"
            ) { row in Self.key(from: row) }
        }
    }

    public func revokeKey(id: String) async throws -> Bool {
        let values: [SQLiteValue] = [.integer(now()), .text(id)]
        return try await thread.run { connection throws(TokenStoreError) in
            try connection.run("UPDATE api_keys SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL", values) > 0
        }
    }

    // MARK: Health and leases

    public func checkHealth() async throws {
        let version = try await thread.run { connection throws(TokenStoreError) in
            try connection.query("SELECT max(version) FROM schema_version") { $0.optionalInteger(0) }.first ?? nil
        }
        guard let version, version >= Int64(SQLiteSchema.latestVersion) else {
            throw TokenStoreError.corrupt("schema version table is missing or behind")
        }
    }

    public func acquireRefreshLease(userID: String, owner: String, ttl: Int64) async throws -> Bool {
        let now = now()
        let values: [SQLiteValue] = [.text(userID), .text(owner), .integer(now + ttl), .integer(now)]
        // One statement, so check-and-take is atomic across processes: the
        // update applies only when the lease has expired or is already ours.
        return try await thread.run { connection throws(TokenStoreError) in
            try connection.run(
                """
                INSERT INTO refresh_leases (user_id, owner, expires_at) VALUES (?1, ?2, ?3)
                ON CONFLICT (user_id) DO UPDATE SET owner = excluded.owner, expires_at = excluded.expires_at
                WHERE refresh_leases.expires_at <= ?4 OR refresh_leases.owner = excluded.owner
                """, values) == 1
        }
    }

    public func releaseRefreshLease(userID: String, owner: String) async throws {
        let values: [SQLiteValue] = [.text(userID), .text(owner)]
        try await thread.run { connection throws(TokenStoreError) in
            _ = try connection.run("DELETE FROM refresh_leases WHERE user_id = ? AND owner = ?", values)
        }
    }

    // MARK: Helpers

    /// Runs raw SQL on the database thread (tests use it to inspect or damage rows).
    func withConnection<T: Sendable>(
        _ body: @escaping @Sendable (SQLiteConnection) throws(TokenStoreError) -> T
    ) async throws(TokenStoreError) -> T {
        try await thread.run(body)
    }

    private static func key(from row: SQLiteStatement) -> APIKey {
        APIKey(id: row.text(0), name: row.text(1), userID: row.optionalText(2), createdAt: row.integer(3),
               revokedAt: row.optionalInteger(4))
    }

    private static func checkKey(_ connection: SQLiteConnection, cipher: TokenCipher) throws(TokenStoreError) {
        try connection.writeTransaction { () throws(TokenStoreError) in
            let stored = try connection.query("SELECT value FROM meta WHERE key = 'token_key_check'") { $0.blob(0) }.first
            if let stored {
                guard cipher.verifyKeyCheck(stored) else { throw .wrongSecret }
            } else {
                try connection.run(
                    "INSERT INTO meta (key, value) VALUES ('token_key_check', ?)", [.blob(cipher.makeKeyCheck())])
            }
        }
    }
}
