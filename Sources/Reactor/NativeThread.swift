import CLinux
import Glibc

/// A joinable POSIX thread running one closure. The loops and the blocking
/// pool own their threads directly: the shared concurrency pool must never
/// be blocked in a syscall.
struct NativeThread: Sendable {
    let handle: pthread_t

    /// Starts `body` on a new thread named `name` (cut to 15 bytes).
    static func spawn(name: String, _ body: @escaping @Sendable () -> Void) -> NativeThread {
        let box = Unmanaged.passRetained(ThreadBody(name: name, body: body))
        var handle = pthread_t()
        let result = pthread_create(&handle, nil, { context in
            let box = Unmanaged<ThreadBody>.fromOpaque(context!).takeRetainedValue()
            cgw_set_thread_name(box.name)
            box.body()
            return nil
        }, box.toOpaque())
        precondition(result == 0, "pthread_create failed: \(result)")
        return NativeThread(handle: handle)
    }

    func join() {
        _ = pthread_join(handle, nil)
    }
}

private final class ThreadBody: Sendable {
    let name: String
    let body: @Sendable () -> Void

    init(name: String, body: @escaping @Sendable () -> Void) {
        self.name = name
        self.body = body
    }
}

/// CLOCK_MONOTONIC in nanoseconds: the time base of every loop deadline.
@inline(__always)
public func monotonicNanoseconds() -> UInt64 {
    var now = timespec()
    clock_gettime(CLOCK_MONOTONIC, &now)
    return UInt64(now.tv_sec) &* 1_000_000_000 &+ UInt64(now.tv_nsec)
}

extension Duration {
    /// Whole nanoseconds, clamped at zero and at UInt64.max.
    var clampedNanoseconds: UInt64 {
        let (seconds, attoseconds) = components
        if seconds < 0 { return 0 }
        let (whole, overflow) = UInt64(seconds).multipliedReportingOverflow(by: 1_000_000_000)
        if overflow { return .max }
        return whole &+ UInt64(attoseconds / 1_000_000_000)
    }
}
