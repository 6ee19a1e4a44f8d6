import Glibc
import Testing
@testable import TokenStore

struct DatabaseThreadTests {
    let directory = TemporaryDirectory()

    @Test func everyJobRunsOnTheStoresOneDedicatedThread() async throws {
        let store = try SQLiteTokenStore(path: directory.file("db.sqlite"), secret: Fixtures.secret())
        let callerThread = UInt(pthread_self())
        let threads = try await withThrowingTaskGroup(of: UInt.self) { group in
            for _ in 0..<50 {
                group.addTask { try await store.withConnection { _ in UInt(pthread_self()) } }
            }
            return try await group.reduce(into: Set<UInt>()) { $0.insert($1) }
        }
        #expect(threads.count == 1)
        #expect(threads.first != callerThread)
    }

    @Test func shutdownKeepsCommittedWorkAndRefusesLaterJobs() async throws {
        let store = try SQLiteTokenStore(path: directory.file("db.sqlite"), secret: Fixtures.secret())
        try await store.save(Fixtures.tokens(user: "queued"))
        await store.shutdown()
        await #expect(throws: TokenStoreError.closed) { try await store.save(Fixtures.tokens(user: "late")) }
        let reopened = try SQLiteTokenStore(path: directory.file("db.sqlite"), secret: Fixtures.secret())
        #expect(try await reopened.users().map(\.userID) == ["queued"])
    }
}
