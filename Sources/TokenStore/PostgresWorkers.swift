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

    private let queue = PostgresJobQueue()
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
            do {
                return .success(try body(live))
            } catch {
                // A statement error leaves the connection usable; a broken
                // connection is dropped, and a repeatable job tries once more.
                guard live.isBroken else { return .failure(error) }
                close()
                if attempts == 0 { return .failure(error) }
            }
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

/// What one thread runs: it owns its session for its whole life.
private final class WorkerBody {
    let queue: PostgresJobQueue
    let session: PostgresSession

    init(queue: PostgresJobQueue, session: PostgresSession) {
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

/// A blocking FIFO of jobs for several consumer threads.
///
/// `@unchecked Sendable` is safe: `jobs`, `head` and `closed` are only read or
/// written while `mutex` is held; the pointers themselves never change.
private final class PostgresJobQueue: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var jobs: [PostgresWorkers.Job] = []
    private var head = 0
    private var closed = false

    init() {
        pthread_mutex_init(mutex, nil)
        pthread_cond_init(condition, nil)
    }

    deinit {
        pthread_cond_destroy(condition)
        pthread_mutex_destroy(mutex)
        condition.deallocate()
        mutex.deallocate()
    }

    /// Appends a job unless the queue is closed.
    func push(_ job: @escaping PostgresWorkers.Job) -> Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        guard !closed else { return false }
        jobs.append(job)
        pthread_cond_signal(condition)
        return true
    }

    /// Appends the last jobs and closes the queue, unless it is closed already.
    func push(closingWith last: [PostgresWorkers.Job]) -> Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        guard !closed else { return false }
        jobs.append(contentsOf: last)
        closed = true
        pthread_cond_broadcast(condition)
        return true
    }

    /// No more jobs are accepted; the consumers drain what is queued.
    func close() {
        pthread_mutex_lock(mutex)
        closed = true
        pthread_cond_broadcast(condition)
        pthread_mutex_unlock(mutex)
    }

    /// The next job, waiting for one; nil once closed and drained.
    func pop() -> PostgresWorkers.Job? {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        while head == jobs.count {
            if closed { return nil }
            pthread_cond_wait(condition, mutex)
        }
        let job = jobs[head]
        head += 1
        // Compact once the consumed prefix dominates, keeping pops O(1) amortized.
        if head > 64 && head * 2 > jobs.count {
            jobs.removeFirst(head)
            head = 0
        }
        return job
    }
}
