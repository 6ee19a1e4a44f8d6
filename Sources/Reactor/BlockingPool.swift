import Glibc
import Synchronization

/// A few dedicated threads for calls that block (getaddrinfo, fsync,
/// synchronous database drivers), so neither an event loop nor the shared
/// concurrency pool (two threads on small machines) ever waits in the kernel.
public final class BlockingPool: Sendable {
    private let shared = Shared()
    private let threads: Mutex<[NativeThread]>

    /// What the pool threads share with the callers.
    private final class Shared: Sendable {
        let state = Mutex(State())
        /// Counts queued items plus stop requests; each wakes one thread.
        let semaphore = Semaphore()
    }

    private struct State {
        var queue: [@Sendable () -> Void] = []
        var head = 0
        var stopped = false
    }

    public init(threads count: Int, name: String) {
        precondition(count > 0)
        let shared = self.shared
        threads = Mutex((0..<count).map { index in
            NativeThread.spawn(name: "\(name)-\(index)") { Self.work(shared) }
        })
    }

    /// Runs `body` on a pool thread and returns its result. Throws
    /// `CancellationError` if the pool was shut down before it ran.
    public func run<T: Sendable>(_ body: @escaping @Sendable () throws -> T) async throws -> T {
        try await withCheckedThrowingContinuation { (continuation: CheckedContinuation<T, any Error>) in
            let accepted = shared.state.withLock { state -> Bool in
                guard !state.stopped else { return false }
                state.queue.append { continuation.resume(with: Result { try body() }) }
                return true
            }
            if accepted {
                shared.semaphore.signal()
            } else {
                continuation.resume(throwing: CancellationError())
            }
        }
    }

    /// Lets queued work finish, then stops and joins the threads.
    public func shutdown() {
        let workers = threads.withLock { threads in
            defer { threads = [] }
            return threads
        }
        guard !workers.isEmpty else { return }
        shared.state.withLock { $0.stopped = true }
        for _ in workers { shared.semaphore.signal() }
        for worker in workers { worker.join() }
    }

    deinit {
        shutdown()
    }

    private static func work(_ shared: Shared) {
        while true {
            shared.semaphore.wait()
            let next = shared.state.withLock { state -> (@Sendable () -> Void)? in
                guard state.head < state.queue.count else { return nil }
                let item = state.queue[state.head]
                state.head += 1
                if state.head > 64 && state.head * 2 > state.queue.count {
                    state.queue.removeFirst(state.head)
                    state.head = 0
                }
                return item
            }
            // No item for this wake-up: it was a stop request.
            guard let next else { return }
            next()
        }
    }
}

/// A POSIX counting semaphore on the heap (sem_t must not move).
final class Semaphore: @unchecked Sendable {
    // @unchecked: sem_t is designed for concurrent sem_post/sem_wait; the
    // storage is allocated once and freed only in deinit.
    private let storage: UnsafeMutablePointer<sem_t>

    init() {
        storage = .allocate(capacity: 1)
        sem_init(storage, 0, 0)
    }

    func signal() { sem_post(storage) }

    func wait() {
        while sem_wait(storage) != 0 {}  // EINTR only
    }

    deinit {
        sem_destroy(storage)
        storage.deallocate()
    }
}
