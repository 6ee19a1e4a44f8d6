import Reactor

/// A loop-thread-only value that may be carried across threads but is only
/// ever touched on its loop. `@unchecked Sendable` is safe because `run`
/// hops to the loop (or checks it is already there) before handing the
/// value out, so all accesses happen on that one thread.
struct LoopBound<Value: AnyObject>: @unchecked Sendable {
    let loop: EventLoop
    private let value: Value

    init(_ value: Value, on loop: EventLoop) {
        self.loop = loop
        self.value = value
    }

    /// Runs `body` with the value on its loop: at once when already there.
    func run(_ body: @escaping @Sendable (Value) -> Void) {
        if loop.inEventLoop {
            body(value)
        } else {
            loop.execute { body(value) }
        }
    }

    /// The value, for code already on the loop thread.
    var onLoop: Value {
        precondition(loop.inEventLoop, "loop-bound value used off its loop")
        return value
    }
}
