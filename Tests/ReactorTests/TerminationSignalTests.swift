import Glibc
import Testing

@testable import Reactor

/// SIGTERM/SIGINT handlers are never installed in the test process (the
/// runner must stay killable): the same path is exercised with SIGUSR2,
/// on a pipe of its own.
@Suite struct TerminationSignalTests {
    @Test func aWatchedSignalIsDeliveredToTheWaiter() async throws {
        let pipe = try SignalPipe(watching: [SIGUSR2])
        async let received = pipe.next()
        kill(getpid(), SIGUSR2)  // process-directed: any thread not blocking it takes it
        #expect(await received == SIGUSR2)
    }
}
