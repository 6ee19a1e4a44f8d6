import Synchronization
import Testing
@testable import TokenStore

/// Reconnection pacing; no server needed (the connector is scripted).
struct PostgresSessionTests {
    final class ScriptedConnector: Sendable {
        let attempts = Mutex(0)
        func connect(_ url: PostgresURL) throws(TokenStoreError) -> PostgresConnection {
            let attempt = attempts.withLock { $0 += 1; return $0 }
            throw .postgres("connect to \(url.redactedDescription)", sqlState: "", message: "refused #\(attempt)")
        }
    }

    final class ManualInstant: Sendable {
        private let instant = Mutex(ContinuousClock.now)
        func now() -> ContinuousClock.Instant { instant.withLock { $0 } }
        func advance(by duration: Duration) { instant.withLock { $0 += duration } }
    }

    @Test func afterAFailedConnectJobsFailAtOnceUntilThePauseIsOver() throws {
        let connector = ScriptedConnector()
        let clock = ManualInstant()
        let session = PostgresSession(
            url: try PostgresURL("postgres://gw:topsecret@127.0.0.1:5432/gw"), connection: nil,
            connect: { url throws(TokenStoreError) in try connector.connect(url) }, clock: { clock.now() })

        func attempt() -> String {
            switch session.perform(retry: .onceOnBrokenConnection, { _ in 0 }) {
            case .success: "connected"
            case .failure(let error): "\(error)"
            }
        }
        let first = attempt()
        #expect(first.contains("refused #1"))
        #expect(!first.contains("topsecret"))
        // Within the pause: the same error, without another connect.
        clock.advance(by: PostgresSession.reconnectPause / 2)
        #expect(attempt() == first)
        #expect(attempt() == first)
        #expect(connector.attempts.withLock { $0 } == 1)
        // After it: a new attempt.
        clock.advance(by: PostgresSession.reconnectPause / 2)
        #expect(attempt().contains("refused #2"))
        #expect(connector.attempts.withLock { $0 } == 2)
    }
}
