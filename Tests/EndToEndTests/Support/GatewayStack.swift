import Foundation
import JSON
import Testing

/// How a suite wants its stack.
struct StackOptions: Sendable {
    /// `withings-sim` flags (without dashes) over the stack's defaults.
    var sim: [String: String] = [:]
    /// Gateway environment over the stack's defaults.
    var gateway: [String: String] = [:]
    /// How many of the simulator's users are connected through the OAuth flow at start.
    var connectedUsers = 2
    /// Whether the gateway calls the simulator through the recording tap. Legacy OAuth 1.0
    /// signatures cover the host and port, so that mode talks to the simulator directly.
    var tapped = true
}

/// A user connected through the gateway's OAuth flow, with the key it handed back.
struct ConnectedUser: Sendable {
    var id: String
    var key: String
}

/// The real binaries wired together on loopback:
///
///     curl ──> withings-gateway serve ──> UpstreamTap ──> withings-sim --control
///
/// with a fresh database, a random GATEWAY_SECRET and client secret, users
/// connected through the real OAuth redirects, and a service key minted by
/// `withings-gateway keys create`. The upstream hops are HTTPS with a
/// throw-away CA (`withings-sim --make-test-certs`) that the gateway trusts
/// through WITHINGS_CA_FILE. Driven by one test at a time: suites that share
/// a stack are `.serialized`.
final class GatewayStack: @unchecked Sendable {
    /// Whether the upstream hops (gateway -> tap -> simulator) use TLS (off only to debug a failure).
    static let upstreamTLS = true

    @TaskLocal static var current: GatewayStack?

    let directory: URL
    let certificates: ThrowawayCertificates?
    let sim: TestProcess
    let simOrigin: String
    let tap: UpstreamTap
    let reservedPort: PortReservation
    let clientID: String
    let clientSecret: String
    let gatewaySecret: String
    let environment: [String: String]
    let simUsers: [String]
    private(set) var gateway: TestProcess
    /// The log of every gateway process started (restarts included), for the log checks.
    private(set) var gatewayLogs: [URL] = []
    private(set) var connected: [ConnectedUser] = []
    private(set) var serviceKey = ""
    /// Every API key secret seen by the test, none of which may reach a log.
    private(set) var keySecrets: [String] = []

    var port: Int { reservedPort.port }
    var base: String { "http://127.0.0.1:\(port)" }
    var redirectURI: String { base + "/oauth/callback" }
    var databasePath: String { directory.appendingPathComponent("gateway.sqlite").path }

