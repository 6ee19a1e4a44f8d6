import Glibc
import Synchronization

/// The PostgreSQL store's own threads, each owning one libpq connection.
///
/// libpq's calls block, so they run here and callers await results through
/// continuations: neither the Swift concurrency pool nor an event loop ever
/// waits on the network or the database. Jobs share one FIFO; whichever
/// thread is free takes the next one.
final class PostgresWorkers: Sendable {
    /// Whether a job may run again after its connection broke under it.
    enum Retry: Sendable {
        case never
        /// For jobs that give the same outcome when repeated (reads, upserts
        /// of the same values): one more try on a fresh connection.
        case onceOnBrokenConnection
    }

    /// A job gets its thread's session; false tells that thread to stop.
    typealias Job = @Sendable (PostgresSession) -> Bool

    private let queue = BlockingJobQueue<Job>()
    private let threadCount: Int

    /// Starts `threads` threads; the first takes ownership of `connection`,
    /// the others connect on their first job.
    init(url: PostgresURL, threads: Int, connection: sending PostgresConnection) throws(TokenStoreError) {
        precondition(threads >= 1, "a store needs at least one database thread")
        threadCount = threads
        var first: PostgresConnection? = connection
        for _ in 0..<threads {
            let body = WorkerBody(queue: queue, session: PostgresSession(url: url, connection: first.take()))
            let context = Unmanaged.passRetained(body).toOpaque()
            var thread = pthread_t()
            let result = pthread_create(&thread, nil, { raw in
                // Safe: `raw` is the retained WorkerBody passed just below.
                guard let raw else { return nil }
                Unmanaged<WorkerBody>.fromOpaque(raw).takeRetainedValue().run()
                return nil
            }, context)
            guard result == 0 else {
                Unmanaged<WorkerBody>.fromOpaque(context).release()
                queue.close()  // the threads already started drain and exit
                throw .system("pthread_create", errno: result, subject: "the database threads")
            }
            // Nobody joins: each thread ends by itself once the queue is closed and drained.
            pthread_detach(thread)
        }
    }

    deinit { queue.close() }

    /// Runs `body` on a database thread with a live connection and returns its result.
    func run<T: Sendable>(
        retry: Retry = .never, _ body: @escaping @Sendable (PostgresConnection) throws(TokenStoreError) -> T
    ) async throws(TokenStoreError) -> T {
        let result: Result<T, TokenStoreError> = await withCheckedContinuation { continuation in
            let accepted = queue.push { session in
                continuation.resume(returning: session.perform(retry: retry, body))
                return true
            }
            if !accepted { continuation.resume(returning: .failure(.closed)) }
        }
        return try result.get()
    }

    /// Closes every connection after the jobs already queued; later calls
    /// fail with `.closed`. Returns once the connections are closed.
    func shutdown() async {
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            let remaining = Countdown(threadCount)
            // One closing job per thread, each stopping the thread that takes
            // it, so every thread gets exactly one.
            let closers: [Job] = (0..<threadCount).map { _ in
                { session in
                    session.close()
                    if remaining.decrement() { continuation.resume() }
                    return false
                }
            }
            if !queue.push(closingWith: closers) { continuation.resume() }
        }
    }
}

/// What one thread runs: it owns its session for its whole life.
private final class WorkerBody {
    let queue: BlockingJobQueue<PostgresWorkers.Job>
    let session: PostgresSession

    init(queue: BlockingJobQueue<PostgresWorkers.Job>, session: PostgresSession) {
        self.queue = queue
        self.session = session
    }

    func run() {
        while let job = queue.pop() {
            if !job(session) { break }
        }
        session.close()
    }
}

/// Counts the closing jobs down; true for the last one.
private final class Countdown: Sendable {
    private let remaining: Mutex<Int>
    init(_ count: Int) { remaining = Mutex(count) }
    func decrement() -> Bool { remaining.withLock { $0 -= 1; return $0 == 0 } }
}
