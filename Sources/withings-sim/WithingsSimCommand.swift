import ArgumentParser
import Foundation
import HTTPServer
import Logging
import Reactor
import TLS
import WithingsSim

/// The standalone Withings simulator: the same library `withings-gateway
/// demo` embeds, served on the project's own HTTP server.
@main
struct WithingsSimCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "withings-sim",
        abstract: "A faithful offline simulator of the Withings API.",
        discussion: """
            Serves the account pages (/oauth2_user/authorize2), the token endpoint (/v2/oauth2, /v2/signature), \
            getmeas (/measure), the legacy OAuth 1.0 endpoints (/account/*) and, with --control, the /_sim/ \
            control interface for tests. Point WITHINGS_API_URL, WITHINGS_ACCOUNT_URL and WITHINGS_OAUTH1_URL \
            of the gateway at the printed address. Prints one line "withings-sim listening on URL" when ready.
            """)

    @Option(help: ArgumentHelp("Address to listen on; port 0 picks a free one.", valueName: "host:port"))
    var listen = "127.0.0.1:8090"

    @Option(help: "The partner app's client id (also the OAuth 1.0 consumer key).")
    var clientID = "demo-client"

    @Option(help: "The partner app's client secret (also the OAuth 1.0 consumer secret).")
    var clientSecret = "demo-secret"

    @Option(help: ArgumentHelp("Registered callback URLs, comma-separated.", valueName: "urls"))
    var redirectURI = "http://localhost:8080/oauth/callback"

    @Option(help: ArgumentHelp("Serve HTTPS with this PEM certificate (needs --tls-key).", valueName: "file"))
    var tlsCert: String?

    @Option(help: ArgumentHelp("PEM private key of --tls-cert.", valueName: "file"))
    var tlsKey: String?

    @Option(help: "Number of synthetic users.")
    var users = 3

    @Option(help: "Seed of the synthetic data (same seed, same users and measures).")
    var seed: UInt64 = 1

    @Option(help: ArgumentHelp("Access-token lifetime.", valueName: "seconds"))
    var tokenTTL: Int64 = 10800

    @Option(help: "Measure groups per getmeas page.")
    var pageSize = 200

    @Option(help: ArgumentHelp("API calls a minute the app may make; 0 = unlimited.", valueName: "per-minute"))
    var rateLimit = 120

    @Option(help: ArgumentHelp("Same arguments within this window answer 601; 0 = off.", valueName: "seconds"))
    var sameArgsWindow: Int64 = 10

    @Option(help: ArgumentHelp("Latency added to every API answer.", valueName: "ms"))
    var latencyMs = 0

    @Flag(help: "Serve the /_sim/ control interface (faults, counters); for tests only.")
    var control = false

    @Option(help: "Event-loop threads.")
    var threads = 2

    @Option(help: ArgumentHelp(
        "Write a throw-away CA (ca.pem) and a server certificate for localhost/127.0.0.1 (server.pem, server.key) into this directory, then exit.",
        valueName: "dir"))
    var makeTestCerts: String?

    func validate() throws {
        guard ListenAddress(listen) != nil else { throw ValidationError("--listen: expected HOST:PORT, got '\(listen)'") }
        guard !clientID.isEmpty else { throw ValidationError("--client-id: must not be empty") }
        guard !clientSecret.isEmpty else { throw ValidationError("--client-secret: must not be empty") }
        guard !redirectURIs.isEmpty else { throw ValidationError("--redirect-uri: at least one URL is needed") }
        guard (tlsCert == nil) == (tlsKey == nil) else {
            throw ValidationError("--tls-cert and --tls-key: give both or neither")
        }
        guard (1...100_000).contains(users) else { throw ValidationError("--users: 1 to 100000") }
        guard tokenTTL > 0 else { throw ValidationError("--token-ttl: must be positive") }
        guard (1...10_000).contains(pageSize) else { throw ValidationError("--page-size: 1 to 10000") }
        guard rateLimit >= 0 else { throw ValidationError("--rate-limit: must not be negative") }
        guard sameArgsWindow >= 0 else { throw ValidationError("--same-args-window: must not be negative") }
        guard (0...600_000).contains(latencyMs) else { throw ValidationError("--latency-ms: 0 to 600000") }
        guard (1...256).contains(threads) else { throw ValidationError("--threads: 1 to 256") }
    }

    private var redirectURIs: [String] {
        redirectURI.split(separator: ",").map { String($0).trimmingCharacters(in: .whitespaces) }.filter { !$0.isEmpty }
    }

    func run() async throws {
        if let directory = makeTestCerts {
            try TestCertificates.write(into: directory)
            print("wrote ca.pem, ca.key, server.pem, server.key to \(directory)")
            return
        }
        var simulator = SimulatorConfiguration()
        simulator.clientID = clientID
        simulator.clientSecret = clientSecret
        simulator.redirectURIs = redirectURIs
        simulator.users = users
        simulator.seed = seed
        simulator.tokenTTL = tokenTTL
        simulator.pageSize = pageSize
        simulator.rateLimitPerMinute = rateLimit
        simulator.sameArgsWindow = sameArgsWindow
        simulator.latencyMs = latencyMs
        simulator.control = control
        simulator.scheme = tlsCert == nil ? "http" : "https"
        try await serve(simulator)
    }
}

extension WithingsSimCommand {
    /// Serves until SIGTERM or SIGINT; the ready line goes to stdout, logs to stderr.
    private func serve(_ simulatorConfiguration: SimulatorConfiguration) async throws {
        guard let address = ListenAddress(listen) else { throw ValidationError("--listen: expected HOST:PORT") }
        var serverConfiguration = HTTPServerConfiguration()
        serverConfiguration.host = address.host
        serverConfiguration.port = address.port
        serverConfiguration.threads = threads
        if let tlsCert, let tlsKey {
            do {
                serverConfiguration.tls = try TLSServerContext(certificateFile: tlsCert, privateKeyFile: tlsKey)
            } catch {
                throw ValidationError("--tls-cert/--tls-key: \(error)")
            }
        }
        let simulator = WithingsSimulator(configuration: simulatorConfiguration)
        // "Ready" should mean fast: build the histories a test or benchmark will hit first.
        simulator.prepareData(users: 64)
        var router = Router()
        simulator.install(into: &router)
        LoggingSystem.bootstrap(StreamLogHandler.standardError)
        var logger = Logger(label: "withings-sim")
        logger.logLevel = .notice
        let server = HTTPServer(configuration: serverConfiguration, router: router, logger: logger)
        try TerminationSignal.install()
        try server.start()
        let bound = ListenAddress(host: address.host, port: server.port)
        // Unbuffered, so a parent process waiting for this line sees it at once.
        FileHandle.standardOutput.write(Data("withings-sim listening on \(bound.origin(scheme: simulatorConfiguration.scheme))\n".utf8))
        _ = await TerminationSignal.wait()
        await server.shutdown()
    }
}