    static func start(_ options: StackOptions) async throws -> GatewayStack {
        let directory = FileManager.default.temporaryDirectory.appendingPathComponent("e2e-stack-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: directory, withIntermediateDirectories: true)
        let certificates = upstreamTLS ? try ThrowawayCertificates.make(in: directory) : nil
        let port = try PortReservation()
        let redirectURI = "http://127.0.0.1:\(port.port)/oauth/callback"
        let clientID = "e2e-client"
        let clientSecret = randomHex(bytes: 16)

        var simFlags = [
            "control": "", "listen": "127.0.0.1:0", "client-id": clientID, "client-secret": clientSecret,
            "redirect-uri": redirectURI, "users": "3", "rate-limit": "0", "same-args-window": "0", "threads": "1",
        ]
        if let certificates {
            simFlags["tls-cert"] = certificates.certificate
            simFlags["tls-key"] = certificates.key
        }
        simFlags.merge(options.sim) { _, new in new }
        var simArguments: [String] = []
        for (flag, value) in simFlags.sorted(by: { $0.key < $1.key }) {
            simArguments.append("--" + flag)
            if !value.isEmpty { simArguments.append(value) }
        }
        let sim = try TestProcess("withings-sim", simArguments, logDirectory: directory)
        let simOrigin = try sim.announcedOrigin(timeout: 90)
        let tap = try UpstreamTap(upstream: simOrigin, tls: certificates)
        do {
            let stack = try GatewayStack(
                directory: directory, certificates: certificates, sim: sim, simOrigin: simOrigin, tap: tap,
                port: port, clientID: clientID, clientSecret: clientSecret, options: options)
            try stack.connectInitialUsers(count: options.connectedUsers)
            return stack
        } catch {
            await tap.shutdown()
            sim.stop()
            throw error
        }
    }

    private init(directory: URL, certificates: ThrowawayCertificates?, sim: TestProcess, simOrigin: String,
                 tap: UpstreamTap, port: PortReservation, clientID: String, clientSecret: String,
                 options: StackOptions) throws {
        self.directory = directory
        self.certificates = certificates
        self.sim = sim
        self.simOrigin = simOrigin
        self.tap = tap
        reservedPort = port
        self.clientID = clientID
        self.clientSecret = clientSecret
        let gatewaySecret = randomHex(bytes: 32)
        self.gatewaySecret = gatewaySecret
        var environment = [
            "WITHINGS_CLIENT_ID": clientID,
            "WITHINGS_CLIENT_SECRET": clientSecret,
            "WITHINGS_API_URL": options.tapped ? tap.origin : simOrigin,
            "WITHINGS_ACCOUNT_URL": simOrigin,
            "WITHINGS_OAUTH1_URL": simOrigin,
            "WITHINGS_REDIRECT_URI": "http://127.0.0.1:\(port.port)/oauth/callback",
            "WITHINGS_RATE_LIMIT": "100000",
            "GATEWAY_SECRET": gatewaySecret,
            "GATEWAY_DATABASE": "sqlite:" + directory.appendingPathComponent("gateway.sqlite").path,
            "GATEWAY_LISTEN": "127.0.0.1:\(port.port)",
            "GATEWAY_THREADS": "2",
        ]
        if let certificates { environment["WITHINGS_CA_FILE"] = certificates.ca }
        environment.merge(options.gateway) { _, new in new }
        self.environment = environment
        gateway = try Self.launchGateway(environment: environment, directory: directory)
        simUsers = try Self.simulatorUsers(origin: simOrigin, certificates: certificates)
        gatewayLogs = [gateway.logURL]
    }

    private static func launchGateway(environment: [String: String], directory: URL) throws -> TestProcess {
        let process = try TestProcess("withings-gateway", ["serve"], environment: environment, logDirectory: directory)
        try process.waitFor("[Gateway] listening", timeout: 60)
        return process
    }

    private static func simulatorUsers(origin: String, certificates: ThrowawayCertificates?) throws -> [String] {
        let answer = try curl(origin + "/_sim/users", extra: certificates.map { ["--cacert", $0.ca] } ?? [])
        guard answer.status == 200, let users = try JSONParser.parse(Array(answer.body))["users"]?.array else {
            throw TestFailure("GET /_sim/users: \(answer.status) \(answer.text)")
        }
        return users.compactMap(\.string)
    }

    private func connectInitialUsers(count: Int) throws {
        for id in simUsers.prefix(count) { connected.append(try connect(userID: id)) }
        let created = try cli(["keys", "create", "--name", "e2e-service"])
        guard created.status == 0, let last = created.stdout.split(separator: "\n").last else {
            throw TestFailure("keys create failed (\(created.status)): \(created.stderr)")
        }
        serviceKey = String(last)
        keySecrets.append(serviceKey)
    }

    // MARK: - Processes

    /// Stops the running gateway (SIGTERM), then starts a new one on the same port and database.
    func restartGateway() throws {
        gateway.stop()
        gateway = try Self.launchGateway(environment: environment, directory: directory)
        gatewayLogs.append(gateway.logURL)
    }

    /// Starts a gateway without waiting for it (the crash test times its kill from the spawn).
    func spawnGateway() throws -> TestProcess {
        let process = try TestProcess("withings-gateway", ["serve"], environment: environment, logDirectory: directory)
        gateway = process
        gatewayLogs.append(process.logURL)
        return process
    }

    /// Runs a `withings-gateway` admin command against this stack's database.
    func cli(_ arguments: [String]) throws -> (status: Int32, stdout: String, stderr: String) {
        try run("withings-gateway", arguments, environment: [
            "GATEWAY_DATABASE": environment["GATEWAY_DATABASE"] ?? "", "GATEWAY_SECRET": gatewaySecret,
        ])
    }

    /// Stops everything this stack started; returns the gateway's exit status after SIGTERM.
    @discardableResult
    func stop() async -> Int32? {
        var status: Int32?
        if gateway.process.isRunning {
            kill(gateway.process.processIdentifier, SIGTERM)
            status = gateway.waitForExit(timeout: 40)
        }
        gateway.stop()
        sim.stop()
        await tap.shutdown()
        return status
    }

    func removeFiles() { try? FileManager.default.removeItem(at: directory) }

    // MARK: - HTTP

    /// A request to the gateway.
    func request(_ path: String, method: String = "GET", key: String? = nil, headers: [String: String] = [:],
                 extra: [String] = [], timeout: Int = 30) throws -> CurlResponse {
        var headers = headers
        if let key { headers["Authorization"] = "Bearer \(key)" }
        return try curl(base + path, method: method, headers: headers, extra: extra, timeout: timeout)
    }

    /// A request to the simulator itself (its account pages or its /_sim/ control interface).
    func simRequest(_ pathOrURL: String, method: String = "GET", form: [(String, String)]? = nil,
                    headers: [String: String] = [:]) throws -> CurlResponse {
        let url = pathOrURL.hasPrefix("http") ? pathOrURL : simOrigin + pathOrURL
        let body = form.map { $0.map { "\(formEncode($0.0))=\(formEncode($0.1))" }.joined(separator: "&") }
        var headers = headers
        if body != nil { headers["Content-Type"] = "application/x-www-form-urlencoded" }
        return try curl(url, method: method, headers: headers, data: body,
                        extra: certificates.map { ["--cacert", $0.ca] } ?? [])
    }

    /// Calls a `/_sim/` control route and insists on success.
    func simControl(_ path: String, method: String = "POST", _ form: [(String, String)] = []) throws {
        let answer = try simRequest(path, method: method, form: form.isEmpty ? nil : form)
        guard answer.status == 200 else { throw TestFailure("\(method) \(path): \(answer.status) \(answer.text)") }
    }

    func simCounters() throws -> JSONValue {
        let answer = try simRequest("/_sim/counters")
        guard answer.status == 200 else { throw TestFailure("counters: \(answer.status)") }
        return try JSONParser.parse(Array(answer.body))
    }

    /// The simulator's count of getmeas calls so far.
    func getmeasCalls() throws -> Int { try simCounters()["calls_by_action"]?["getmeas"]?.int ?? 0 }

    /// Connects a simulator user through the real flow: the gateway's
    /// authorize redirect, the simulator's account page (approving as
    /// `userID`), and the redirect back to the gateway's callback.
    func connect(userID: String) throws -> ConnectedUser {
        let start = try request("/oauth/authorize")
        // OAuth 2.0 sends the browser to /oauth2_user/authorize2, legacy OAuth 1.0 to /account/authorize.
        guard start.status == 302, let authorizeURL = start.headers["location"], authorizeURL.hasPrefix(simOrigin + "/")
        else { throw TestFailure("authorize: \(start.status) \(start.headers)") }
        let approval = try simRequest(authorizeURL + "&userid=" + userID)
        guard approval.status == 302, let callback = approval.headers["location"],
              callback.hasPrefix(redirectURI + "?")
        else { throw TestFailure("account page: \(approval.status) \(approval.text)") }
        let finish = try curl(callback)
        let json = try JSONParser.parse(Array(finish.body))
        guard finish.status == 200, json["user_id"]?.string == userID, let key = json["key"]?.string else {
            throw TestFailure("callback: \(finish.status) \(finish.text)")
        }
        keySecrets.append(key)
        return ConnectedUser(id: userID, key: key)
    }

    /// Notes a key secret minted outside `connect` (a CLI key), for the log checks.
    func noteKeySecret(_ secret: String) { keySecrets.append(secret) }

    // MARK: - Secrets

    /// Every secret the test knows of: none may appear in a log or, for tokens, in the database.
    var secrets: [(kind: String, value: String)] {
        var all: [(String, String)] = [("client secret", clientSecret), ("GATEWAY_SECRET", gatewaySecret)]
        all += keySecrets.map { ("API key", $0) }
        all += tap.issuedTokens.map { ("Withings token", $0) }
        return all
    }

    /// The database file and its companions (write-ahead log, shared memory, journal).
    var databaseFiles: [URL] {
        ["", "-wal", "-shm", "-journal"].map { URL(fileURLWithPath: databasePath + $0) }
            .filter { FileManager.default.fileExists(atPath: $0.path) }
    }

    /// Throws naming each kind of secret found in a captured log or in the
    /// database files (which must hold key hashes and encrypted tokens only).
    func verifyNoSecretsLeaked() throws {
        let scanner = SecretScanner(secrets)
        var leaks: Set<String> = []
        for file in [sim.logURL] + gatewayLogs + databaseFiles {
            for kind in scanner.kinds(foundIn: (try? Data(contentsOf: file)) ?? Data()) {
                leaks.insert("\(kind) in \(file.lastPathComponent)")
            }
        }
        if !leaks.isEmpty {
            throw TestFailure("secrets leaked: \(leaks.sorted()) (files kept in \(directory.path))")
        }
    }
}

/// The stack as a suite trait: started once before the suite's tests,
/// reachable through `GatewayStack.current`, and afterwards stopped with
/// SIGTERM (which must exit 0) and checked for leaked secrets.
struct GatewayStackTrait: SuiteTrait, TestScoping {
    var options: StackOptions
    var isRecursive: Bool { false }

