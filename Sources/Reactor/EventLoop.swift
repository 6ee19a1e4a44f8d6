import CLinux
import Glibc
import Synchronization

/// One epoll set served by one thread. Descriptors registered here get
/// their events on this thread only; other threads reach it through
/// `execute`, which wakes the loop with an eventfd.
///
/// `@unchecked Sendable`: the fields marked "loop thread only" are touched
/// exclusively from the loop's own thread (the public methods that use them
/// check `inEventLoop`), the cross-thread queue is behind a `Mutex`, and
/// the rest is immutable after `init`.
public final class EventLoop: @unchecked Sendable {
    public let name: String
    private let epollFD: Int32
    private let wakeFD: Int32
    private let threadID = Atomic<UInt>(0)
    private let remote = Mutex(RemoteQueue())

    private struct RemoteQueue {
        var work: [Work] = []
        /// An eventfd write is on its way; later submitters need not write.
        var wakePending = false
        var stopping = false
    }

    /// A closure from `execute`, or a job of a task preferring this loop.
    private enum Work: Sendable {
        case closure(@Sendable () -> Void)
        case job(UnownedJob)
    }

    private struct Registration {
        var handler: any IOHandler
        var generation: UInt32
    }

    // Loop thread only.
    private var registrations: [Registration?] = []
    private var nextGeneration: UInt32 = 1
    private var timers = TimerHeap()
    private var local: [Work] = []
    private var running = true
    private var cachedNow: UInt64 = 0

    /// Generation 0 marks the wake-up eventfd in the epoll data.
    private static let wakeToken: UInt64 = 0

    init(name: String) throws(SystemError) {
        self.name = name
        let epollFD = cgw_epoll_create()
        if epollFD < 0 { throw SystemError(errno: cgw_errno(), call: "epoll_create1") }
        let wakeFD = cgw_eventfd()
        if wakeFD < 0 {
            let code = cgw_errno()
            Syscall.close(epollFD)
            throw SystemError(errno: code, call: "eventfd")
        }
        if cgw_epoll_ctl(epollFD, EPOLL_CTL_ADD, wakeFD, CGW_EPOLLIN, Self.wakeToken) != 0 {
            let code = cgw_errno()
            Syscall.close(epollFD)
            Syscall.close(wakeFD)
            throw SystemError(errno: code, call: "epoll_ctl(eventfd)")
        }
        self.epollFD = epollFD
        self.wakeFD = wakeFD
    }

    /// True on this loop's own thread.
    public var inEventLoop: Bool {
        pthread_self() == threadID.load(ordering: .relaxed)
    }

    // MARK: Cross-thread work

    /// Runs `work` on the loop thread, after the current iteration's events.
    /// From any thread; from the loop thread itself it costs no syscall.
    public func execute(_ work: @escaping @Sendable () -> Void) {
        submit(.closure(work))
    }

    func enqueue(job: UnownedJob) {
        submit(.job(job))
    }

    private func submit(_ work: Work) {
        if inEventLoop {
            local.append(work)
            return
        }
        let mustWake = remote.withLock { queue -> Bool in
            queue.work.append(work)
            if queue.wakePending { return false }
            queue.wakePending = true
            return true
        }
        if mustWake { wake() }
    }

    private func wake() {
        var one: UInt64 = 1
        // EAGAIN means the counter is already non-zero: the loop will wake.
        _ = try? Syscall.retrying("write(eventfd)") { Glibc.write(wakeFD, &one, 8) }
    }

    // MARK: Descriptors (loop thread only)

    public func register(_ fd: Int32, interest: IOInterest, handler: any IOHandler) throws(SystemError) {
        precondition(inEventLoop, "register off the loop thread")
        precondition(fd >= 0)
        let index = Int(fd)
        if index >= registrations.count {
            registrations.append(contentsOf: repeatElement(nil, count: index + 1 - registrations.count))
        }
        let generation = nextGeneration
        nextGeneration = nextGeneration == UInt32.max ? 1 : nextGeneration + 1
        let data = (UInt64(generation) << 32) | UInt64(UInt32(bitPattern: fd))
        if cgw_epoll_ctl(epollFD, EPOLL_CTL_ADD, fd, interest.epollEvents, data) != 0 {
            throw SystemError(errno: cgw_errno(), call: "epoll_ctl(ADD)")
        }
        registrations[index] = Registration(handler: handler, generation: generation)
    }

    public func reregister(_ fd: Int32, interest: IOInterest) throws(SystemError) {
        precondition(inEventLoop, "reregister off the loop thread")
        guard Int(fd) < registrations.count, let registration = registrations[Int(fd)] else {
            throw SystemError(errno: ENOENT, call: "epoll_ctl(MOD)")
        }
        let data = (UInt64(registration.generation) << 32) | UInt64(UInt32(bitPattern: fd))
        if cgw_epoll_ctl(epollFD, EPOLL_CTL_MOD, fd, interest.epollEvents, data) != 0 {
            throw SystemError(errno: cgw_errno(), call: "epoll_ctl(MOD)")
        }
    }

