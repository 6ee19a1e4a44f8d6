import CLinux
import Glibc
import Synchronization
import Testing

@testable import Reactor

/// A value delivered once from any thread and awaited once.
final class Once<Value: Sendable>: Sendable {
    private let state = Mutex<(value: Value?, waiter: CheckedContinuation<Value, Never>?)>((nil, nil))

    func resume(_ value: Value) {
        let waiter = state.withLock { state -> CheckedContinuation<Value, Never>? in
            guard state.value == nil else { return nil }
            state.value = value
            defer { state.waiter = nil }
            return state.waiter
        }
        waiter?.resume(returning: value)
    }

    func value() async -> Value {
        await withCheckedContinuation { waiter in
            let ready = state.withLock { state -> Value? in
                if let value = state.value { return value }
                state.waiter = waiter
                return nil
            }
            if let ready { waiter.resume(returning: ready) }
        }
    }
}

final class Counter: Sendable {
    private let count = Mutex(0)
    func add() { count.withLock { $0 += 1 } }
    var value: Int { count.withLock { $0 } }
}

/// Runs `body` on `loop` and returns its result.
func onLoop<T: Sendable>(_ loop: EventLoop, _ body: @escaping @Sendable () -> T) async -> T {
    await withCheckedContinuation { continuation in
        loop.execute { continuation.resume(returning: body()) }
    }
}

func makeSocketPair() -> (Int32, Int32) {
    var fds: [Int32] = [0, 0]
    let result = socketpair(AF_UNIX, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0, &fds)
    precondition(result == 0)
    return (fds[0], fds[1])
}

final class RecordingHandler: IOHandler {
    let onEvent: (Bool, Bool, Bool) -> Void
    init(_ onEvent: @escaping (Bool, Bool, Bool) -> Void) { self.onEvent = onEvent }
    func handleIO(readable: Bool, writable: Bool, hangup: Bool) { onEvent(readable, writable, hangup) }
}

@Suite struct EventLoopTests {
    @Test func executeFromAnotherThreadRunsOnTheLoop() async throws {
        let group = try EventLoopGroup(threads: 2)
        defer { group.shutdown() }
        for loop in group.loops {
            #expect(!loop.inEventLoop)
            let (onThisLoop, notOnOthers) = await onLoop(loop) {
                (loop.inEventLoop, group.loops.filter { $0 !== loop }.allSatisfy { !$0.inEventLoop })
            }
            #expect(onThisLoop)
            #expect(notOnOthers)
        }
    }

    @Test func manySubmittersEveryClosureRunsOnce() async throws {
        let group = try EventLoopGroup(threads: 1)
        defer { group.shutdown() }
        let loop = group.next()
        let counter = Counter()
        await withTaskGroup(of: Void.self) { tasks in
            for _ in 0..<8 {
                tasks.addTask {
                    for _ in 0..<500 { loop.execute { counter.add() } }
                }
            }
        }
        // Closures from one thread run in order, so this one runs last.
        let total = await onLoop(loop) { counter.value }
        #expect(total == 4000)
    }

    @Test func roundRobinVisitsEveryLoop() throws {
        let group = try EventLoopGroup(threads: 3)
        defer { group.shutdown() }
        let picked = (0..<6).map { _ in ObjectIdentifier(group.next()) }
        #expect(Set(picked).count == 3)
        #expect(picked[0] == picked[3])
    }

    @Test func timersFireInDeadlineOrderAndCancelledOnesDoNot() async throws {
        let group = try EventLoopGroup(threads: 1)
        defer { group.shutdown() }
        let loop = group.next()
        let done = Once<[Int]>()
        loop.execute {
            var fired: [Int] = []
            loop.schedule(after: .milliseconds(30)) { fired.append(3) }
            loop.schedule(after: .milliseconds(10)) { fired.append(1) }
            let cancelled = loop.schedule(after: .milliseconds(20)) { fired.append(99) }
            loop.schedule(after: .milliseconds(20)) { fired.append(2) }
            loop.cancel(cancelled)
            loop.schedule(after: .milliseconds(60)) { done.resume(fired) }
        }
        #expect(await done.value() == [1, 2, 3])
    }

