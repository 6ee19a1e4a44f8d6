import Crypto
import TokenStore

/// A token store the gateway opened and must close at shutdown.
public protocol ClosableTokenStore: TokenStore {
    /// Finishes queued work, then closes the connections.
    func shutdown() async
}

extension SQLiteTokenStore: ClosableTokenStore {}
extension PostgresTokenStore: ClosableTokenStore {}

/// Opens the token store GATEWAY_DATABASE names. The same function serves
/// `serve`, `keys` and `users`, so they always agree on the database.
public enum GatewayDatabase {
    /// Blocks while it connects, migrates and checks the secret (start-up only).
    public static func open(_ location: DatabaseLocation, secret: GatewaySecret) throws -> any ClosableTokenStore {
        switch location {
        case .sqlite(let path): try SQLiteTokenStore(path: path, secret: secret)
        case .postgres(let postgres): try PostgresTokenStore(url: postgres.url, secret: secret)
        }
    }
}
