/// One thread's connection, reopened when it breaks.
final class PostgresSession {
    private let url: PostgresURL
    private var connection: PostgresConnection?

    init(url: PostgresURL, connection: PostgresConnection?) {
        self.url = url
        self.connection = connection
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
        let fresh = try PostgresConnection(url)
        connection = fresh
        return fresh
    }
}