    @Test func manyCancelledTimersLeaveTheLiveOnesIntact() async throws {
        let group = try EventLoopGroup(threads: 1)
        defer { group.shutdown() }
        let loop = group.next()
        let done = Once<[Int]>()
        loop.execute {
            var fired: [Int] = []
            var doomed: [TimerID] = []
            for index in 0..<500 {
                let id = loop.schedule(after: .milliseconds(5 + index % 7)) { fired.append(index) }
                if index % 100 != 0 { doomed.append(id) }
            }
            for id in doomed { loop.cancel(id) }
            loop.schedule(after: .milliseconds(40)) { done.resume(fired.sorted()) }
        }
        #expect(await done.value() == [0, 100, 200, 300, 400])
    }

    @Test func timerDoesNotFireEarly() async throws {
        let group = try EventLoopGroup(threads: 1)
        defer { group.shutdown() }
        let loop = group.next()
        let done = Once<UInt64>()
        loop.execute {
            let start = monotonicNanoseconds()
            loop.schedule(after: .milliseconds(25)) { done.resume(monotonicNanoseconds() - start) }
        }
        #expect(await done.value() >= 25_000_000)
    }

    @Test func readableSocketReachesItsHandler() async throws {
        let group = try EventLoopGroup(threads: 1)
        defer { group.shutdown() }
        let loop = group.next()
        let (a, b) = makeSocketPair()
        defer { close(b) }
        let received = Once<[UInt8]>()
        loop.execute {
            let handler = RecordingHandler { readable, _, _ in
                guard readable else { return }
                var buffer = [UInt8](repeating: 0, count: 16)
                let result = buffer.withUnsafeMutableBytes { try? Syscall.read(a, into: $0) }
                if case .done(let count) = result {
                    loop.deregister(a)
                    close(a)
                    received.resume(Array(buffer.prefix(count)))
                }
            }
            try! loop.register(a, interest: .read, handler: handler)
        }
        _ = write(b, "ping", 4)
        #expect(await received.value() == Array("ping".utf8))
    }

    /// Two descriptors are readable in the same epoll batch. Whichever
    /// handler runs first closes the other descriptor and makes the kernel
    /// hand out the same number again for a fresh, registered socket. The
    /// batch's event for the old descriptor must reach nobody. (Other tests
    /// open descriptors concurrently, so the reuse is retried until seen.)
    @Test func staleEventAfterDescriptorReuseIsDropped() async throws {
        let group = try EventLoopGroup(threads: 1)
        defer { group.shutdown() }
        let loop = group.next()
        var reusedOnce = false
        for _ in 0..<20 where !reusedOnce {
            let outcome = await Self.reuseDescriptorInOneBatch(on: loop)
            #expect(outcome.victimCalls == 0)
            #expect(outcome.staleCalls == 0)
            reusedOnce = outcome.reused
        }
        #expect(reusedOnce, "the kernel never reused the closed descriptor's number")
    }

    struct ReuseOutcome: Sendable {
        var reused = false
        var victimCalls = 0
        var staleCalls = 0
    }

    static func reuseDescriptorInOneBatch(on loop: EventLoop) async -> ReuseOutcome {
        let result = Once<ReuseOutcome>()
        loop.execute {
            let (a, aPeer) = makeSocketPair()
            let (b, bPeer) = makeSocketPair()
            var first: Int32 = -1
            var outcome = ReuseOutcome()
            func makeHandler(_ fd: Int32, victim: Int32) -> RecordingHandler {
                RecordingHandler { _, _, _ in
                    if first == victim { outcome.victimCalls += 1 }
                    guard first == -1 else { return }
                    first = fd
                    loop.deregister(victim)
                    close(victim)
                    let (fresh, freshPeer) = makeSocketPair()
                    outcome.reused = fresh == victim
                    // The fresh socket is silent: any call is the stale event.
                    try! loop.register(fresh, interest: .read, handler: RecordingHandler { _, _, _ in outcome.staleCalls += 1 })
                    loop.schedule(after: .milliseconds(20)) {
                        loop.deregister(fresh)
                        loop.deregister(fd)
                        for descriptor in [fresh, freshPeer, fd, aPeer, bPeer] { close(descriptor) }
                        result.resume(outcome)
                    }
                }
            }
            try! loop.register(a, interest: .read, handler: makeHandler(a, victim: b))
            try! loop.register(b, interest: .read, handler: makeHandler(b, victim: a))
            // Both become readable before the loop polls again.
            _ = write(aPeer, "x", 1)
            _ = write(bPeer, "y", 1)
        }
        return await result.value()
    }

