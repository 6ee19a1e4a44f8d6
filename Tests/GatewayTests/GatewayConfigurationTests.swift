import Crypto
import Gateway
import Testing

struct GatewayConfigurationTests {
    static let secretHex = String(repeating: "ab", count: 32)
    static let serveEnvironment = [
        "WITHINGS_CLIENT_ID": "client", "WITHINGS_CLIENT_SECRET": "s3cr3t-value", "GATEWAY_SECRET": secretHex,
    ]

    @Test func defaultsMatchTheDesignTable() throws {
        let config = try GatewayConfiguration(environment: Self.serveEnvironment, requiring: .serve)
        #expect(config.redirectURI.description == "http://localhost:8080/oauth/callback")
        #expect(config.publicURL == "http://localhost:8080")
        #expect(config.apiURL == "https://wbsapi.withings.net")
        #expect(config.accountURL == "https://account.withings.com")
        #expect(config.oauth1URL == "https://oauth.withings.com")
        #expect(config.upstreamTimeout == .seconds(10))
        #expect(config.rateLimitPerMinute == 120)
        #expect(config.caFile == nil)
        #expect(config.authMode == .oauth2)
        #expect(config.listen == ListenAddress(host: "127.0.0.1", port: 8080))
        #expect(config.database == .sqlite(path: "gateway.sqlite"))
        #expect(config.secret?.derivedKey(purpose: "t") == (try GatewaySecret(hex: Self.secretHex)).derivedKey(purpose: "t"))
        #expect(config.allowedRedirects.isEmpty)
        #expect(config.corsOrigins.isEmpty)
        #expect(config.threads >= 1)
        #expect(config.cacheTTLSeconds == 60)
        #expect(config.logLevel == .info)
        #expect(config.headerTimeout == .seconds(10))
        #expect(config.bodyTimeout == .seconds(30))
        #expect(config.idleTimeout == .seconds(60))
        #expect(config.maxConnections == 10_000)
        #expect(config.maxBodyBytes == 1_048_576)
        #expect(config.shutdownTimeout == .seconds(30))
        #expect(config.unknownVariables.isEmpty)
    }

    @Test func everyVariableIsRead() throws {
        var environment = Self.serveEnvironment
        environment.merge([
            "WITHINGS_REDIRECT_URI": "https://gw.example.com/oauth/callback",
            "WITHINGS_API_URL": "https://127.0.0.1:9443/",
            "WITHINGS_ACCOUNT_URL": "https://127.0.0.1:9443",
            "WITHINGS_OAUTH1_URL": "http://127.0.0.1:9000",
            "WITHINGS_TIMEOUT": "3", "WITHINGS_RATE_LIMIT": "60", "WITHINGS_AUTH_MODE": "OAuth1",
            "GATEWAY_LISTEN": "0.0.0.0:9090", "GATEWAY_DATABASE": "sqlite:/var/lib/gw/db.sqlite",
            "GATEWAY_ALLOWED_REDIRECTS": "https://app.example.com/done, http://localhost:3000/",
            "GATEWAY_CORS_ORIGINS": "https://app.example.com:443,http://localhost:3000",
            "GATEWAY_THREADS": "3", "GATEWAY_CACHE_TTL": "0", "GATEWAY_LOG_LEVEL": "DEBUG",
            "GATEWAY_HEADER_TIMEOUT": "5", "GATEWAY_BODY_TIMEOUT": "6", "GATEWAY_IDLE_TIMEOUT": "7",
            "GATEWAY_MAX_CONNECTIONS": "100", "GATEWAY_MAX_BODY": "0", "GATEWAY_SHUTDOWN_TIMEOUT": "2",
        ]) { $1 }
        let config = try GatewayConfiguration(environment: environment, requiring: .serve)
        #expect(config.publicURL == "https://gw.example.com")
        #expect(config.apiURL == "https://127.0.0.1:9443")
        #expect(config.accountURL == "https://127.0.0.1:9443")
        #expect(config.oauth1URL == "http://127.0.0.1:9000")
        #expect(config.upstreamTimeout == .seconds(3))
        #expect(config.rateLimitPerMinute == 60)
        #expect(config.authMode == .oauth1)
        #expect(config.listen.description == "0.0.0.0:9090")
        #expect(config.database == .sqlite(path: "/var/lib/gw/db.sqlite"))
        #expect(config.allowedRedirects.map(\.description) == ["https://app.example.com/done", "http://localhost:3000/"])
        #expect(config.corsOrigins == ["https://app.example.com", "http://localhost:3000"])
        #expect(config.threads == 3)
        #expect(config.cacheTTLSeconds == 0)
        #expect(config.logLevel == .debug)
        #expect(config.headerTimeout == .seconds(5))
        #expect(config.bodyTimeout == .seconds(6))
        #expect(config.idleTimeout == .seconds(7))
        #expect(config.maxConnections == 100)
        #expect(config.maxBodyBytes == 0)
        #expect(config.shutdownTimeout == .seconds(2))
    }