    func provideScope(for test: Test, testCase: Test.Case?,
                      performing function: @Sendable () async throws -> Void) async throws {
        let stack = try await GatewayStack.start(options)
        do {
            try await GatewayStack.$current.withValue(stack) { try await function() }
        } catch {
            await stack.stop()
            throw error
        }
        let status = await stack.stop()
        guard status == 0 else { throw TestFailure("gateway exit status after SIGTERM: \(String(describing: status))") }
        try stack.verifyNoSecretsLeaked()
        stack.removeFiles()
    }
}

extension Trait where Self == GatewayStackTrait {
    static func gatewayStack(_ options: StackOptions = .init()) -> Self { GatewayStackTrait(options: options) }
}

extension GatewayStack {
    /// The suite's stack (tests of a suite with the `.gatewayStack` trait).
    static func shared() throws -> GatewayStack {
        guard let current else { throw TestFailure("no gateway stack: add the .gatewayStack trait to the suite") }
        return current
    }
}

/// A throw-away CA and a server certificate for 127.0.0.1 and localhost,
/// made by `withings-sim --make-test-certs`.
struct ThrowawayCertificates: Sendable {
    var ca: String
    var certificate: String
    var key: String

    static func make(in directory: URL) throws -> ThrowawayCertificates {
        let result = try run("withings-sim", ["--make-test-certs", directory.path])
        guard result.status == 0 else { throw TestFailure("--make-test-certs failed: \(result.stderr)") }
        return ThrowawayCertificates(
            ca: directory.appendingPathComponent("ca.pem").path,
            certificate: directory.appendingPathComponent("server.pem").path,
            key: directory.appendingPathComponent("server.key").path)
    }
}

/// A loopback port kept for one test: a bound (not listening) socket with
/// SO_REUSEPORT holds it, so no other test is handed the same port, while
/// the gateway (which also binds with SO_REUSEPORT) can still listen on it,
/// restart after restart.
final class PortReservation: Sendable {
    let port: Int
    private let fd: Int32

