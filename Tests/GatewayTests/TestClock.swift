import Gateway
import Synchronization

/// A monotonic clock the test moves by hand.
final class ManualClock: Sendable {
    private let nanos = Mutex<UInt64>(1_000_000_000)
    var now: MonotonicNanos { { self.nanos.withLock { $0 } } }
    func advance(_ duration: Duration) {
        let (seconds, attoseconds) = duration.components
        nanos.withLock { $0 += UInt64(seconds) * 1_000_000_000 + UInt64(attoseconds / 1_000_000_000) }
    }
}
