/// Whether a user's stored Withings authorization can still be used.
public enum UserState: String, Sendable, Equatable {
    case active
    /// A refresh was rejected by Withings: the user must go through the
    /// authorization flow again. The row is kept (not deleted) so the API can
    /// answer 409 with an authorize link instead of 404.
    case reauthorizationRequired = "reauthorization_required"
}

/// One user's Withings credentials. Only the store ever sees these in plain
/// text; they are encrypted at rest and never logged.
public struct UserTokens: Sendable, Equatable {
    public var userID: String
    public var accessToken: String
    public var refreshToken: String
    /// OAuth 1.0a token secret (legacy `WITHINGS_AUTH_MODE=oauth1`), nil for OAuth 2.0.
    public var tokenSecret: String?
    /// Epoch seconds at which the access token expires.
    public var expiresAt: Int64
    public var scope: String
    public var state: UserState
    public var createdAt: Int64
    public var updatedAt: Int64

    public init(
        userID: String, accessToken: String, refreshToken: String, tokenSecret: String? = nil,
        expiresAt: Int64, scope: String, state: UserState = .active, createdAt: Int64, updatedAt: Int64
    ) {
        self.userID = userID
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.tokenSecret = tokenSecret
        self.expiresAt = expiresAt
        self.scope = scope
        self.state = state
        self.createdAt = createdAt
        self.updatedAt = updatedAt
    }
}

extension UserTokens: CustomStringConvertible, CustomDebugStringConvertible {
    /// Redacted: tokens must not reach a log line through interpolation.
    public var description: String {
        "UserTokens(userID: \(userID), expiresAt: \(expiresAt), scope: \(scope), state: \(state.rawValue))"
    }
    public var debugDescription: String { description }
}

/// What `users()` lists: no credentials.
public struct UserSummary: Sendable, Equatable, Identifiable {
    public var userID: String
    public var state: UserState
    public var updatedAt: Int64
    public var id: String { userID }

    public init(userID: String, state: UserState, updatedAt: Int64) {
        self.userID = userID
        self.state = state
        self.updatedAt = updatedAt
    }
}

/// A client API key as listed; its secret is shown once at creation and only
/// a hash is stored.
public struct APIKey: Sendable, Equatable {
    public var id: String
    public var name: String
    /// The only Withings user this key may read; nil for a service key (all users).
    public var userID: String?
    public var createdAt: Int64
    public var revokedAt: Int64?

    public init(id: String, name: String, userID: String?, createdAt: Int64, revokedAt: Int64?) {
        self.id = id
        self.name = name
        self.userID = userID
        self.createdAt = createdAt
        self.revokedAt = revokedAt
    }
}

/// Durable storage of users' tokens, client API keys and refresh leases.
/// Every method is safe to call concurrently; implementations never block
/// the caller's thread on I/O.
public protocol TokenStore: Sendable {
    func tokens(for userID: String) async throws -> UserTokens?
    /// Insert or replace; durable (committed) when it returns.
    func save(_ tokens: UserTokens) async throws
    func markReauthorizationRequired(_ userID: String) async throws
    /// Deletes the user's tokens and revokes the keys scoped to that user.
    /// True if the user had stored tokens.
    func forget(_ userID: String) async throws -> Bool
    func users() async throws -> [UserSummary]
    /// A new key and its secret (`wgk_<id>_<random>`), which is returned only here.
    func createKey(name: String, userID: String?) async throws -> (key: APIKey, secret: String)
    /// The key a presented secret belongs to; nil if unknown, malformed or revoked.
    func authenticate(_ secret: String) async throws -> APIKey?
    func keys() async throws -> [APIKey]
    /// True if an active key was revoked by this call.
    func revokeKey(id: String) async throws -> Bool
    func checkHealth() async throws
    /// Cross-process/replica refresh lock: true if acquired (expires after ttl seconds).
    /// Re-acquiring a lease the same owner holds extends it.
    func acquireRefreshLease(userID: String, owner: String, ttl: Int64) async throws -> Bool
    func releaseRefreshLease(userID: String, owner: String) async throws
}
