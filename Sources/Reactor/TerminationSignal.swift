import CLinux
import Glibc

/// SIGTERM and SIGINT as an awaitable event. A C handler writes the signal
/// number to a pipe; a dedicated thread blocks on the pipe, so no loop and
/// no pool thread waits for it.
public enum TerminationSignal {
    private static let signals = [SIGTERM, SIGINT]

    /// The termination pipe, created (and the handlers installed) once.
    private static let pipe: Result<SignalPipe, SystemError> = Result { () throws(SystemError) in
        try SignalPipe(watching: signals)
    }

    /// Routes SIGTERM and SIGINT to `wait()` now (idempotent), so one that
    /// arrives before `wait()` is called is remembered, not fatal.
    public static func install() throws(SystemError) {
        _ = try pipe.get()
    }

    /// Suspends until SIGTERM or SIGINT arrives and returns its number.
    /// Each signal is delivered to one waiter.
    public static func wait() async -> Int32 {
        switch pipe {
        case .success(let pipe): return await pipe.next()
        case .failure(let error): preconditionFailure("cannot install termination handlers: \(error)")
        }
    }
}

/// Signals routed to a pipe of their own.
struct SignalPipe: Sendable {
    let fd: Int32
    let signals: [Int32]

    init(watching signals: [Int32]) throws(SystemError) {
        let fd = signals.withUnsafeBufferPointer { cgw_watch_signals($0.baseAddress, Int32($0.count)) }
        if fd < 0 { throw SystemError(errno: cgw_errno(), call: "sigaction(\(signals))") }
        self.fd = fd
        self.signals = signals
    }

    /// The next signal number written to the pipe.
    func next() async -> Int32 {
        await withCheckedContinuation { continuation in
            _ = NativeThread.spawn(name: "signal-wait") { [fd, signals] in
                // If the process started with these signals blocked, this
                // thread can still take them.
                signals.withUnsafeBufferPointer { cgw_unblock_signals($0.baseAddress, Int32($0.count)) }
                var byte: UInt8 = 0
                while true {
                    let count = Glibc.read(fd, &byte, 1)
                    if count == 1 { break }
                    if count < 0 && cgw_errno() == EINTR { continue }
                    // The pipe stays open for the life of the process.
                    preconditionFailure("signal pipe read failed")
                }
                continuation.resume(returning: Int32(byte))
            }
        }
    }
}
