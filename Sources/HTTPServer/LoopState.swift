import Glibc
import HTTP1
import Logging
import Reactor

/// Everything a server keeps per event loop, touched only on that loop's
/// thread: its connections, the shared read and write scratch buffers
/// (so an idle connection owns no buffer), the cached Date header, the
/// request-id generator and the gzip and negotiation caches.
final class LoopState {
    let loop: EventLoop
    let core: ServerCore
    private(set) var connections: [HTTPConnection?] = []
    private(set) var connectionCount = 0
    var listener: Listener?
    var draining = false

    let readBuffer: UnsafeMutableRawBufferPointer
    /// Responses are encoded here, then written straight from it; only an
    /// unsent remainder is copied into the connection.
    var scratch: [UInt8] = []
    var requestIDs = RequestIDGenerator()
    var gzipCache = GzipCache()
    var negotiation = NegotiationCache()
    private var dateSecond: Int = -1
    private var dateText = ""

    init(loop: EventLoop, core: ServerCore) {
        self.loop = loop
        self.core = core
        readBuffer = .allocate(byteCount: 64 * 1024, alignment: 16)
        scratch.reserveCapacity(16 * 1024)
    }

    deinit {
        readBuffer.deallocate()
    }

    /// The IMF-fixdate of the current second, formatted once per second.
    var date: String {
        let now = time(nil)
        if now != dateSecond {
            dateSecond = now
            dateText = HTTPDate.imfFixdate(epochSeconds: Int64(now))
        }
        return dateText
    }

    func add(_ connection: HTTPConnection) {
        let index = Int(connection.fd)
        if index >= connections.count {
            connections.append(contentsOf: repeatElement(nil, count: index + 1 - connections.count))
        }
        connections[index] = connection
        connectionCount += 1
    }

    func remove(_ connection: HTTPConnection) {
        let index = Int(connection.fd)
        guard index < connections.count, connections[index] === connection else { return }
        connections[index] = nil
        connectionCount -= 1
        core.openConnections.wrappingSubtract(1, ordering: .relaxed)
    }

    /// Stops accepting and closes idle connections; busy ones finish their
    /// current request and close after it.
    func beginDrain() {
        draining = true
        listener?.close()
        listener = nil
        for connection in connections {
            connection?.drain()
        }
    }

    /// Closes every connection, busy or not (the shutdown deadline passed).
    func closeAll() {
        listener?.close()
        listener = nil
        for connection in connections {
            connection?.close()
        }
    }
}
