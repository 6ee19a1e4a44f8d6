import Glibc

/// A token store failure. Descriptions name the operation, the user or the
/// file, never a token or a secret.
public struct TokenStoreError: Error, Sendable, Equatable, CustomStringConvertible {
    enum Code: Equatable, Sendable {
        case sqlite(operation: String, code: Int32, message: String)
        case postgres(operation: String, sqlState: String, message: String)
        case invalidDatabaseURL(String)
        case system(call: String, errno: Int32, subject: String)
        case wrongSecret
        case undecryptable(userID: String)
        case corrupt(String)
        case schemaTooNew(found: Int, supported: Int)
        case closed
    }

    let code: Code

    static func sqlite(_ operation: String, code: Int32, message: String) -> TokenStoreError {
        TokenStoreError(code: .sqlite(operation: operation, code: code, message: message))
    }
    static func postgres(_ operation: String, sqlState: String, message: String) -> TokenStoreError {
        TokenStoreError(code: .postgres(operation: operation, sqlState: sqlState, message: message))
    }
    static func invalidDatabaseURL(_ reason: String) -> TokenStoreError { TokenStoreError(code: .invalidDatabaseURL(reason)) }
    static func system(_ call: String, errno: Int32, subject: String) -> TokenStoreError {
        TokenStoreError(code: .system(call: call, errno: errno, subject: subject))
    }
    static func corrupt(_ what: String) -> TokenStoreError { TokenStoreError(code: .corrupt(what)) }
    static func schemaTooNew(found: Int, supported: Int) -> TokenStoreError {
        TokenStoreError(code: .schemaTooNew(found: found, supported: supported))
    }

    /// The database was created with another `GATEWAY_SECRET`.
    public static let wrongSecret = TokenStoreError(code: .wrongSecret)
    /// The store was shut down.
    public static let closed = TokenStoreError(code: .closed)
    /// One user's row does not open with the current key (altered or moved row).
    public static func undecryptable(userID: String) -> TokenStoreError { TokenStoreError(code: .undecryptable(userID: userID)) }

    /// SQLite reported the database as busy or locked beyond `busy_timeout`.
    public var isBusy: Bool {
        if case .sqlite(_, let code, _) = code { return code & 0xFF == 5 || code & 0xFF == 6 }
        return false
    }

    public var description: String {
        switch code {
        case .sqlite(let operation, let code, let message):
            "token store: \(operation) failed: \(message) (SQLite code \(code))"
        case .postgres(let operation, let sqlState, let message):
            sqlState.isEmpty
                ? "token store: \(operation) failed: \(message)"
                : "token store: \(operation) failed: \(message) (SQLSTATE \(sqlState))"
        case .invalidDatabaseURL(let reason):
            "token store: invalid database URL: \(reason)"
        case .system(let call, let errno, let subject):
            "token store: \(call) failed for \(subject): \(String(cString: strerror(errno))) (errno \(errno))"
        case .wrongSecret:
            "token store: GATEWAY_SECRET does not match the secret this database was created with"
        case .undecryptable(let userID):
            "token store: the tokens of user \(userID) cannot be decrypted (GATEWAY_SECRET changed or the row was altered)"
        case .corrupt(let what):
            "token store: corrupt data: \(what)"
        case .schemaTooNew(let found, let supported):
            "token store: database schema version \(found) is newer than this binary supports (\(supported)); upgrade the gateway"
        case .closed:
            "token store: closed"
        }
    }
}
