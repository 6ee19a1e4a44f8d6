import Glibc

/// The one thread that owns a SQLite connection. Jobs are queued to it and
/// callers await their results through continuations, so neither the Swift
/// concurrency pool nor an event loop ever blocks on SQLite (locks, fsync).
final class DatabaseThread: Sendable {
    /// A job gets the connection, or nil once the thread has shut down.
    typealias Job = @Sendable (SQLiteConnection?) -> Void

    private let queue: JobQueue

    /// Starts the thread, which takes ownership of `connection`: from here on
    /// no other thread may touch it.
    init(connection: sending SQLiteConnection) throws(TokenStoreError) {
        queue = JobQueue()
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
            let accepted = queue.push(closingAfter: true) { connection in
                connection?.close()
                continuation.resume()
            }
            if !accepted { continuation.resume() }
        }
    }
}

/// What the thread runs: it owns the connection for its whole life.
private final class ThreadBody {
    let queue: JobQueue
    let connection: SQLiteConnection

    init(queue: JobQueue, connection: SQLiteConnection) {
        self.queue = queue
        self.connection = connection
    }

    func run() {
        while let job = queue.pop() { job(connection) }
        connection.close()
    }
}

/// A blocking FIFO of jobs for one consumer thread.
///
/// `@unchecked Sendable` is safe: `jobs`, `head` and `closed` are only read or
/// written while `mutex` is held; the pointers themselves never change.
private final class JobQueue: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var jobs: [DatabaseThread.Job] = []
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

    /// Appends a job unless the queue is closed; `closingAfter` makes it the last one.
    func push(closingAfter: Bool = false, _ job: @escaping DatabaseThread.Job) -> Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        guard !closed else { return false }
        jobs.append(job)
        closed = closingAfter
        pthread_cond_signal(condition)
        return true
    }

    /// No more jobs are accepted; the consumer drains what is queued.
    func close() {
        pthread_mutex_lock(mutex)
        closed = true
        pthread_cond_signal(condition)
        pthread_mutex_unlock(mutex)
    }

    /// The next job, waiting for one; nil once closed and drained.
    func pop() -> DatabaseThread.Job? {
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