    @Test func taskExecutorPreferenceRunsTheTaskOnTheLoop() async throws {
        let group = try EventLoopGroup(threads: 1)
        defer { group.shutdown() }
        let loop = group.next()
        let onLoop = await Task(executorPreference: loop) { () async -> [Bool] in
            let before = loop.inEventLoop
            await Task.yield()
            return [before, loop.inEventLoop]
        }.value
        #expect(onLoop == [true, true])
    }

    @Test func shutdownTwiceIsHarmless() throws {
        let group = try EventLoopGroup(threads: 2)
        group.shutdown()
        group.shutdown()
    }
}

@Suite struct SyscallTests {
    @Test func emptyNonBlockingReadWouldBlock() throws {
        let (a, b) = makeSocketPair()
        defer { close(a); close(b) }
        var buffer = [UInt8](repeating: 0, count: 8)
        let result = try buffer.withUnsafeMutableBytes { buffer in try Syscall.read(a, into: buffer) }
        #expect(result == .wouldBlock)
    }

    @Test func writeToAClosedPeerThrowsEPIPEWithoutASignal() throws {
        let (a, b) = makeSocketPair()
        close(b)
        defer { close(a) }
        #expect(throws: SystemError(errno: EPIPE, call: "send")) {
            _ = try [UInt8](repeating: 1, count: 4).withUnsafeBytes { bytes in
                try Syscall.write(a, bytes)
            }
        }
    }

    @Test func readOfABadDescriptorNamesTheCall() {
        var buffer = [UInt8](repeating: 0, count: 8)
        do {
            _ = try buffer.withUnsafeMutableBytes { buffer in try Syscall.read(-1, into: buffer) }
            Issue.record("read(-1) succeeded")
        } catch let error as SystemError {
            #expect(error.errno == EBADF)
            #expect(error.call == "read")
            #expect(error.description.contains("Bad file descriptor"))
        } catch {
            Issue.record("unexpected \(error)")
        }
    }

    @Test func writevSendsEveryVector() throws {
        let (a, b) = makeSocketPair()
        defer { close(a); close(b) }
        let first: [UInt8] = Array("hello ".utf8), second: [UInt8] = Array("world".utf8)
        let sent = try first.withUnsafeBytes { one in
            try second.withUnsafeBytes { two in
                let vectors = [
                    iovec(iov_base: UnsafeMutableRawPointer(mutating: one.baseAddress), iov_len: one.count),
                    iovec(iov_base: UnsafeMutableRawPointer(mutating: two.baseAddress), iov_len: two.count),
                ]
                return try vectors.withUnsafeBufferPointer { v in try Syscall.writev(a, v) }
            }
        }
        #expect(sent == .done(11))
        var buffer = [UInt8](repeating: 0, count: 32)
        let count = read(b, &buffer, 32)
        #expect(Array(buffer.prefix(count)) == Array("hello world".utf8))
    }

    @Test(arguments: [
        ("127.0.0.1", 8080, "127.0.0.1:8080"), ("::1", 443, "[::1]:443"), ("0.0.0.0", 0, "0.0.0.0:0"),
    ])
    func socketAddressRoundTrips(ip: String, port: Int, text: String) throws {
        let address = try #require(SocketAddress(ip: ip, port: port))
        #expect(address.description == text)
        #expect(address.port == port)
    }

    @Test(arguments: [("localhost", 80), ("1.2.3", 80), ("127.0.0.1", 70000), ("", 1)])
    func socketAddressRefusesNonNumericOrOutOfRange(ip: String, port: Int) {
        #expect(SocketAddress(ip: ip, port: port) == nil)
    }
}
