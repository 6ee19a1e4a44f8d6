import Crypto

/// Opens the store a GATEWAY_DATABASE value names: `sqlite:PATH` (the
/// embedded default) or `postgres://user:password@host:port/database`
/// (`postgresql://` too) for several replicas sharing one database.
/// Blocks the calling thread while it opens, migrates and checks the secret.
/// Errors never quote the password.
public func openTokenStore(url: String, secret: GatewaySecret) throws -> any TokenStore {
    if url.hasPrefix("sqlite:") {
        let path = String(url.dropFirst("sqlite:".count))
        guard !path.isEmpty else { throw TokenStoreError.invalidDatabaseURL("sqlite: needs a file path") }
        return try SQLiteTokenStore(path: path, secret: secret)
    }
    if url.hasPrefix("postgres://") || url.hasPrefix("postgresql://") {
        return try PostgresTokenStore(url: url, secret: secret)
    }
    throw TokenStoreError.invalidDatabaseURL("expected sqlite:PATH or postgres://user:password@host:port/database")
}

/// Closes a store `openTokenStore` returned once its queued work is done
/// (the protocol itself has no shutdown: stores used only in tests need none).
public func shutdownTokenStore(_ store: any TokenStore) async {
    switch store {
    case let sqlite as SQLiteTokenStore: await sqlite.shutdown()
    case let postgres as PostgresTokenStore: await postgres.shutdown()
    default: break
    }
}
