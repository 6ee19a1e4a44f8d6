/// What a successful refresh returns: the new pair. (The Gateway maps the
/// Withings `TokenGrant` to this; TokenStore does not depend on WithingsAPI.)
public struct TokenGrantLike: Sendable {
    public var accessToken: String
    public var refreshToken: String
    /// Seconds the new access token is valid (Withings: 10800).
    public var expiresIn: Int64
    /// Granted scope; empty keeps the stored scope.
    public var scope: String

    public init(accessToken: String, refreshToken: String, expiresIn: Int64, scope: String) {
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.expiresIn = expiresIn
        self.scope = scope
    }
}

extension TokenGrantLike: CustomStringConvertible, CustomDebugStringConvertible {
    /// Redacted: tokens must not reach a log line through interpolation.
    public var description: String { "TokenGrantLike(expiresIn: \(expiresIn), scope: \(scope))" }
    public var debugDescription: String { description }
}

/// Why a refresh call failed, as classified by the caller's upstream client.
public enum RefreshFailure: Error, Sendable, Equatable {
    /// Withings refused the refresh token (auth-family or invalid-params
    /// status): the user must authorize again.
    case rejected(String)
    /// Network error, HTTP 5xx, non-JSON answer, other statuses: retry later.
    case transient(String)
    case timeout
    /// Withings status 601, with the advised wait in seconds when known.
    case rateLimited(Int?)
}

/// Why no access token could be produced.
public enum TokenLifecycleError: Error, Sendable, Equatable {
    /// No stored tokens for this user (never connected, or forgotten).
    case notConnected
    /// The user's authorization is gone; stored state says so.
    case reauthorizationRequired
    /// Nothing stored changed; the call may be retried.
    case transient(String)
    case timeout
    case rateLimited(Int?)
}
