import CLinux
import Glibc

/// SIGTERM and SIGINT as an awaitable event. The C handler writes the
/// signal number to a pipe; a dedicated thread blocks on the pipe, so no
/// loop and no pool thread waits for it.
public enum TerminationSignal {
    /// Installs the handlers now (idempotent), so a signal that arrives
    /// before `wait()` is called is remembered, not fatal.
    public static func install() throws(SystemError) {
        if cgw_termination_pipe() < 0 { throw SystemError(errno: cgw_errno(), call: "pipe2(termination)") }
    }

    /// Suspends until SIGTERM or SIGINT arrives and returns its number.
    /// Each signal is delivered to one waiter.
    public static func wait() async -> Int32 {
        let fd = cgw_termination_pipe()
        precondition(fd >= 0, "cannot install termination handlers: errno \(cgw_errno())")
        return await withCheckedContinuation { continuation in
            _ = NativeThread.spawn(name: "signal-wait") {
                var byte: UInt8 = 0
                while true {
                    let count = Glibc.read(fd, &byte, 1)
                    if count == 1 { break }
                    if count < 0 && cgw_errno() == EINTR { continue }
                    // The pipe cannot close while the process runs.
                    preconditionFailure("termination pipe read failed")
                }
                continuation.resume(returning: Int32(byte))
            }
        }
    }
}
