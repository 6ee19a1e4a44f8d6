/// One thread's connection, reopened when it breaks.
///
/// After a failed connect, jobs fail at once with that error for
/// `reconnectPause`: against an unreachable host every attempt waits out
/// connect_timeout, and queued jobs would otherwise do so one after another.
final class PostgresSession {
    typealias Connector = (PostgresURL) throws(TokenStoreError) -> PostgresConnection

    static let reconnectPause: Duration = .seconds(1)

    private let url: PostgresURL
    private var connection: PostgresConnection?
    private let connect: Connector
    private let clock: () -> ContinuousClock.Instant
    private var lastFailedConnect: (at: ContinuousClock.Instant, error: TokenStoreError)?

    init(
        url: PostgresURL, connection: PostgresConnection?,
        connect: @escaping Connector = { url throws(TokenStoreError) in try PostgresConnection(url) },
        clock: @escaping () -> ContinuousClock.Instant = { .now }
    ) {
        self.url = url
        self.connection = connection
        self.connect = connect
        self.clock = clock
    }

    func close() {
        connection?.close()
        connection = nil
    }

    func perform<T>(
        retry: PostgresWorkers.Retry, _ body: (PostgresConnection) throws(TokenStoreError) -> T
    ) -> Result<T, TokenStoreError> {
        var attempts = retry == .onceOnBrokenConnection ? 2 : 1
        while true {
            attempts -= 1
            let live: PostgresConnection
            do { live = try connected() } catch { return .failure(error) }
            let outcome: Result<T, TokenStoreError>
            do throws(TokenStoreError) {
                outcome = .success(try body(live))
            } catch {
                outcome = .failure(error)
            }
            if case .failure = outcome, live.isBroken {
                // A broken connection is dropped, and a repeatable job tries once more.
                close()
                if attempts > 0 { continue }
                return outcome
            }
            // A statement error leaves the connection usable, unless a
            // transaction was left open: then closing it rolls it back.
            if !live.isOutsideTransaction { close() }
            return outcome
        }
    }

    /// The open connection, or a new one when there is none or the server
    /// closed it while idle.
    private func connected() throws(TokenStoreError) -> PostgresConnection {
        if let connection, connection.probe() { return connection }
        close()
        if let failed = lastFailedConnect, clock() < failed.at + Self.reconnectPause { throw failed.error }
        do {
            let fresh = try connect(url)
            connection = fresh
            lastFailedConnect = nil
            return fresh
        } catch {
            lastFailedConnect = (clock(), error)
            throw error
        }
    }
}
