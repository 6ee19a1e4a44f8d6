import Glibc

/// The one thread that owns a SQLite connection. Jobs are queued to it and
/// callers await their results through continuations, so neither the Swift
/// concurrency pool nor an event loop ever blocks on SQLite (locks, fsync).
final class DatabaseThread: Sendable {
    /// A job gets the connection, or nil once the thread has shut down.
    typealias Job = @Sendable (SQLiteConnection?) -> Void

    private let queue: BlockingJobQueue<Job>

    /// Starts the thread, which takes ownership of `connection`: from here on
    /// no other thread may touch it.
    init(connection: sending SQLiteConnection) throws(TokenStoreError) {
        queue = BlockingJobQueue<Job>()
        let body = ThreadBody(queue: queue, connection: connection)
        let context = Unmanaged.passRetained(body).toOpaque()
        var thread = pthread_t()
        let result = pthread_create(&thread, nil, { raw in
            // Safe: `raw` is the retained ThreadBody passed just below.
            guard let raw else { return nil }
            Unmanaged<ThreadBody>.fromOpaque(raw).takeRetainedValue().run()
            return nil
        }, context)
        guard result == 0 else {
            Unmanaged<ThreadBody>.fromOpaque(context).release()
            throw .system("pthread_create", errno: result, subject: "the database thread")
        }
        // Nobody joins: the thread ends by itself once the queue is closed and drained.
        pthread_detach(thread)
    }

    deinit { queue.close() }

    /// Runs `body` on the database thread and returns its result.
    func run<T: Sendable>(_ body: @escaping @Sendable (SQLiteConnection) throws(TokenStoreError) -> T) async throws(TokenStoreError) -> T {
        let result: Result<T, TokenStoreError> = await withCheckedContinuation { continuation in
            let accepted = queue.push { connection in
                guard let connection else { return continuation.resume(returning: .failure(.closed)) }
                do throws(TokenStoreError) {
                    continuation.resume(returning: .success(try body(connection)))
                } catch {
                    continuation.resume(returning: .failure(error))
                }
            }
            if !accepted { continuation.resume(returning: .failure(.closed)) }
        }
        return try result.get()
    }

    /// Closes the connection after the jobs already queued; later calls fail
    /// with `.closed`. Returns once the connection is closed.
    func shutdown() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let accepted = queue.push(closingWith: [{ connection in
                connection?.close()
                continuation.resume()
            }])
            if !accepted { continuation.resume() }
        }
    }
}

/// What the thread runs: it owns the connection for its whole life.
private final class ThreadBody {
    let queue: BlockingJobQueue<DatabaseThread.Job>
    let connection: SQLiteConnection

    init(queue: BlockingJobQueue<DatabaseThread.Job>, connection: SQLiteConnection) {
        self.queue = queue
        self.connection = connection
    }

    func run() {
        while let job = queue.pop() { job(connection) }
        connection.close()
    }
}
