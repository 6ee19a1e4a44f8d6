import Synchronization

/// A fixed set of event loops, one thread each. Connections stay on the
/// loop that accepted them.
public final class EventLoopGroup: Sendable {
    public let loops: [EventLoop]
    private let threads: Mutex<[NativeThread]>
    private let cursor = Atomic<UInt>(0)

    public init(threads count: Int, name: String = "loop") throws {
        precondition(count > 0, "an EventLoopGroup needs at least one thread")
        var loops: [EventLoop] = []
        for index in 0..<count {
            loops.append(try EventLoop(name: "\(name)-\(index)"))
        }
        self.loops = loops
        self.threads = Mutex(loops.map { $0.start() })
    }

    /// The next loop, round robin.
    public func next() -> EventLoop {
        let index = cursor.wrappingAdd(1, ordering: .relaxed).oldValue
        return loops[Int(index % UInt(loops.count))]
    }

    /// Stops every loop and joins its thread. Call from outside the loops;
    /// calling it again does nothing.
    public func shutdown() {
        precondition(!loops.contains { $0.inEventLoop }, "EventLoopGroup.shutdown on one of its own loops")
        let running = threads.withLock { threads in
            defer { threads = [] }
            return threads
        }
        guard !running.isEmpty else { return }
        for loop in loops { loop.stop() }
        for thread in running { thread.join() }
        for loop in loops { loop.close() }
    }

    deinit {
        shutdown()
    }
}
