import Crypto
import TokenStore

/// Opens the token store GATEWAY_DATABASE names. The same function serves
/// `serve`, `keys` and `users`, so they always agree on the database.
public enum GatewayDatabase {
    public static func open(_ location: DatabaseLocation, secret: GatewaySecret) throws -> SQLiteTokenStore {
        switch location {
        case .sqlite(let path):
            return try SQLiteTokenStore(path: path, secret: secret)
        case .postgres:
            // Parsed and validated, but this build has no PostgreSQL backend yet.
            throw ConfigurationError(
                variable: Variable.database,
                reason: "postgres:// is not supported by this build yet; use sqlite:PATH")
        }
    }
}
