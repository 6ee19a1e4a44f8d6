import Crypto
import Glibc
import Logging

/// Everything `DESIGN.md` "Configuration" lists, validated. Built from an
/// environment dictionary with command-line overrides on top (both keyed by
/// the variable name), so `serve --listen …` and `GATEWAY_LISTEN=…` go
/// through exactly the same checks. An empty value counts as unset.
public struct GatewayConfiguration: Sendable {
    public enum AuthMode: String, Sendable, Equatable { case oauth2, oauth1 }

    /// Which optional-by-default values the command at hand cannot run without.
    public struct Requirements: OptionSet, Sendable {
        public let rawValue: Int
        public init(rawValue: Int) { self.rawValue = rawValue }
        /// WITHINGS_CLIENT_ID and WITHINGS_CLIENT_SECRET.
        public static let upstreamCredentials = Requirements(rawValue: 1)
        /// GATEWAY_SECRET.
        public static let secret = Requirements(rawValue: 2)
        /// What `serve` needs.
        public static let serve: Requirements = [.upstreamCredentials, .secret]
    }

    public var clientID: String?
    /// Secret: never logged, never in an error.
    public var clientSecret: String?
    public var redirectURI: AbsoluteURL
    /// Base for links handed out (`authorize_url`), without a trailing slash.
    public var publicURL: String
    public var apiURL: String
    public var accountURL: String
    public var oauth1URL: String
    public var upstreamTimeout: Duration
    public var rateLimitPerMinute: Int
    public var caFile: String?
    public var authMode: AuthMode
    public var listen: ListenAddress
    public var database: DatabaseLocation
    /// GATEWAY_SECRET (at least 32 bytes); its description is redacted.
    public var secret: GatewaySecret?
    public var allowedRedirects: [AbsoluteURL]
    /// Normalised origins (`scheme://host[:port]`, default port omitted).
    public var corsOrigins: [String]
    public var threads: Int
    public var cacheTTLSeconds: Int64
    public var logLevel: Logger.Level
    public var headerTimeout: Duration
    public var bodyTimeout: Duration
    public var idleTimeout: Duration
    public var maxConnections: Int
    public var maxBodyBytes: Int
    public var shutdownTimeout: Duration
    /// Set GATEWAY_*/WITHINGS_* variables this version does not know (likely typos).
    public var unknownVariables: [String]

    public init(
        environment: [String: String], overrides: [String: String] = [:], requiring requirements: Requirements
    ) throws(ConfigurationError) {
        var values = environment
        for (name, value) in overrides { values[name] = value }
        let reader = Reader(values: values)

        clientID = reader.string(Variable.clientID)
        clientSecret = reader.string(Variable.clientSecret)
        if requirements.contains(.upstreamCredentials) {
            if clientID == nil { throw reader.missing(Variable.clientID) }
            if clientSecret == nil { throw reader.missing(Variable.clientSecret) }
        }
        redirectURI = try reader.redirectURI()
        publicURL = try reader.baseURL(Variable.publicURL, default: redirectURI.origin)
        apiURL = try reader.baseURL(Variable.apiURL, default: "https://wbsapi.withings.net")
        accountURL = try reader.baseURL(Variable.accountURL, default: "https://account.withings.com")
        oauth1URL = try reader.baseURL(Variable.oauth1URL, default: "https://oauth.withings.com")
        upstreamTimeout = .seconds(try reader.integer(Variable.timeout, default: 10, in: 1...600))
        rateLimitPerMinute = try reader.integer(Variable.rateLimit, default: 120, in: 1...100_000)
        caFile = try reader.caFile()
        authMode = try reader.authMode()
        listen = try reader.listenAddress()
        database = try reader.database()
        secret = try reader.secret()
        if requirements.contains(.secret), secret == nil { throw reader.missing(Variable.secret) }
        allowedRedirects = try reader.allowedRedirects()
        corsOrigins = try reader.corsOrigins()
        threads = try reader.integer(Variable.threads, default: Self.coreCount, in: 1...1024)
        cacheTTLSeconds = Int64(try reader.integer(Variable.cacheTTL, default: 60, in: 0...86_400))
        logLevel = try reader.logLevel()
        headerTimeout = .seconds(try reader.integer(Variable.headerTimeout, default: 10, in: 1...3600))
        bodyTimeout = .seconds(try reader.integer(Variable.bodyTimeout, default: 30, in: 1...3600))
        idleTimeout = .seconds(try reader.integer(Variable.idleTimeout, default: 60, in: 1...86_400))
        maxConnections = try reader.integer(Variable.maxConnections, default: 10_000, in: 1...1_000_000)
        maxBodyBytes = try reader.integer(Variable.maxBody, default: 1_048_576, in: 0...(1 << 30))
        shutdownTimeout = .seconds(try reader.integer(Variable.shutdownTimeout, default: 30, in: 0...3600))
        unknownVariables = values.keys
            .filter { ($0.hasPrefix("GATEWAY_") || $0.hasPrefix("WITHINGS_")) && !Variable.all.contains($0) }
            .sorted()
    }

    /// GATEWAY_THREADS' default: one event loop per online core.
    static var coreCount: Int { max(1, Int(sysconf(Int32(_SC_NPROCESSORS_ONLN)))) }
}

/// Where `serve` listens.
public struct ListenAddress: Sendable, Equatable, CustomStringConvertible {
    public var host: String
    public var port: Int
    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }
    public var description: String { host.contains(":") ? "[\(host)]:\(port)" : "\(host):\(port)" }
}

/// GATEWAY_DATABASE, parsed.
public enum DatabaseLocation: Sendable, Equatable, CustomStringConvertible {
    case sqlite(path: String)
    case postgres(PostgresLocation)

    public var description: String {
        switch self {
        case .sqlite(let path): "sqlite:\(path)"
        case .postgres(let location): location.description
        }
    }
}

/// A `postgres://user:pass@host:port/db[?params]` URL split into its parts;
/// the password never appears in `description`.
public struct PostgresLocation: Sendable, Equatable, CustomStringConvertible {
    /// The URL as configured (with the password): what the store connects with.
    public var url: String
    public var user: String
    public var password: String
    public var host: String
    public var port: Int
    public var database: String
    public init(url: String, user: String, password: String, host: String, port: Int, database: String) {
        self.url = url
        self.user = user
        self.password = password
        self.host = host
        self.port = port
        self.database = database
    }
    public var description: String { "postgres://\(user)@\(host):\(port)/\(database)" }
}
