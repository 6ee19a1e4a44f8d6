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

    /// The `serve` flag for a variable: the name without its prefix, in
    /// kebab case (`GATEWAY_CACHE_TTL` -> `cache-ttl`).
    public static func flagName(_ variable: String) -> String {
        var name = Substring(variable)
        if name.hasPrefix("GATEWAY_") { name = name.dropFirst("GATEWAY_".count) }
        // Keep WITHINGS_ where dropping it would be ambiguous or unclear.
        return name.lowercased().replacingUnderscores()
    }
}

extension String {
    fileprivate func replacingUnderscores() -> String { String(map { $0 == "_" ? "-" : $0 }) }
}
