import TokenStore

/// The `keys` and `users` subcommands as functions over a store, returning
/// the lines to print on stdout; the CLI only parses arguments and prints.
public enum Administration {
    /// Lines for people first; the key alone on the last line (scripts read it with `tail -n 1`).
    public static func createKey(store: any TokenStore, name: String, userID: String?) async throws -> [String] {
        let (key, secret) = try await store.createKey(name: name, userID: userID)
        let scope = key.userID.map { "user \($0)" } ?? "service (all users)"
        return [
            "created key \(key.id) \"\(key.name)\" for \(scope); it is shown only once:",
            secret,
        ]
    }

    public static func listKeys(store: any TokenStore) async throws -> [String] {
        let keys = try await store.keys()
        var lines = [Self.columns("ID", "NAME", "SCOPE", "CREATED", "REVOKED")]
        for key in keys {
            lines.append(columns(
                key.id, key.name, key.userID.map { "user:\($0)" } ?? "service", RFC3339Time.format(key.createdAt),
                key.revokedAt.map(RFC3339Time.format) ?? "-"))
        }
        return lines
    }

    public static func revokeKey(store: any TokenStore, id: String) async throws -> (lines: [String], found: Bool) {
        let revoked = try await store.revokeKey(id: id)
        return revoked ? (["revoked key \(id)"], true) : (["no active key \(id)"], false)
    }

    public static func listUsers(store: any TokenStore) async throws -> [String] {
        var lines = [columns("USER_ID", "STATE", "UPDATED")]
        for user in try await store.users() {
            lines.append(columns(user.userID, user.state.rawValue, RFC3339Time.format(user.updatedAt)))
        }
        return lines
    }

    public static func forgetUser(store: any TokenStore, userID: String) async throws -> (lines: [String], found: Bool) {
        let forgotten = try await store.forget(userID)
        return forgotten
            ? (["forgot user \(userID): tokens deleted, their keys revoked"], true)
            : (["no user \(userID)"], false)
    }

    /// Tab-separated, so the output is easy to read and to `cut`.
    static func columns(_ values: String...) -> String { values.joined(separator: "\t") }
}