    @Test func overridesWinOverTheEnvironment() throws {
        var environment = Self.serveEnvironment
        environment["GATEWAY_LISTEN"] = "not valid at all"
        let config = try GatewayConfiguration(
            environment: environment, overrides: ["GATEWAY_LISTEN": "[::1]:0", "GATEWAY_PUBLIC_URL": "https://x.io/gw/"],
            requiring: .serve)
        #expect(config.listen == ListenAddress(host: "::1", port: 0))
        #expect(config.listen.description == "[::1]:0")
        #expect(config.publicURL == "https://x.io/gw")
    }

    @Test func requirementsDependOnTheCommand() throws {
        #expect(throws: ConfigurationError(variable: "WITHINGS_CLIENT_ID", reason: "is required")) {
            try GatewayConfiguration(environment: [:], requiring: .serve)
        }
        #expect(throws: ConfigurationError(variable: "GATEWAY_SECRET", reason: "is required")) {
            try GatewayConfiguration(environment: ["WITHINGS_CLIENT_ID": "a", "WITHINGS_CLIENT_SECRET": "b"],
                                     requiring: .serve)
        }
        #expect(throws: ConfigurationError(variable: "WITHINGS_CLIENT_SECRET", reason: "is required")) {
            try GatewayConfiguration(environment: ["WITHINGS_CLIENT_ID": "a", "WITHINGS_CLIENT_SECRET": ""],
                                     requiring: .serve)
        }
        // demo needs nothing; keys/users need only the secret.
        _ = try GatewayConfiguration(environment: [:], requiring: [])
        _ = try GatewayConfiguration(environment: ["GATEWAY_SECRET": Self.secretHex], requiring: .secret)
    }

    static let badValues: [(String, String)] = [
        ("WITHINGS_REDIRECT_URI", "localhost:8080/oauth/callback"),
        ("WITHINGS_REDIRECT_URI", "http://localhost:8080/cb#frag"),
        ("WITHINGS_REDIRECT_URI", "ftp://localhost/cb"),
        ("GATEWAY_PUBLIC_URL", "https://gw.example.com/?a=b"),
        ("WITHINGS_API_URL", "https://user:pw@wbsapi.withings.net"),
        ("WITHINGS_ACCOUNT_URL", "https://exa mple.com"),
        ("WITHINGS_OAUTH1_URL", "https://host:99999"),
        ("WITHINGS_TIMEOUT", "0"), ("WITHINGS_TIMEOUT", "10s"), ("WITHINGS_TIMEOUT", "-1"),
        ("WITHINGS_RATE_LIMIT", "99999999999999999999"),
        ("WITHINGS_CA_FILE", "/nonexistent/ca.pem"),
        ("WITHINGS_AUTH_MODE", "oauth3"),
        ("GATEWAY_LISTEN", "8080"), ("GATEWAY_LISTEN", ":8080"), ("GATEWAY_LISTEN", "host:http"),
        ("GATEWAY_LISTEN", "::1:8080"), ("GATEWAY_LISTEN", "0.0.0.0:65536"), ("GATEWAY_LISTEN", "a b:80"),
        ("GATEWAY_DATABASE", "sqlite:"), ("GATEWAY_DATABASE", "mysql://u:p@h/db"),
        ("GATEWAY_DATABASE", "postgres://host/db"), ("GATEWAY_DATABASE", "postgres://u:p@h:0/db"),
        ("GATEWAY_SECRET", "abcd"), ("GATEWAY_SECRET", String(repeating: "zz", count: 32)),
        ("GATEWAY_SECRET", String(repeating: "a", count: 65)),
        ("GATEWAY_ALLOWED_REDIRECTS", "https://app.example.com/,javascript:alert(1)"),
        ("GATEWAY_ALLOWED_REDIRECTS", "https://app.example.com/#x"),
        ("GATEWAY_CORS_ORIGINS", "https://app.example.com/path"),
        ("GATEWAY_CORS_ORIGINS", "*"),
        ("GATEWAY_THREADS", "0"), ("GATEWAY_CACHE_TTL", "1.5"), ("GATEWAY_LOG_LEVEL", "verbose"),
        ("GATEWAY_HEADER_TIMEOUT", "0"), ("GATEWAY_BODY_TIMEOUT", "x"), ("GATEWAY_IDLE_TIMEOUT", " 5"),
        ("GATEWAY_MAX_CONNECTIONS", "0"), ("GATEWAY_MAX_BODY", "-5"), ("GATEWAY_SHUTDOWN_TIMEOUT", "1e3"),
    ]

    @Test(arguments: badValues)
    func badValueFailsNamingTheVariable(variable: String, value: String) {
        var environment = Self.serveEnvironment
        environment[variable] = value
        do {
            _ = try GatewayConfiguration(environment: environment, requiring: .serve)
            Issue.record("accepted \(variable)=\(value)")
        } catch {
            #expect(error.variable == variable)
            #expect(error.description.hasPrefix(variable + ": expected "))
            #expect(!error.description.contains("\n"))
        }
    }

    @Test func secretsAreNeverEchoed() {
        let leaks: [(String, String)] = [
            ("GATEWAY_SECRET", "zz-top-secret-zz"),
            ("GATEWAY_DATABASE", "postgres://user:hunter2@db"),
        ]
        for (variable, value) in leaks {
            var environment = Self.serveEnvironment
            environment[variable] = value
            do {
                _ = try GatewayConfiguration(environment: environment, requiring: .serve)
                Issue.record("accepted \(variable)")
            } catch {
                #expect(!error.description.contains(value))
                #expect(!error.description.contains("hunter2"))
                #expect(!error.description.contains("top-secret"))
            }
        }
    }

    @Test func nonSecretValuesAreQuotedShortAndPrintable() {
        var environment = Self.serveEnvironment
        environment["GATEWAY_LISTEN"] = "bad\u{1B}[31m" + String(repeating: "x", count: 200)
        #expect(throws: ConfigurationError.self) { try GatewayConfiguration(environment: environment, requiring: .serve) }
        do {
            _ = try GatewayConfiguration(environment: environment, requiring: .serve)
        } catch {
            #expect(!error.description.contains("\u{1B}"))
            #expect(error.description.count < 200)
        }
    }

    @Test func postgresURLIsParsedWithoutShowingThePassword() throws {
        var environment = Self.serveEnvironment
        let url = "postgres://gw:p%40ss+w@db.internal:6432/gateway?sslmode=require"
        environment["GATEWAY_DATABASE"] = url
        let config = try GatewayConfiguration(environment: environment, requiring: .serve)
        let expected = PostgresLocation(url: url, user: "gw", password: "p@ss+w", host: "db.internal", port: 6432,
                                        database: "gateway")
        #expect(config.database == .postgres(expected))
        #expect(config.database.description == "postgres://gw@db.internal:6432/gateway")
        environment["GATEWAY_DATABASE"] = "postgresql://gw@db/gateway"
        let defaults = try GatewayConfiguration(environment: environment, requiring: .serve)
        #expect(defaults.database == .postgres(PostgresLocation(
            url: "postgresql://gw@db/gateway", user: "gw", password: "", host: "db", port: 5432, database: "gateway")))
    }

    @Test func unknownPrefixedVariablesAreReported() throws {
        var environment = Self.serveEnvironment
        environment["GATEWAY_CACHE_TTLS"] = "5"
        environment["WITHINGS_CLIENTID"] = "x"
        environment["HOME"] = "/root"
        let config = try GatewayConfiguration(environment: environment, requiring: .serve)
        #expect(config.unknownVariables == ["GATEWAY_CACHE_TTLS", "WITHINGS_CLIENTID"])
    }

    @Test func flagNamesAreKebabCaseWithoutPrefixAndUnique() {
        #expect(Variable.flagName("GATEWAY_CACHE_TTL") == "cache-ttl")
        #expect(Variable.flagName("WITHINGS_CLIENT_ID") == "client-id")
        #expect(Set(Variable.all.map(Variable.flagName)).count == Variable.all.count)
        #expect(Variable.all.allSatisfy { Variable.help($0) != $0 })
    }
}
