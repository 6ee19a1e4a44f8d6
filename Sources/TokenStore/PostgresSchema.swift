/// The PostgreSQL schema and its migrations. Each migration runs once, in
/// order, in one transaction with the version bump, so a crash leaves either
/// the old or the new schema. Never edit a shipped migration: append.
enum PostgresSchema {
    static let migrations: [String] = [
        // 1: users' sealed tokens, client keys, refresh leases, key check.
        """
        CREATE TABLE meta (
            key   text PRIMARY KEY,
            value bytea NOT NULL
        );
        CREATE TABLE users (
            user_id       text PRIMARY KEY,
            sealed_tokens bytea NOT NULL,
            expires_at    bigint NOT NULL,
            scope         text NOT NULL,
            state         text NOT NULL CHECK (state IN ('active', 'reauthorization_required')),
            created_at    bigint NOT NULL,
            updated_at    bigint NOT NULL
        );
        CREATE TABLE api_keys (
            id          text PRIMARY KEY,
            name        text NOT NULL,
            user_id     text,
            secret_hash bytea NOT NULL,
            created_at  bigint NOT NULL,
            revoked_at  bigint
        );
        CREATE INDEX api_keys_by_user ON api_keys (user_id);
        CREATE TABLE refresh_leases (
            user_id    text PRIMARY KEY,
            owner      text NOT NULL,
            expires_at bigint NOT NULL
        );
        """,
    ]

    static var latestVersion: Int { migrations.count }

    /// Key of the advisory lock that serializes migrations: replicas starting
    /// together would otherwise race on CREATE TABLE (ASCII "wg-schem").
    static let migrationLockKey: Int64 = 0x7767_2D73_6368_656D

    /// Brings the database to `latestVersion` and checks (or, on a new
    /// database, records) that `cipher` is the database's key. Safe when
    /// several replicas start at once: everything runs under a transaction
    /// advisory lock, released at commit or when a crashed replica's session ends.
    static func migrate(_ connection: PostgresConnection, cipher: TokenCipher) throws(TokenStoreError) {
        try connection.transaction { () throws(TokenStoreError) in
            _ = try connection.query("SELECT pg_advisory_xact_lock($1)", [.integer(migrationLockKey)]) { _ in () }
            try connection.execute("CREATE TABLE IF NOT EXISTS schema_version (version integer NOT NULL)")
            let current = try connection.query("SELECT max(version) FROM schema_version") { row throws(TokenStoreError) in
                try row.optionalInteger(0)
            }.first.flatMap { $0 }.map { Int($0) } ?? 0
            guard current <= latestVersion else { throw .schemaTooNew(found: current, supported: latestVersion) }
            if current < latestVersion {
                for migration in migrations[current...] { try connection.execute(migration) }
                try connection.run("DELETE FROM schema_version")
                try connection.run("INSERT INTO schema_version (version) VALUES ($1::integer)", [.integer(Int64(latestVersion))])
            }
            try checkKey(connection, cipher: cipher)
        }
    }

    /// A value stored once per database that opens only with the right
    /// secret: a wrong GATEWAY_SECRET fails at start-up, not on a request.
    private static func checkKey(_ connection: PostgresConnection, cipher: TokenCipher) throws(TokenStoreError) {
        try connection.run(
            "INSERT INTO meta (key, value) VALUES ('token_key_check', $1) ON CONFLICT (key) DO NOTHING",
            [.bytes(cipher.makeKeyCheck())])
        let stored = try connection.query("SELECT value FROM meta WHERE key = 'token_key_check'") { $0.bytes(0) }.first
        guard let stored, cipher.verifyKeyCheck(stored) else { throw .wrongSecret }
    }
}