    init() throws {
        let fd = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        guard fd >= 0 else { throw TestFailure("socket: errno \(errno)") }
        var one: Int32 = 1
        setsockopt(fd, SOL_SOCKET, SO_REUSEADDR, &one, socklen_t(MemoryLayout<Int32>.size))
        setsockopt(fd, SOL_SOCKET, SO_REUSEPORT, &one, socklen_t(MemoryLayout<Int32>.size))
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        address.sin_port = 0
        let bound = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(fd, $0, socklen_t(MemoryLayout<sockaddr_in>.size))
            }
        }
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let named = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { getsockname(fd, $0, &length) }
        }
        guard bound == 0, named == 0 else {
            close(fd)
            throw TestFailure("cannot reserve a port: errno \(errno)")
        }
        self.fd = fd
        port = Int(UInt16(bigEndian: address.sin_port))
    }

    deinit { close(fd) }
}

extension TestProcess {
    /// The origin from the simulator's "withings-sim listening on URL" line.
    func announcedOrigin(timeout: Double) throws -> String {
        let text = try waitFor("listening on ", timeout: timeout)
        for line in text.split(separator: "\n") {
            guard let range = line.range(of: "listening on ") else { continue }
            return String(line[range.upperBound...]).trimmingCharacters(in: .whitespaces)
        }
        throw TestFailure("no origin in:\n\(text)")
    }
}

func randomHex(bytes: Int) -> String {
    (0..<bytes).map { _ in String(format: "%02x", UInt8.random(in: 0...255)) }.joined()
}

func formEncode(_ text: String) -> String {
    var allowed = CharacterSet.alphanumerics
    allowed.insert(charactersIn: "-._~")
    return text.addingPercentEncoding(withAllowedCharacters: allowed) ?? text
}
