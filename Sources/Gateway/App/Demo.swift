import Crypto
import Glibc
import HTTP1
import HTTPServer
import Logging
import TokenStore
import WithingsSim

/// `withings-gateway demo`: the simulator and the gateway in one process,
/// the simulator's users connected through the real token endpoint, and a
/// service key, so a newcomer can read measures with one `curl`.
public final class Demo: Sendable {
    public struct Connected: Sendable {
        public var userID: String
        public var key: String
    }

    public let app: GatewayApp
    public let simulator: WithingsSimulator
    private let simulatorServer: HTTPServer
    public let serviceKey: String
    public let users: [Connected]
    /// The temporary directory holding the demo database (removed at shutdown), if the demo made it.
    private let temporaryDirectory: String?

    /// - Parameters:
    ///   - overrides: configuration variables (e.g. GATEWAY_LISTEN, GATEWAY_DATABASE) on top of the demo's own.
    public static func start(overrides: [String: String], users: Int = 3,
                             logger: Logger) async throws -> Demo {
        // The simulator first: the gateway's upstream URLs point at it.
        var simulatorConfiguration = SimulatorConfiguration()
        simulatorConfiguration.users = users
        var overrides = overrides
        var listen = try GatewayConfiguration(environment: [:], overrides: overrides, requiring: []).listen
        if listen.port == 0 {
            // The callback URL registered with the simulator needs the real port before the gateway binds.
            listen.port = try Self.freePort(host: listen.host)
            overrides[Variable.listen] = listen.description
        }
        let callback = "http://\(listen.host.contains(":") ? "[\(listen.host)]" : listen.host):\(listen.port)/oauth/callback"
        simulatorConfiguration.redirectURIs = [callback]
        let simulator = WithingsSimulator(configuration: simulatorConfiguration)
        let simulatorServer = try serveSimulator(simulator, logger: logger)
        let simulatorURL = "http://127.0.0.1:\(simulatorServer.port)"

        var temporaryDirectory: String?
        var demoValues: [String: String] = [
            Variable.clientID: simulatorConfiguration.clientID, Variable.clientSecret: simulatorConfiguration.clientSecret,
            Variable.apiURL: simulatorURL, Variable.accountURL: simulatorURL, Variable.oauth1URL: simulatorURL,
            Variable.redirectURI: callback, Variable.authMode: "oauth2",
        ]
        // A fresh secret and database each run unless told otherwise, so the
        // demo never touches a real database.
        if overrides[Variable.secret] == nil { demoValues[Variable.secret] = ByteEncoding.hex(Digest.randomBytes(32)) }
        if overrides[Variable.database] == nil {
            let directory = try Self.makeTemporaryDirectory()
            temporaryDirectory = directory
            demoValues[Variable.database] = "sqlite:\(directory)/demo.sqlite"
        }
        var merged = overrides
        for (name, value) in demoValues where overrides[name] == nil { merged[name] = value }
        // The demo ignores the environment (a real GATEWAY_DATABASE or secret there is never touched):
        // only its own flags reach it.
        let configuration = try GatewayConfiguration(environment: [:], overrides: merged, requiring: .serve)
        guard let secret = configuration.secret else { throw ConfigurationError(variable: Variable.secret, reason: "is required") }
        let store = try GatewayDatabase.open(configuration.database, secret: secret)
        let app = try GatewayApp(configuration: configuration, store: store, logger: logger)
        try app.start()

        var connected: [Connected] = []
        for index in 0..<users {
            guard let oauth = app.oauth else { break }
            guard let grant = simulator.connectUser(index: index, redirectURI: callback) else { continue }
            switch await oauth.connect(code: grant.code, logger: logger) {
            case .success(let connection): connected.append(Connected(userID: connection.userID, key: connection.key))
            case .failure(let problem):
                logger.warning("demo user not connected", metadata: ["status": "\(problem.response.status)"])
            }
        }
        let serviceKey = try await store.createKey(name: "demo", userID: nil).secret
        return Demo(app: app, simulator: simulator, simulatorServer: simulatorServer, serviceKey: serviceKey,
                    users: connected, temporaryDirectory: temporaryDirectory)
    }

    private init(app: GatewayApp, simulator: WithingsSimulator, simulatorServer: HTTPServer, serviceKey: String,
                 users: [Connected], temporaryDirectory: String?) {
        self.app = app
        self.simulator = simulator
        self.simulatorServer = simulatorServer
        self.serviceKey = serviceKey
        self.users = users
        self.temporaryDirectory = temporaryDirectory
    }

    public var baseURL: String {
        let host = app.configuration.listen.host
        let shown = host == "0.0.0.0" ? "127.0.0.1" : (host.contains(":") ? "[\(host)]" : host)
        return "http://\(shown):\(app.port)"
    }

    /// The lines `demo` prints: URL, key, a ready `curl` line and the OAuth flow URL.
    public var banner: [String] {
        var lines = [
            "withings-gateway demo: gateway at \(baseURL), simulated Withings with \(users.count) connected users",
            "service key (reads every user): \(serviceKey)",
        ]
        for user in users { lines.append("user \(user.userID) key (reads only this user): \(user.key)") }
        if let first = users.first {
            lines.append("try:")
            lines.append("  curl -s --compressed -H 'Authorization: Bearer \(serviceKey)' '\(baseURL)/users/\(first.userID)/measures?types=weight,fat_ratio'")
        }
        lines.append("connect a user through the full OAuth flow: open \(baseURL)/oauth/authorize")
        lines.append("API description: \(baseURL)/openapi.yaml    stop: Ctrl-C")
        return lines
    }

    public func shutdown() async {
        await app.shutdown()
        await simulatorServer.shutdown()
        if let temporaryDirectory {
            for suffix in ["", "-wal", "-shm"] { unlink(temporaryDirectory + "/demo.sqlite" + suffix) }
            rmdir(temporaryDirectory)
        }
    }

    /// Serves `simulator`'s Withings routes on a free loopback port (plain HTTP).
    public static func serveSimulator(_ simulator: WithingsSimulator, logger: Logger) throws -> HTTPServer {
        var router = Router()
        simulator.install(into: &router)
        var configuration = HTTPServerConfiguration()
        configuration.host = "127.0.0.1"
        configuration.port = 0
        configuration.threads = 1
        let server = HTTPServer(configuration: configuration, router: router, logger: logger)
        try server.start()
        return server
    }

    /// A port the kernel considers free right now (bind to 0, read, close).
    public static func freePort(host: String) throws -> Int {
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr(host.contains(":") ? "127.0.0.1" : host)
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_CLOEXEC.rawValue), 0)
        defer { if fd >= 0 { close(fd) } }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let bound = fd >= 0 && withUnsafeMutablePointer(to: &address) { pointer in
            pointer.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, length) == 0 && getsockname(fd, $0, &length) == 0
            }
        }
        guard bound else {
            throw ConfigurationError(variable: Variable.listen, reason: "no free port on \(host)")
        }
        return Int(UInt16(bigEndian: address.sin_port))
    }

    static func makeTemporaryDirectory() throws -> String {
        let base = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array((base + "/withings-gateway-demo-XXXXXX").utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress.flatMap { mkdtemp($0) }.map { String(cString: $0) }
        }
        guard let made else {
            throw ConfigurationError(variable: Variable.database, reason: "no temporary directory for the demo database")
        }
        return made
    }
}
