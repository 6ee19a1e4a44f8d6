import Glibc
import Testing

@testable import Reactor

@Suite struct TerminationSignalTests {
    @Test func aRaisedSIGINTIsDeliveredToTheWaiter() async throws {
        try TerminationSignal.install()
        async let received = TerminationSignal.wait()
        kill(getpid(), SIGINT)  // process-directed: any thread not blocking it takes it
        #expect(await received == SIGINT)
    }
}
