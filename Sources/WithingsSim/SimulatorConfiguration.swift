/// Everything a simulator instance is started with. The defaults are the
/// ones `withings-gateway demo` uses; the standalone `withings-sim` sets
/// each from a flag.
public struct SimulatorConfiguration: Sendable {
    /// The one partner app the simulator knows (also the OAuth 1.0 consumer key/secret).
    public var clientID = "demo-client"
    public var clientSecret = "demo-secret"
    /// Registered callback URLs; `redirect_uri` must equal one of them exactly.
    public var redirectURIs = ["http://localhost:8080/oauth/callback"]
    /// Number of synthetic Withings accounts.
    public var users = 3
    /// Seeds the synthetic histories: the same seed gives the same user ids and data.
    public var seed: UInt64 = 1
    /// Access-token lifetime in seconds (`expires_in`).
    public var tokenTTL: Int64 = 10800
    /// Measure groups per getmeas page.
    public var pageSize = 200
    /// API calls a minute the app may make (0 = unlimited); Withings allows 120.
    public var rateLimitPerMinute = 120
    /// Identical arguments within this many seconds answer 601 (0 = rule off).
    public var sameArgsWindow: Int64 = 10
    /// Latency added to every API answer.
    public var latencyMs = 0
    /// Serve the `/_sim/` control interface (tests only).
    public var control = false
    /// Scheme clients use to reach the simulator; part of the OAuth 1.0
    /// signature base string (`https` when serving TLS).
    public var scheme = "http"

    /// How long an authorization code may be exchanged.
    public var codeLifetime: Int64 = 30
    /// How long a superseded refresh token survives when the new access token is never used.
    public var previousRefreshTokenGrace: Int64 = 8 * 3600
    /// Lifetime of a refresh token that is never rotated.
    public var refreshTokenLifetime: Int64 = 365 * 86400
    /// Lifetime of a `getnonce` nonce.
    public var nonceLifetime: Int64 = 1800
    /// Allowed clock skew for signed requests (OAuth 1.0 `oauth_timestamp`, `getnonce` `timestamp`).
    public var timestampWindow: Int64 = 300
    /// Days of synthetic history per user.
    public var historyDays = 3 * 365
    /// Last instant of the synthetic histories; nil = midnight UTC of the day the simulator starts.
    public var dataEnd: Int64? = nil

    public init() {}
}

/// How the token endpoint refuses a dead or unknown refresh token.
public enum RefreshRejection: String, Sendable, CaseIterable {
    /// What the real API answers: status 503 "Invalid Params: invalid refresh_token".
    case invalidParams = "invalid_params"
    /// The authentication family (status 401), for testing clients against the other reading.
    case auth
}
