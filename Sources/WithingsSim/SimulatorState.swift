/// Everything mutable in a simulator, guarded by the simulator's one mutex.
/// Critical sections are short and never await.
struct SimulatorState: Sendable {
    struct AuthorizationCode: Sendable {
        var userID: String
        var clientID: String
        var redirectURI: String
        var scope: String
        var issuedAt: Int64
    }

    struct AccessToken: Sendable {
        var userID: String
        var scope: String
        var expiresAt: Int64
        var revoked = false
        /// The refresh token this one was minted from; it dies on this token's first use.
        var predecessor: String?
        var used = false
    }

    struct RefreshToken: Sendable {
        var userID: String
        var scope: String
        var expiresAt: Int64
        /// Set once the token has been used: it then dies at this instant
        /// or as soon as a successor access token is used, whichever comes first.
        var graceEndsAt: Int64?
        var dead = false

        func isAlive(now: Int64) -> Bool {
            !dead && now < expiresAt && (graceEndsAt.map { now < $0 } ?? true)
        }
    }

    struct OAuth1RequestToken: Sendable {
        var secret: String
        var callback: String
        var issuedAt: Int64
        var authorizedUser: String?
        var verifier: String?
    }

    struct OAuth1AccessToken: Sendable {
        var secret: String
        var userID: String
    }

    var codes: [String: AuthorizationCode] = [:]
    var accessTokens: [String: AccessToken] = [:]
    var refreshTokens: [String: RefreshToken] = [:]
    /// `getnonce` nonces and when they expire.
    var nonces: [String: Int64] = [:]
    var oauth1RequestTokens: [String: OAuth1RequestToken] = [:]
    var oauth1AccessTokens: [String: OAuth1AccessToken] = [:]
    /// OAuth 1.0 (timestamp, nonce, token) triples already accepted, with their timestamp.
    var oauth1Nonces: [String: Int64] = [:]

    var counters = SimulatorCounters()
    var faults = FaultSchedule()
    var rateLimiter: RateLimiter
    var refreshRejection = RefreshRejection.invalidParams
    var extraLatencyMs = 0
    /// The user the authorize page approves as when the request names none.
    var defaultUserIndex = 0

    init(configuration: SimulatorConfiguration) {
        rateLimiter = RateLimiter(
            perMinute: configuration.rateLimitPerMinute, sameArgsWindow: configuration.sameArgsWindow)
    }

    /// Drops expired one-shot secrets once the tables grow; called on insertion.
    mutating func pruneIfLarge(now: Int64, codeLifetime: Int64, timestampWindow: Int64) {
        if codes.count > 512 { codes = codes.filter { now - $0.value.issuedAt <= codeLifetime } }
        if nonces.count > 512 { nonces = nonces.filter { $0.value > now } }
        if oauth1Nonces.count > 4096 { oauth1Nonces = oauth1Nonces.filter { now - $0.value <= timestampWindow } }
        if oauth1RequestTokens.count > 512 {
            oauth1RequestTokens = oauth1RequestTokens.filter { now - $0.value.issuedAt <= 600 }
        }
    }
}
