import Crypto
import Glibc
import Testing
@testable import TokenStore

/// The database the PostgreSQL tests use: `GATEWAY_TEST_POSTGRES_URL`, which
/// `scripts/with-postgres` sets. Without it those tests are skipped.
enum PostgresTestDatabase {
    static let url: String? = getenv("GATEWAY_TEST_POSTGRES_URL").map { String(cString: $0) }.flatMap {
        $0.isEmpty ? nil : $0
    }
    static var isAvailable: Bool { url != nil }
    static let skipReason: Comment = "GATEWAY_TEST_POSTGRES_URL is not set: run them under ./scripts/with-postgres"
}

/// A schema of its own for one test, selected through the connection's
/// search_path, so tests running in parallel share the database but no
/// tables. Dropped (with its tables) on deinit.
final class PostgresTestSchema: Sendable {
    let name: String
    /// The database URL with this schema (and an application name naming it,
    /// to find the store's sessions in pg_stat_activity).
    let url: String
    private let baseURL: String

    init() throws {
        baseURL = try #require(PostgresTestDatabase.url)
        // Hex only: safe to write into SQL as an identifier.
        name = "test_\(Fixtures.randomHex())"
        url = Self.url(base: baseURL, schema: name, serverOptions: "")
        let admin = try PostgresConnection(PostgresURL(baseURL))
        defer { admin.close() }
        try admin.execute("CREATE SCHEMA \(name)")
    }

    /// The base URL selecting `schema`, plus percent-encoded `-c name=value` server options.
    private static func url(base: String, schema: String, serverOptions: String) -> String {
        base + (base.contains("?") ? "&" : "?") + "options=\(serverOptions)-csearch_path%3D\(schema)&application_name=\(schema)"
    }

    /// This schema's URL with extra server settings, e.g. `["synchronous_commit": "off"]`.
    func url(withServerSettings settings: [String: String]) -> String {
        let options = settings.map { "-c\($0.key)%3D\($0.value)%20" }.joined()
        return Self.url(base: baseURL, schema: name, serverOptions: options)
    }

    deinit {
        guard let admin = try? PostgresConnection(PostgresURL(baseURL)) else { return }
        try? admin.execute("DROP SCHEMA \(name) CASCADE")
        admin.close()
    }

    func openStore(secret: GatewaySecret? = nil, clock: ManualClock? = nil, connections: Int = 2) throws -> PostgresTokenStore {
        let clock = clock ?? ManualClock()
        return try PostgresTokenStore(url: url, secret: secret ?? Fixtures.secret(), connections: connections,
                                      now: { clock.now() })
    }

    /// A separate session on the same schema, for inspecting and damaging
    /// rows or terminating the store's sessions.
    func adminConnection() throws -> PostgresConnection {
        try PostgresConnection(PostgresURL(baseURL + (baseURL.contains("?") ? "&" : "?") + "options=-csearch_path%3D\(name)"))
    }

    /// Terminates every server session of the stores opened on this schema,
    /// as a database restart or an administrator would, and waits (up to
    /// 10 s) until they are gone. Returns how many there were.
    func terminateStoreSessions() async throws -> Int {
        let name = self.name
        let admin = try adminConnection()
        defer { admin.close() }
        let sessions = "FROM pg_stat_activity WHERE application_name = $1 AND pid <> pg_backend_pid()"
        let terminated = try admin.query("SELECT pg_terminate_backend(pid) \(sessions)", [.text(name)]) { _ in () }.count
        for _ in 0..<1000 {
            let left = try admin.query("SELECT pid \(sessions)", [.text(name)]) { _ in () }.count
            if left == 0 { break }
            try await Task.sleep(for: .milliseconds(10))
        }
        return terminated
    }
}