    /// Forgets `fd`; events already fetched for it are dropped. Call before
    /// closing the descriptor.
    public func deregister(_ fd: Int32) {
        precondition(inEventLoop, "deregister off the loop thread")
        guard Int(fd) < registrations.count, registrations[Int(fd)] != nil else { return }
        registrations[Int(fd)] = nil
        _ = cgw_epoll_ctl(epollFD, EPOLL_CTL_DEL, fd, 0, 0)
    }

    // MARK: Timers (loop thread only)

    /// Runs `work` on the loop once `after` has passed (millisecond grain).
    @discardableResult
    public func schedule(after delay: Duration, _ work: @escaping () -> Void) -> TimerID {
        precondition(inEventLoop, "schedule off the loop thread")
        let now = monotonicNanoseconds()
        let (deadline, overflow) = now.addingReportingOverflow(delay.clampedNanoseconds)
        return timers.schedule(deadline: overflow ? .max : deadline, work)
    }

    public func cancel(_ timer: TimerID) {
        precondition(inEventLoop, "cancel off the loop thread")
        timers.cancel(timer)
    }

    /// The monotonic time read at the start of this loop iteration: cheap,
    /// and precise enough for timeouts. Loop thread only.
    public var now: UInt64 {
        precondition(inEventLoop)
        return cachedNow
    }

    // MARK: The loop

    func start() -> NativeThread {
        NativeThread.spawn(name: name) { [self] in run() }
    }

    /// Asks the loop to finish its current iteration and return. Work
    /// submitted afterwards is dropped.
    func stop() {
        remote.withLock { $0.stopping = true }
        wake()
    }

    /// Closes the loop's own descriptors; after its thread was joined.
    func close() {
        Syscall.close(epollFD)
        Syscall.close(wakeFD)
    }

    private func run() {
        threadID.store(pthread_self(), ordering: .releasing)
        let capacity: Int32 = 256
        let events = UnsafeMutablePointer<epoll_event>.allocate(capacity: Int(capacity))
        defer {
            events.deallocate()
            // glibc reuses thread handles: a later thread must not pass for this loop's.
            threadID.store(0, ordering: .releasing)
        }
        cachedNow = monotonicNanoseconds()

        while running {
            let timeout: Int32
            if !local.isEmpty {
                timeout = 0
            } else if let deadline = timers.nextDeadline() {
                let now = monotonicNanoseconds()
                let waitNanoseconds = deadline > now ? deadline - now : 0
                // Round up so a timer never fires before its deadline.
                timeout = Int32(clamping: (waitNanoseconds + 999_999) / 1_000_000)
            } else {
                timeout = -1
            }

            let count = epoll_wait(epollFD, events, capacity, timeout)
            let waitErrno = cgw_errno()
            cachedNow = monotonicNanoseconds()
            if count < 0 {
                precondition(waitErrno == EINTR, "epoll_wait failed: errno \(waitErrno)")
                continue
            }
            for index in 0..<Int(count) {
                dispatch(data: cgw_epoll_event_data_at(events, Int32(index)),
                         bits: cgw_epoll_event_events_at(events, Int32(index)))
            }
            takeWork()
            runDueTimers()
            runLocalWork()
        }
    }

    private func dispatch(data: UInt64, bits: UInt32) {
        if data == Self.wakeToken {
            var counter: UInt64 = 0
            _ = Glibc.read(wakeFD, &counter, 8)
            return
        }
        let fd = Int(UInt32(truncatingIfNeeded: data))
        let generation = UInt32(truncatingIfNeeded: data >> 32)
        // A descriptor closed (and maybe reused) earlier in this batch.
        guard fd < registrations.count, let registration = registrations[fd],
            registration.generation == generation
        else { return }
        registration.handler.handleIO(
            readable: bits & CGW_EPOLLIN != 0,
            writable: bits & CGW_EPOLLOUT != 0,
            hangup: bits & (CGW_EPOLLRDHUP | CGW_EPOLLHUP | CGW_EPOLLERR) != 0)
    }

    private func takeWork() {
        let (work, stopping) = remote.withLock { queue -> ([Work], Bool) in
            queue.wakePending = false
            defer { queue.work.removeAll(keepingCapacity: true) }
            return (queue.work, queue.stopping)
        }
        local.append(contentsOf: work)
        if stopping { running = false }
    }

    private func runDueTimers() {
        let now = monotonicNanoseconds()
        while let body = timers.popDue(now: now) { body() }
    }

    /// Runs the work queued so far; work it queues waits for the next
    /// iteration, so I/O is polled between rounds.
    private func runLocalWork() {
        guard !local.isEmpty else { return }
        var batch: [Work] = []
        swap(&batch, &local)
        for item in batch {
            switch item {
            case .closure(let body): body()
            case .job(let job): job.runSynchronously(on: asUnownedTaskExecutor())
            }
        }
        if local.isEmpty {
            // Keep the larger buffer for the next round.
            batch.removeAll(keepingCapacity: true)
            swap(&batch, &local)
        }
    }
}

extension EventLoop: TaskExecutor {
    /// Runs a task's jobs on this loop: `Task(executorPreference: loop)`
    /// keeps a handler that never suspends on its connection's thread.
    public func enqueue(_ job: consuming ExecutorJob) {
        enqueue(job: UnownedJob(job))
    }
}

extension EventLoop: CustomStringConvertible {
    public var description: String { "EventLoop(\(name))" }
}
