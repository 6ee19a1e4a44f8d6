import Glibc
import Synchronization
import Testing

@testable import Reactor

struct Failure: Error, Equatable { let code: Int }

/// Counts how many callers are inside at once.
final class Concurrency: Sendable {
    private let state = Mutex((now: 0, most: 0))
    func enter() { state.withLock { $0.now += 1; $0.most = max($0.most, $0.now) } }
    func leave() { state.withLock { $0.now -= 1 } }
    var most: Int { state.withLock { $0.most } }
}

@Suite struct BlockingPoolTests {
    @Test func runsWorkOffTheCallerAndReturnsItsResult() async throws {
        let pool = BlockingPool(threads: 2, name: "test-pool")
        defer { pool.shutdown() }
        let caller = pthread_self()
        let (value, sameThread) = try await pool.run { (21 * 2, pthread_self() == caller) }
        #expect(value == 42)
        #expect(!sameThread)
    }

    @Test func errorsPropagate() async {
        let pool = BlockingPool(threads: 1, name: "test-pool")
        defer { pool.shutdown() }
        await #expect(throws: Failure(code: 7)) {
            try await pool.run { () throws -> Int in throw Failure(code: 7) }
        }
    }

    @Test func blockingCallsRunConcurrentlyOnSeveralThreads() async throws {
        let pool = BlockingPool(threads: 3, name: "test-pool")
        defer { pool.shutdown() }
        let inside = Concurrency()
        try await withThrowingTaskGroup(of: Void.self) { group in
            for _ in 0..<6 {
                group.addTask {
                    try await pool.run {
                        inside.enter()
                        usleep(20_000)
                        inside.leave()
                    }
                }
            }
            try await group.waitForAll()
        }
        #expect(inside.most >= 2)
        #expect(inside.most <= 3)
    }

    @Test func workAfterShutdownIsRefused() async {
        let pool = BlockingPool(threads: 1, name: "test-pool")
        pool.shutdown()
        await #expect(throws: CancellationError.self) { try await pool.run { 1 } }
    }
}