/// Runs blocking work (libpq connects, migrations) on a thread of its own,
/// keeping it off the two threads of the shared concurrency pool.
func onOwnThread<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
    let result: Result<T, any Error> = await withCheckedContinuation { continuation in
        let box = ThreadEntry { continuation.resume(returning: Result { try body() }) }
        let context = Unmanaged.passRetained(box).toOpaque()
        var thread = pthread_t()
        let created = pthread_create(&thread, nil, { raw in
            guard let raw else { return nil }
            Unmanaged<ThreadEntry>.fromOpaque(raw).takeRetainedValue().body()
            return nil
        }, context)
        if created == 0 {
            pthread_detach(thread)
        } else {
            Unmanaged<ThreadEntry>.fromOpaque(context).release()
            continuation.resume(returning: .failure(TokenStoreError.system("pthread_create", errno: created, subject: "a test thread")))
        }
    }
    return try result.get()
}

private final class ThreadEntry: Sendable {
    let body: @Sendable () -> Void
    init(_ body: @escaping @Sendable () -> Void) { self.body = body }
}

/// A database of its own for one test (for what acts on a whole database,
/// such as refusing connections); needs the CREATEDB privilege that
/// `scripts/with-postgres` grants. Dropped on deinit.
final class PostgresTestDatabaseOfItsOwn: Sendable {
    let name: String
    let url: String
    private let baseURL: String

    /// Whether the test role may create databases.
    static var isPossible: Bool {
        guard let base = PostgresTestDatabase.url, let admin = try? PostgresConnection(PostgresURL(base)) else {
            return false
        }
        defer { admin.close() }
        let allowed = try? admin.query("SELECT rolcreatedb FROM pg_roles WHERE rolname = current_user") { $0.bytes(0) }
        return allowed == [[1]]
    }

    init() throws {
        baseURL = try #require(PostgresTestDatabase.url)
        let parsed = try PostgresURL(baseURL)
        // Hex only: safe to write into SQL as an identifier.
        name = "test_\(Fixtures.randomHex())"
        let user = parsed["user"].map { percentEncoded($0) } ?? ""
        let password = parsed["password"].map { ":" + percentEncoded($0) } ?? ""
        let host = parsed["host"].map { $0.contains(":") ? "[\($0)]" : percentEncoded($0) } ?? ""
        let port = parsed["port"].map { ":\($0)" } ?? ""
        url = "postgres://\(user)\(password)@\(host)\(port)/\(name)"
        try withAdmin { try $0.execute("CREATE DATABASE \(name)") }
    }

    deinit {
        let name = self.name
        try? withAdmin { try $0.execute("DROP DATABASE IF EXISTS \(name) WITH (FORCE)") }
    }

    /// Runs SQL as the test role on the shared database (not this one).
    func withAdmin<T>(_ body: (PostgresConnection) throws -> T) throws -> T {
        let admin = try PostgresConnection(PostgresURL(baseURL))
        defer { admin.close() }
        return try body(admin)
    }

    /// Refuses new connections and ends the existing ones, as a database
    /// going down would; waits (up to 10 s) until they are gone.
    func goDown() async throws {
        let name = self.name
        let remaining = { () throws -> Int in
            try self.withAdmin { admin in
                try admin.query("SELECT pid FROM pg_stat_activity WHERE datname = $1", [.text(name)]) { _ in () }.count
            }
        }
        try withAdmin { admin in
            try admin.execute("ALTER DATABASE \(name) CONNECTION LIMIT 0")
            _ = try admin.query(
                "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", [.text(name)]) { _ in () }
        }
        for _ in 0..<1000 {
            if try remaining() == 0 { break }
            try await Task.sleep(for: .milliseconds(10))
        }
    }

    func comeBack() throws {
        let name = self.name
        try withAdmin { try $0.execute("ALTER DATABASE \(name) CONNECTION LIMIT -1") }
    }
}

/// Everything but RFC 3986 unreserved characters, percent-encoded.
private func percentEncoded(_ text: String) -> String {
    let hex = Array("0123456789ABCDEF".utf8)
    var out: [UInt8] = []
    for byte in text.utf8 {
        let unreserved = (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || Array("-._~".utf8).contains(byte)
        if unreserved { out.append(byte) } else { out += [UInt8(ascii: "%"), hex[Int(byte >> 4)], hex[Int(byte & 0xF)]] }
    }
    return String(decoding: out, as: UTF8.self)
}
