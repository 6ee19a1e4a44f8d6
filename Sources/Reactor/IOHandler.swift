import CLinux

/// What a registered descriptor wants to hear about.
public struct IOInterest: OptionSet, Sendable, Hashable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }

    public static let read = IOInterest(rawValue: 1 << 0)
    public static let write = IOInterest(rawValue: 1 << 1)
    /// EPOLLET: report each change once. The handler must then read (or
    /// write) until the kernel says it would block, or until a short read
    /// shows the socket buffer was drained.
    public static let edgeTriggered = IOInterest(rawValue: 1 << 2)
    /// EPOLLEXCLUSIVE: one listener shared by several loops wakes one loop.
    public static let exclusive = IOInterest(rawValue: 1 << 3)

    var epollEvents: UInt32 {
        var events: UInt32 = 0
        if contains(.read) { events |= CGW_EPOLLIN }
        if contains(.write) { events |= CGW_EPOLLOUT }
        // Edge-triggered readers also hear of a half-close: a short read
        // cannot tell them that the FIN arrived with the data.
        if contains(.edgeTriggered) { events |= CGW_EPOLLET | CGW_EPOLLRDHUP }
        if contains(.exclusive) { events |= CGW_EPOLLEXCLUSIVE }
        return events
    }
}

/// Receives readiness for one descriptor, always on its loop's thread.
/// `hangup` is EPOLLRDHUP, EPOLLHUP or EPOLLERR: the peer closed its side
/// (or everything), or the socket failed. Data sent before may still be
/// readable: read until end of stream.
public protocol IOHandler: AnyObject {
    func handleIO(readable: Bool, writable: Bool, hangup: Bool)
}
