import Crypto
import Gateway
import Glibc
import HTTPClient
import Logging
import Reactor
import Testing

/// Two gateway replicas sharing one PostgreSQL database (run under
/// scripts/with-postgres, which sets GATEWAY_TEST_POSTGRES_URL): a user
/// connected through one is served by the other with the same key.
struct PostgresReplicaTests {
    static let url = getenv("GATEWAY_TEST_POSTGRES_URL").map { String(cString: $0) }

    @Test(.enabled(if: url != nil, "needs GATEWAY_TEST_POSTGRES_URL (scripts/with-postgres)"))
    func replicasShareUsersAndKeys() async throws {
        let logger = Logger(label: "t", factory: { _ in SwiftLogNoOpLogHandler() })
        let url = try #require(Self.url)
        let secret = ByteEncoding.hex(Digest.randomBytes(32))
        let demo = try await Demo.start(
            overrides: ["GATEWAY_LISTEN": "127.0.0.1:0", "GATEWAY_THREADS": "1", "GATEWAY_DATABASE": url,
                        "GATEWAY_SECRET": secret],
            users: 1, logger: logger)
        var configuration = demo.app.configuration
        configuration.listen.port = try Demo.freePort(host: "127.0.0.1")
        let replicaSecret = try #require(configuration.secret)
        let replica = try GatewayApp(
            configuration: configuration, store: try GatewayDatabase.open(configuration.database, secret: replicaSecret),
            logger: logger)
        try replica.start()
        let group = try EventLoopGroup(threads: 1, name: "test-client")
        let client = HTTPClient(group: group, configuration: HTTPClientConfiguration(), logger: logger)
        do {
            let user = try #require(demo.users.first)
            // Different queries: Withings answers identical arguments within 10 s with 601,
            // and each replica has its own cache.
            for (port, type) in [(demo.app.port, "weight"), (replica.port, "fat_ratio")] {
                let response = try await client.send(HTTPClientRequest(
                    method: .get, url: "http://127.0.0.1:\(port)/users/\(user.userID)/measures?types=\(type)",
                    headers: ["Authorization": "Bearer " + user.key]), timeout: .seconds(10))
                #expect(response.status == 200, "replica on port \(port)")
            }
        } catch {
            Issue.record("\(error)")
        }
        await client.shutdown()
        group.shutdown()
        await replica.shutdown()
        await demo.shutdown()
    }
}
