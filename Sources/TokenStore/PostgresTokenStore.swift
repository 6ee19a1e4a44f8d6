import Crypto

/// The shared token store for several gateway replicas: one PostgreSQL
/// database reached through libpq.
///
/// libpq is synchronous, so each connection lives on one of the store's own
/// threads (`PostgresWorkers`) and every method queues a job there and
/// awaits it. Tokens are sealed exactly as in the SQLite store (AES-256-GCM,
/// user id as associated data), so the database never holds one in plain
/// text. Every value is a bound parameter. A connection that breaks is
/// reopened on the next job; reads and repeatable writes get one retry.
public final class PostgresTokenStore: TokenStore {
    private let workers: PostgresWorkers
    private let cipher: TokenCipher
    private let now: @Sendable () -> Int64
    /// The injected clock for lease expiry, or nil to use the database's.
    private let leaseClock: (@Sendable () -> Int64)?

    /// Connects, migrates the schema and checks the secret, blocking the
    /// calling thread once at start-up; everything after runs on the store's
    /// own threads. Fails at once, naming GATEWAY_SECRET, when the database
    /// was created with another secret.
    /// - Parameters:
    ///   - url: `postgres://user:password@host:port/database`; query
    ///     parameters are passed to libpq (e.g. `?sslmode=require`).
    ///   - connections: database threads, one connection each.
    ///   - now: wall clock in epoch seconds (timestamps and lease expiry),
    ///     injectable for tests. By default timestamps use this host's clock
    ///     and refresh leases the database server's, so replicas whose clocks
    ///     disagree still agree on when a lease has expired.
    public init(
        url: String, secret: GatewaySecret, connections: Int = 2,
        now: (@Sendable () -> Int64)? = nil
    ) throws {
        let parsed = try PostgresURL(url)
        cipher = TokenCipher(secret: secret)
        self.now = now ?? WallClock.now
        leaseClock = now
        let connection = try PostgresConnection(parsed)
        try PostgresSchema.migrate(connection, cipher: cipher)
        workers = try PostgresWorkers(url: parsed, threads: max(1, connections), connection: connection)
    }

    /// Closes the connections once queued work is done; later calls throw `TokenStoreError.closed`.
    public func shutdown() async { await workers.shutdown() }

    // MARK: Tokens

    public func tokens(for userID: String) async throws -> UserTokens? {
        let cipher = self.cipher
        return try await workers.run(retry: .onceOnBrokenConnection) { connection throws(TokenStoreError) in
            try connection.query(
                "SELECT sealed_tokens, expires_at, scope, state, created_at, updated_at FROM users WHERE user_id = $1",
                [.text(userID)]
            ) { row throws(TokenStoreError) in
                let credentials = try cipher.open(row.bytes(0), userID: userID)
                guard let state = UserState(rawValue: row.text(3)) else {
                    throw .corrupt("user \(userID) has an unknown state")
                }
                return UserTokens(
                    userID: userID, accessToken: credentials.accessToken, refreshToken: credentials.refreshToken,
                    tokenSecret: credentials.tokenSecret, expiresAt: try row.integer(1), scope: row.text(2),
                    state: state, createdAt: try row.integer(4), updatedAt: try row.integer(5))
            }.first
        }
    }

    public func save(_ tokens: UserTokens) async throws {
        let sealed = cipher.seal(
            .init(accessToken: tokens.accessToken, refreshToken: tokens.refreshToken, tokenSecret: tokens.tokenSecret),
            userID: tokens.userID)
        let values: [PostgresValue] = [
            .text(tokens.userID), .bytes(sealed), .integer(tokens.expiresAt), .text(tokens.scope),
            .text(tokens.state.rawValue), .integer(tokens.createdAt), .integer(tokens.updatedAt),
        ]
        // A single autocommit statement, durable once the server acknowledges
        // it. Repeating it stores the same row, so a commit whose answer was
        // lost with the connection is safely retried: losing a freshly
        // rotated pair is the one failure this store must avoid.
        try await workers.run(retry: .onceOnBrokenConnection) { connection throws(TokenStoreError) in
            _ = try connection.run(
                """
                INSERT INTO users (user_id, sealed_tokens, expires_at, scope, state, created_at, updated_at)
                VALUES ($1, $2, $3, $4, $5, $6, $7)
                ON CONFLICT (user_id) DO UPDATE SET sealed_tokens = EXCLUDED.sealed_tokens,
                    expires_at = EXCLUDED.expires_at, scope = EXCLUDED.scope, state = EXCLUDED.state,
                    updated_at = EXCLUDED.updated_at
                """, values)
        }
    }

    public func markReauthorizationRequired(_ userID: String) async throws {
        let values: [PostgresValue] = [.text(UserState.reauthorizationRequired.rawValue), .integer(now()), .text(userID)]
        try await workers.run(retry: .onceOnBrokenConnection) { connection throws(TokenStoreError) in
            _ = try connection.run("UPDATE users SET state = $1, updated_at = $2 WHERE user_id = $3", values)
        }
    }

    public func forget(_ userID: String) async throws -> Bool {
        let revokedAt = now()
        return try await workers.run { connection throws(TokenStoreError) in
            try connection.transaction { () throws(TokenStoreError) in
                let deleted = try connection.run("DELETE FROM users WHERE user_id = $1", [.text(userID)])
                try connection.run(
                    "UPDATE api_keys SET revoked_at = $1 WHERE user_id = $2 AND revoked_at IS NULL",
                    [.integer(revokedAt), .text(userID)])
                try connection.run("DELETE FROM refresh_leases WHERE user_id = $1", [.text(userID)])
                return deleted > 0
            }
        }
    }

