import Glibc

/// A blocking FIFO of jobs for the database threads: one consumer (the
/// SQLite connection's thread) or several (a PostgreSQL session each).
///
/// `@unchecked Sendable` is safe: `jobs`, `head` and `closed` are only read or
/// written while `mutex` is held; the pointers themselves never change.
final class BlockingJobQueue<Job>: @unchecked Sendable {
    private let mutex = UnsafeMutablePointer<pthread_mutex_t>.allocate(capacity: 1)
    private let condition = UnsafeMutablePointer<pthread_cond_t>.allocate(capacity: 1)
    private var jobs: [Job] = []
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
    func push(_ job: Job) -> Bool {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        guard !closed else { return false }
        jobs.append(job)
        pthread_cond_signal(condition)
        return true
    }

    /// Appends the last jobs and closes the queue, unless it is closed already.
    func push(closingWith last: [Job]) -> Bool {
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
    func pop() -> Job? {
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
