/// The names of DESIGN.md's configuration variables, with the `serve` flag
/// each one has. One table, so the CLI, the validator and the "unknown
/// variable" warning cannot drift apart.
public enum Variable {
    public static let clientID = "WITHINGS_CLIENT_ID"
    public static let clientSecret = "WITHINGS_CLIENT_SECRET"
    public static let redirectURI = "WITHINGS_REDIRECT_URI"
    public static let publicURL = "GATEWAY_PUBLIC_URL"
    public static let apiURL = "WITHINGS_API_URL"
    public static let accountURL = "WITHINGS_ACCOUNT_URL"
    public static let oauth1URL = "WITHINGS_OAUTH1_URL"
    public static let timeout = "WITHINGS_TIMEOUT"
    public static let rateLimit = "WITHINGS_RATE_LIMIT"
    public static let caFile = "WITHINGS_CA_FILE"
    public static let authMode = "WITHINGS_AUTH_MODE"
    public static let listen = "GATEWAY_LISTEN"
    public static let database = "GATEWAY_DATABASE"
    public static let secret = "GATEWAY_SECRET"
    public static let allowedRedirects = "GATEWAY_ALLOWED_REDIRECTS"
    public static let corsOrigins = "GATEWAY_CORS_ORIGINS"
    public static let threads = "GATEWAY_THREADS"
    public static let cacheTTL = "GATEWAY_CACHE_TTL"
    public static let logLevel = "GATEWAY_LOG_LEVEL"
    public static let headerTimeout = "GATEWAY_HEADER_TIMEOUT"
    public static let bodyTimeout = "GATEWAY_BODY_TIMEOUT"
    public static let idleTimeout = "GATEWAY_IDLE_TIMEOUT"
    public static let maxConnections = "GATEWAY_MAX_CONNECTIONS"
    public static let maxBody = "GATEWAY_MAX_BODY"
    public static let shutdownTimeout = "GATEWAY_SHUTDOWN_TIMEOUT"

    /// Every variable in DESIGN.md order.
    public static let all: [String] = [
        clientID, clientSecret, redirectURI, publicURL, apiURL, accountURL, oauth1URL, timeout, rateLimit, caFile,
        authMode, listen, database, secret, allowedRedirects, corsOrigins, threads, cacheTTL, logLevel,
        headerTimeout, bodyTimeout, idleTimeout, maxConnections, maxBody, shutdownTimeout,
    ]

    /// Values that must never be quoted back (GATEWAY_DATABASE may hold a password).
    public static let secrets: Set<String> = [clientSecret, secret, database]

    /// The `serve` flag of a variable: the name without its `GATEWAY_` or
    /// `WITHINGS_` prefix, in kebab case (`GATEWAY_CACHE_TTL` -> `cache-ttl`).
    public static func flagName(_ variable: String) -> String {
        var name = Substring(variable)
        for prefix in ["GATEWAY_", "WITHINGS_"] where name.hasPrefix(prefix) { name = name.dropFirst(prefix.count) }
        return String(name.lowercased().map { $0 == "_" ? "-" : $0 })
    }

    /// One line of help per variable, for `serve --help`.
    public static func help(_ variable: String) -> String {
        switch variable {
        case clientID: "the app's Withings client id"
        case clientSecret: "the app's Withings client secret (prefer the environment: flags show in ps)"
        case redirectURI: "the callback URL registered with Withings (default http://localhost:8080/oauth/callback)"
        case publicURL: "public base URL used in links (default: the origin of the redirect URI)"
        case apiURL: "upstream data and token API base (default https://wbsapi.withings.net)"
        case accountURL: "upstream authorization page base (default https://account.withings.com)"
        case oauth1URL: "legacy OAuth 1.0 endpoints base (default https://oauth.withings.com)"
        case timeout: "seconds one upstream call may take in all (default 10)"
        case rateLimit: "upstream calls per minute the gateway allows itself (default 120)"
        case caFile: "extra PEM CA bundle trusted for upstream TLS"
        case authMode: "oauth2 (default) or oauth1"
        case listen: "address:port to listen on (default 127.0.0.1:8080)"
        case database: "sqlite:PATH (default sqlite:gateway.sqlite) or postgres://user:pass@host:port/db"
        case secret: "64+ hex digits; encrypts tokens, signs state (prefer the environment: flags show in ps)"
        case allowedRedirects: "comma-separated app URL prefixes the OAuth flow may return to"
        case corsOrigins: "comma-separated origins allowed to call the API from a browser"
        case threads: "event-loop threads (default: number of cores)"
        case cacheTTL: "seconds a translated upstream answer may be served from cache (default 60)"
        case logLevel: "trace, debug, info (default), notice, warning, error or critical"
        case headerTimeout: "seconds for a request's header section (default 10)"
        case bodyTimeout: "seconds a request body may stall (default 30)"
        case idleTimeout: "seconds an idle keep-alive connection is kept (default 60)"
        case maxConnections: "open client connections per process (default 10000)"
        case maxBody: "request body bytes (default 1048576)"
        case shutdownTimeout: "seconds in-flight requests get after SIGTERM (default 30)"
        default: variable
        }
    }
}
