/// The SQLite schema and its migrations. Each migration runs once, in order,
/// inside one write transaction with the version bump, so a crash leaves
/// either the old or the new schema. Never edit a shipped migration: append.
enum SQLiteSchema {
    static let migrations: [String] = [
        // 1: users' sealed tokens, client keys, refresh leases, key check.
        """
        CREATE TABLE meta (
            key   TEXT PRIMARY KEY,
            value BLOB NOT NULL
        ) STRICT;
        CREATE TABLE users (
            user_id       TEXT PRIMARY KEY,
            sealed_tokens BLOB NOT NULL,
            expires_at    INTEGER NOT NULL,
            scope         TEXT NOT NULL,
            state         TEXT NOT NULL CHECK (state IN ('active', 'reauthorization_required')),
            created_at    INTEGER NOT NULL,
            updated_at    INTEGER NOT NULL
        ) STRICT;
        CREATE TABLE api_keys (
            id          TEXT PRIMARY KEY,
            name        TEXT NOT NULL,
            user_id     TEXT,
            secret_hash BLOB NOT NULL,
            created_at  INTEGER NOT NULL,
            revoked_at  INTEGER
        ) STRICT;
        CREATE INDEX api_keys_by_user ON api_keys (user_id);
        CREATE TABLE refresh_leases (
            user_id    TEXT PRIMARY KEY,
            owner      TEXT NOT NULL,
            expires_at INTEGER NOT NULL
        ) STRICT;
        """,
    ]

    static var latestVersion: Int { migrations.count }

    /// Brings the database to `latestVersion`. Safe when several processes
    /// open the same file at once: the version is read under the write lock.
    static func migrate(_ connection: SQLiteConnection) throws(TokenStoreError) {
        try connection.writeTransaction { () throws(TokenStoreError) in
            try connection.execute("CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL) STRICT")
            let current = try connection.query("SELECT max(version) FROM schema_version") { row in
                row.optionalInteger(0)
            }.first.flatMap { $0 }.map { Int($0) } ?? 0
            guard current <= latestVersion else { throw .schemaTooNew(found: current, supported: latestVersion) }
            guard current < latestVersion else { return }
            for migration in migrations[current...] { try connection.execute(migration) }
            try connection.run("DELETE FROM schema_version")
            try connection.run("INSERT INTO schema_version (version) VALUES (?)", [.integer(Int64(latestVersion))])
        }
    }
}
