import Crypto
import Gateway
import Glibc
import Testing
import TokenStore

struct AdministrationTests {
    /// A fresh database in its own temporary directory.
    static func withStore(_ body: (any ClosableTokenStore) async throws -> Void) async throws {
        var template = Array("/tmp/gateway-admin-XXXXXX".utf8CString)
        let made = template.withUnsafeMutableBufferPointer { buffer in
            buffer.baseAddress.flatMap { mkdtemp($0) }.map { String(cString: $0) }
        }
        let directory = try #require(made)
        defer {
            for suffix in ["", "-wal", "-shm"] { unlink(directory + "/db.sqlite" + suffix) }
            rmdir(directory)
        }
        let secret = try GatewaySecret(hex: String(repeating: "5a", count: 32))
        let store = try GatewayDatabase.open(.sqlite(path: directory + "/db.sqlite"), secret: secret)
        do {
            try await body(store)
        } catch {
            await store.shutdown()
            throw error
        }
        await store.shutdown()
    }

    @Test func createdKeyIsAloneOnTheLastLineAndAuthenticates() async throws {
        try await Self.withStore { store in
            let lines = try await Administration.createKey(store: store, name: "backend", userID: nil)
            let secret = try #require(lines.last)
            #expect(secret.hasPrefix("wgk_") && !secret.contains(" "))
            #expect(lines.dropLast().allSatisfy { !$0.contains(secret) })
            let key = try #require(try await store.authenticate(secret))
            #expect(key.userID == nil)

            let userLines = try await Administration.createKey(store: store, name: "app", userID: "42")
            #expect(userLines.first?.contains("user 42") == true)
            let listing = try await Administration.listKeys(store: store)
            #expect(listing.count == 3)
            #expect(listing.contains { $0.contains("user:42") })
            #expect(!listing.joined().contains(secret))

            #expect(try await Administration.revokeKey(store: store, id: key.id).found)
            #expect(try await !Administration.revokeKey(store: store, id: key.id).found)
            #expect(try await store.authenticate(secret) == nil)
        }
    }

    @Test func usersListAndForget() async throws {
        try await Self.withStore { store in
            try await store.save(UserTokens(userID: "7", accessToken: "a", refreshToken: "r", expiresAt: 100,
                                            scope: "user.metrics", createdAt: 1, updatedAt: 1_709_277_120))
            let listing = try await Administration.listUsers(store: store)
            #expect(listing == ["USER_ID\tSTATE\tUPDATED", "7\tactive\t2024-03-01T07:12:00Z"])
            #expect(try await Administration.forgetUser(store: store, userID: "7").found)
            #expect(try await !Administration.forgetUser(store: store, userID: "7").found)
        }
    }

    @Test func unreachablePostgresFailsWithoutShowingThePassword() throws {
        let secret = try GatewaySecret(hex: String(repeating: "5a", count: 32))
        // Port 1 on loopback: nothing listens, the connection is refused at once.
        let url = "postgres://u:hunter2@127.0.0.1:1/gw"
        let location = DatabaseLocation.postgres(PostgresLocation(url: url, user: "u", password: "hunter2",
                                                                  host: "127.0.0.1", port: 1, database: "gw"))
        do {
            _ = try GatewayDatabase.open(location, secret: secret)
            Issue.record("opened a database on a closed port")
        } catch {
            #expect(!"\(error)".contains("hunter2"))
        }
    }
}