    public func users() async throws -> [UserSummary] {
        try await workers.run(retry: .onceOnBrokenConnection) { connection throws(TokenStoreError) in
            try connection.query("SELECT user_id, state, updated_at FROM users ORDER BY user_id COLLATE \"C\"") {
                row throws(TokenStoreError) in
                let userID = row.text(0)
                guard let state = UserState(rawValue: row.text(1)) else {
                    throw .corrupt("user \(userID) has an unknown state")
                }
                return UserSummary(userID: userID, state: state, updatedAt: try row.integer(2))
            }
        }
    }

    // MARK: API keys

    public func createKey(name: String, userID: String?) async throws -> (key: APIKey, secret: String) {
        let (id, secret) = APIKeySecret.generate()
        let key = APIKey(id: id, name: name, userID: userID, createdAt: now(), revokedAt: nil)
        let values: [PostgresValue] = [
            .text(id), .text(name), .optionalText(userID), .bytes(APIKeySecret.hash(secret)), .integer(key.createdAt),
        ]
        try await workers.run { connection throws(TokenStoreError) in
            _ = try connection.run(
                "INSERT INTO api_keys (id, name, user_id, secret_hash, created_at) VALUES ($1, $2, $3, $4, $5)", values)
        }
        return (key, secret)
    }

    public func authenticate(_ secret: String) async throws -> APIKey? {
        guard let id = APIKeySecret.keyID(of: secret) else { return nil }
        let presented = APIKeySecret.hash(secret)
        let rows = try await workers.run(retry: .onceOnBrokenConnection) { connection throws(TokenStoreError) in
            try connection.query(
                "SELECT id, name, user_id, created_at, revoked_at, secret_hash FROM api_keys WHERE id = $1", [.text(id)]
            ) { row throws(TokenStoreError) in (try Self.key(from: row), row.bytes(5)) }
        }
        guard let (key, storedHash) = rows.first, Digest.constantTimeEquals(storedHash, presented),
              key.revokedAt == nil
        else { return nil }
        return key
    }

    public func keys() async throws -> [APIKey] {
        try await workers.run(retry: .onceOnBrokenConnection) { connection throws(TokenStoreError) in
            try connection.query(
                "SELECT id, name, user_id, created_at, revoked_at FROM api_keys ORDER BY created_at, id COLLATE \"C\""
            ) { row throws(TokenStoreError) in try Self.key(from: row) }
        }
    }

    public func revokeKey(id: String) async throws -> Bool {
        let values: [PostgresValue] = [.integer(now()), .text(id)]
        return try await workers.run { connection throws(TokenStoreError) in
            try connection.run("UPDATE api_keys SET revoked_at = $1 WHERE id = $2 AND revoked_at IS NULL", values) > 0
        }
    }

    // MARK: Health and leases

    public func checkHealth() async throws {
        let version = try await workers.run(retry: .onceOnBrokenConnection) { connection throws(TokenStoreError) in
            try connection.query("SELECT max(version) FROM schema_version") { row throws(TokenStoreError) in
                try row.optionalInteger(0)
            }.first ?? nil
        }
        guard let version, version >= Int64(PostgresSchema.latestVersion) else {
            throw TokenStoreError.corrupt("schema version table is missing or behind")
        }
    }

    public func acquireRefreshLease(userID: String, owner: String, ttl: Int64) async throws -> Bool {
        let values: [PostgresValue] = [.text(userID), .text(owner), .integer(ttl), leaseClock.map { .integer($0()) } ?? .null]
        // One statement, so check-and-take is atomic across replicas: a
        // concurrent insert of the same user waits for the other to commit,
        // and the update applies only when the lease has expired or is
        // already ours. A row comes back only when this call holds the lease.
        // Repeating it for the same owner is harmless (it extends its own
        // lease), so a lost answer is retried like a read. "Now" is $4 when
        // a clock was injected, else the server's time at statement start.
        return try await workers.run(retry: .onceOnBrokenConnection) { connection throws(TokenStoreError) in
            try connection.query(
                """
                INSERT INTO refresh_leases (user_id, owner, expires_at)
                VALUES ($1, $2, coalesce($4, extract(epoch FROM statement_timestamp())::bigint) + $3)
                ON CONFLICT (user_id) DO UPDATE SET owner = EXCLUDED.owner, expires_at = EXCLUDED.expires_at
                WHERE refresh_leases.expires_at <= coalesce($4, extract(epoch FROM statement_timestamp())::bigint)
                    OR refresh_leases.owner = EXCLUDED.owner
                RETURNING owner
                """, values
            ) { _ in () }.count == 1
        }
    }

    public func releaseRefreshLease(userID: String, owner: String) async throws {
        let values: [PostgresValue] = [.text(userID), .text(owner)]
        try await workers.run(retry: .onceOnBrokenConnection) { connection throws(TokenStoreError) in
            _ = try connection.run("DELETE FROM refresh_leases WHERE user_id = $1 AND owner = $2", values)
        }
    }

    // MARK: Helpers

    /// Runs raw SQL on a database thread (tests use it to inspect or damage rows).
    func withConnection<T: Sendable>(
        retry: PostgresWorkers.Retry = .never,
        _ body: @escaping @Sendable (PostgresConnection) throws(TokenStoreError) -> T
    ) async throws(TokenStoreError) -> T {
        try await workers.run(retry: retry, body)
    }

    private static func key(from row: PostgresRow) throws(TokenStoreError) -> APIKey {
        APIKey(id: row.text(0), name: row.text(1), userID: row.optionalText(2), createdAt: try row.integer(3),
               revokedAt: try row.optionalInteger(4))
    }
}
