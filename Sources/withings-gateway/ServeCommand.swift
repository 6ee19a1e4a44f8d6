import ArgumentParser
import Gateway
import Logging
import Reactor

/// Every configuration variable as a `serve` flag (DESIGN.md: "each also
/// has a --flag on serve"); values are validated by GatewayConfiguration
/// exactly like the environment's.
struct ConfigurationFlags: ParsableArguments {
    @Option(name: .customLong("client-id"), help: .init(Variable.help(Variable.clientID))) var clientID: String?
    @Option(name: .customLong("client-secret"), help: .init(Variable.help(Variable.clientSecret))) var clientSecret: String?
    @Option(name: .customLong("redirect-uri"), help: .init(Variable.help(Variable.redirectURI))) var redirectURI: String?
    @Option(name: .customLong("public-url"), help: .init(Variable.help(Variable.publicURL))) var publicURL: String?
    @Option(name: .customLong("api-url"), help: .init(Variable.help(Variable.apiURL))) var apiURL: String?
    @Option(name: .customLong("account-url"), help: .init(Variable.help(Variable.accountURL))) var accountURL: String?
    @Option(name: .customLong("oauth1-url"), help: .init(Variable.help(Variable.oauth1URL))) var oauth1URL: String?
    @Option(name: .customLong("timeout"), help: .init(Variable.help(Variable.timeout))) var timeout: String?
    @Option(name: .customLong("rate-limit"), help: .init(Variable.help(Variable.rateLimit))) var rateLimit: String?
    @Option(name: .customLong("ca-file"), help: .init(Variable.help(Variable.caFile))) var caFile: String?
    @Option(name: .customLong("auth-mode"), help: .init(Variable.help(Variable.authMode))) var authMode: String?
    @Option(name: .customLong("listen"), help: .init(Variable.help(Variable.listen))) var listen: String?
    @Option(name: .customLong("database"), help: .init(Variable.help(Variable.database))) var database: String?
    @Option(name: .customLong("secret"), help: .init(Variable.help(Variable.secret))) var secret: String?
    @Option(name: .customLong("allowed-redirects"), help: .init(Variable.help(Variable.allowedRedirects)))
    var allowedRedirects: String?
    @Option(name: .customLong("cors-origins"), help: .init(Variable.help(Variable.corsOrigins))) var corsOrigins: String?
    @Option(name: .customLong("threads"), help: .init(Variable.help(Variable.threads))) var threads: String?
    @Option(name: .customLong("cache-ttl"), help: .init(Variable.help(Variable.cacheTTL))) var cacheTTL: String?
    @Option(name: .customLong("log-level"), help: .init(Variable.help(Variable.logLevel))) var logLevel: String?
    @Option(name: .customLong("header-timeout"), help: .init(Variable.help(Variable.headerTimeout))) var headerTimeout: String?
    @Option(name: .customLong("body-timeout"), help: .init(Variable.help(Variable.bodyTimeout))) var bodyTimeout: String?
    @Option(name: .customLong("idle-timeout"), help: .init(Variable.help(Variable.idleTimeout))) var idleTimeout: String?
    @Option(name: .customLong("max-connections"), help: .init(Variable.help(Variable.maxConnections)))
    var maxConnections: String?
    @Option(name: .customLong("max-body"), help: .init(Variable.help(Variable.maxBody))) var maxBody: String?
    @Option(name: .customLong("shutdown-timeout"), help: .init(Variable.help(Variable.shutdownTimeout)))
    var shutdownTimeout: String?

    /// The flags given, keyed by variable name.
    var overrides: [String: String] {
        let pairs: [(String, String?)] = [
            (Variable.clientID, clientID), (Variable.clientSecret, clientSecret), (Variable.redirectURI, redirectURI),
            (Variable.publicURL, publicURL), (Variable.apiURL, apiURL), (Variable.accountURL, accountURL),
            (Variable.oauth1URL, oauth1URL), (Variable.timeout, timeout), (Variable.rateLimit, rateLimit),
            (Variable.caFile, caFile), (Variable.authMode, authMode), (Variable.listen, listen),
            (Variable.database, database), (Variable.secret, secret), (Variable.allowedRedirects, allowedRedirects),
            (Variable.corsOrigins, corsOrigins), (Variable.threads, threads), (Variable.cacheTTL, cacheTTL),
            (Variable.logLevel, logLevel), (Variable.headerTimeout, headerTimeout), (Variable.bodyTimeout, bodyTimeout),
            (Variable.idleTimeout, idleTimeout), (Variable.maxConnections, maxConnections), (Variable.maxBody, maxBody),
            (Variable.shutdownTimeout, shutdownTimeout),
        ]
        var result: [String: String] = [:]
        for (name, value) in pairs { if let value { result[name] = value } }
        return result
    }
}

/// Logs go to stderr, one line each, at GATEWAY_LOG_LEVEL.
func bootstrapLogging(level: Logger.Level) -> Logger {
    LoggingSystem.bootstrap { label in
        var handler = StreamLogHandler.standardError(label: label)
        handler.logLevel = level
        return handler
    }
    return Logger(label: "withings-gateway")
}

struct ServeCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "serve", abstract: "Run the gateway (configuration from the environment, flags override).")
    @OptionGroup var flags: ConfigurationFlags

    func run() async throws {
        let configuration = loadConfiguration(overrides: flags.overrides, requiring: .serve)
        let logger = bootstrapLogging(level: configuration.logLevel)
        try TerminationSignal.install()
        // `.serve` requirements guarantee a secret; this only satisfies the type.
        guard let secret = configuration.secret else { throw ExitCode(78) }
        let app: GatewayApp
        do {
            let store = try GatewayDatabase.open(configuration.database, secret: secret)
            app = try GatewayApp(configuration: configuration, store: store, logger: logger)
            try app.start()
        } catch let error as ConfigurationError {
            StandardError.write("configuration error: \(error)")
            throw ExitCode(78)
        } catch {
            StandardError.write("cannot start: \(error)")
            throw ExitCode(1)
        }
        let signal = await TerminationSignal.wait()
        logger.info("shutting down", metadata: ["signal": "\(signal)"])
        await app.shutdown()
    }
}
