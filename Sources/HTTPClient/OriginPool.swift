import HTTP1
import Logging
import Reactor
import TLS

/// The connections to one origin, all on one event loop: reuse of idle
/// keep-alive connections, the per-origin cap with a FIFO of waiting
/// requests, each request's deadline, and the single retry after a stale
/// pooled connection.
///
/// `@unchecked Sendable`: the instance is shared through the client's
/// table, but every method except `init` runs on `loop` (callers go through
/// `loop.execute`), so its mutable state is confined to that thread.
final class OriginPool: @unchecked Sendable {
    let loop: EventLoop
    let origin: Origin
    private let configuration: HTTPClientConfiguration
    private let tls: TLSClientContext?
    private let logger: Logger

    // Loop thread only.
    private var machine: PoolStateMachine
    private var connections: [Int: ClientConnection] = [:]
    private var waiting: [Int: RequestJob] = [:]
    /// Every submitted job not yet completed (waiting, connecting or busy).
    private var pending: [Int: RequestJob] = [:]
    private var nextConnectionID = 0
    private var nextJobID = 0
    private var isShutDown = false
    private let readBuffer = ReadBuffer()

    init(loop: EventLoop, origin: Origin, configuration: HTTPClientConfiguration, tls: TLSClientContext?,
         logger: Logger) {
        self.loop = loop
        self.origin = origin
        self.configuration = configuration
        self.tls = tls
        self.logger = logger
        machine = PoolStateMachine(capacity: max(1, configuration.maxConnectionsPerOrigin))
    }

    func makeJobID() -> Int {
        nextJobID += 1
        return nextJobID
    }

    /// Number of open connections (connecting, busy, idle); for tests and metrics.
    var openConnections: Int { machine.openCount }

    func submit(_ job: RequestJob) {
        guard !isShutDown else {
            finish(job, .failure(.connect("client is shut down")))
            return
        }
        let remaining = job.deadline - .now
        guard remaining > .zero else {
            finish(job, .failure(.timeout))
            return
        }
        pending[job.id] = job
        job.deadlineTimer = loop.schedule(after: remaining) { [weak self, job] in
            job.deadlineTimer = nil
            self?.timedOut(job)
        }
        dispatch(job)
    }

    private func dispatch(_ job: RequestJob) {
        switch machine.acquire(job.id) {
        case .reuse(let id):
            guard let connection = connections[id] else { preconditionFailure("idle connection \(id) unknown") }
            run(job, on: connection, reused: true)
        case .open:
            open(for: job)
        case .wait:
            waiting[job.id] = job
        }
    }

    private func open(for job: RequestJob) {
        nextConnectionID += 1
        let connection = ClientConnection(
            id: nextConnectionID, loop: loop, tls: origin.scheme == .https ? tls : nil, serverName: origin.host,
            maxBodyBytes: configuration.maxResponseBodyBytes, readBuffer: readBuffer)
        connections[connection.id] = connection
        job.connection = connection
        // Not cut to the job's deadline: when that comes first, its own timer
        // reports `.timeout` (a 504), not a connect failure (a 502).
        connection.connect(to: job.addresses, timeout: configuration.connectTimeout) { [self, job, connection] result in
            switch result {
            case .success:
                guard !job.isFinished else {
                    // The job gave up meanwhile; the fresh connection serves others.
                    release(connection, reusable: true)
                    return
                }
                run(job, on: connection, reused: false)
            case .failure(let error):
                logger.debug("upstream connect failed", metadata: ["origin": "\(origin)", "error": "\(error)"])
                release(connection, reusable: false)
                finish(job, .failure(error))
            }
        }
    }

    private func run(_ job: RequestJob, on connection: ClientConnection, reused: Bool) {
        job.connection = connection
        connection.send(job.bytes, method: job.method, closeAfter: job.closeAfter) { [self, job, connection] outcome in
            switch outcome {
            case .response(let response, let reusable):
                release(connection, reusable: reusable)
                finish(job, .success(response))
            case .failure(let error, let nothingReceived, let nothingSent):
                release(connection, reusable: false)
                // A pooled connection the server had already closed: the
                // request never reached a live server, so one retry is safe
                // when it is idempotent or was not written at all.
                if reused, nothingReceived, !job.retried, job.isIdempotent || nothingSent {
                    job.retried = true
                    logger.debug("retrying on a fresh connection after a stale one", metadata: ["origin": "\(origin)"])
                    dropIdleConnections()
                    dispatch(job)
                } else {
                    finish(job, .failure(error))
                }
            }
        }
    }

    /// A connection came back from an exchange or a connect attempt.
    private func release(_ connection: ClientConnection, reusable: Bool) {
        let keep = reusable && connection.phase == .idle && !isShutDown
        if !keep {
            connection.close()
            connections[connection.id] = nil
        }
        carryOut(machine.release(connection.id, reusable: keep), freed: keep ? connection : nil)
    }

    private func carryOut(_ action: PoolStateMachine.Release, freed connection: ClientConnection?) {
        switch action {
        case .keepIdle:
            guard let connection else { return }
            connection.park(timeout: configuration.idleTimeout) { [weak self, connection] in
                self?.idleClosed(connection)
            }
        case .handOver(let jobID):
            guard let connection, let job = waiting.removeValue(forKey: jobID) else { return }
            run(job, on: connection, reused: true)
        case .openFor(let jobID):
            guard let job = waiting.removeValue(forKey: jobID) else { return }
            open(for: job)
        case .nothing:
            break
        }
    }

    private func idleClosed(_ connection: ClientConnection) {
        connections[connection.id] = nil
        if let action = machine.idleClosed(connection.id) { carryOut(action, freed: nil) }
    }

    private func dropIdleConnections() {
        for id in machine.drainIdle() {
            connections.removeValue(forKey: id)?.close()
            carryOut(machine.drainedClosed(), freed: nil)
        }
    }

    private func timedOut(_ job: RequestJob) {
        guard !job.isFinished else { return }
        if machine.cancelWaiting(job.id) {
            waiting[job.id] = nil
        } else if let connection = job.connection {
            // Mid-connect or mid-exchange: the connection's state is unknown, drop it.
            connection.abort()
            connections[connection.id] = nil
            carryOut(machine.release(connection.id, reusable: false), freed: nil)
        }
        finish(job, .failure(.timeout))
    }

    private func finish(_ job: RequestJob, _ result: Result<HTTPResponse, HTTPClientError>) {
        pending[job.id] = nil
        job.complete(result, loop: loop)
    }

    /// Closes every connection and fails every pending job.
    func shutdown() {
        isShutDown = true
        for job in waiting.values { _ = machine.cancelWaiting(job.id) }
        waiting = [:]
        for connection in connections.values { connection.abort() }
        connections = [:]
        for job in pending.values { finish(job, .failure(.connect("client is shut down"))) }
    }
}
