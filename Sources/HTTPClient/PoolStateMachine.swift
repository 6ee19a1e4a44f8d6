/// Bookkeeping of one origin's connections, without I/O: which request
/// gets which connection, when to open one, when to wait. The pool carries
/// out the returned actions. The cap counts every open connection:
/// connecting, busy and idle.
struct PoolStateMachine {
    typealias ConnectionID = Int
    typealias RequestID = Int

    let capacity: Int
    /// Most recently used last: reusing it is the least likely to be stale.
    private(set) var idle: [ConnectionID] = []
    private(set) var openCount = 0
    /// FIFO of requests waiting for a connection.
    private(set) var waiting: [RequestID] = []

    init(capacity: Int) {
        precondition(capacity > 0, "a pool needs room for one connection")
        self.capacity = capacity
    }

    enum Lease: Equatable {
        case reuse(ConnectionID)
        /// Counted already: open a connection for this request.
        case open
        case wait
    }

    mutating func acquire(_ request: RequestID) -> Lease {
        if let connection = idle.popLast() { return .reuse(connection) }
        if openCount < capacity {
            openCount += 1
            return .open
        }
        waiting.append(request)
        return .wait
    }

    enum Release: Equatable {
        case keepIdle
        /// Give the connection to this waiting request.
        case handOver(RequestID)
        /// The connection is gone; open a new one for this waiting request.
        case openFor(RequestID)
        case nothing
    }

    /// A busy connection finished an exchange (or failed, or a connect failed).
    mutating func release(_ connection: ConnectionID, reusable: Bool) -> Release {
        if reusable {
            if !waiting.isEmpty { return .handOver(waiting.removeFirst()) }
            idle.append(connection)
            return .keepIdle
        }
        return connectionGone()
    }

    /// An idle connection closed (peer closed it, or it idled out).
    /// nil if it was not idle (already handed out).
    mutating func idleClosed(_ connection: ConnectionID) -> Release? {
        guard let index = idle.firstIndex(of: connection) else { return nil }
        idle.remove(at: index)
        return connectionGone()
    }

    /// Takes every idle connection out (to close them): after a stale one
    /// was found its older siblings are suspect too.
    mutating func drainIdle() -> [ConnectionID] {
        defer { idle.removeAll() }
        return idle
    }

    /// Call once per connection returned by `drainIdle` after closing it.
    mutating func drainedClosed() -> Release { connectionGone() }

    /// A waiting request gave up (deadline). False if it was not waiting.
    mutating func cancelWaiting(_ request: RequestID) -> Bool {
        guard let index = waiting.firstIndex(of: request) else { return false }
        waiting.remove(at: index)
        return true
    }

    private mutating func connectionGone() -> Release {
        precondition(openCount > 0, "more connections closed than opened")
        openCount -= 1
        guard !waiting.isEmpty else { return .nothing }
        openCount += 1
        return .openFor(waiting.removeFirst())
    }
}
