import HTTP1
import Reactor

/// One call's request as the pool handles it: encoded once, sent on one
/// connection (twice at most, after a stale pooled connection), completed
/// exactly once. Loop thread only.
final class RequestJob {
    let id: Int
    let bytes: [UInt8]
    let method: HTTPMethod
    let addresses: [SocketAddress]
    let deadline: ContinuousClock.Instant
    /// The request asked for `Connection: close`.
    let closeAfter: Bool
    var deadlineTimer: TimerID?
    /// The connection carrying (or opening for) this job.
    var connection: ClientConnection?
    var retried = false
    private var completion: ((Result<HTTPResponse, HTTPClientError>) -> Void)?

    init(id: Int, bytes: [UInt8], method: HTTPMethod, closeAfter: Bool, addresses: [SocketAddress],
         deadline: ContinuousClock.Instant, completion: @escaping (Result<HTTPResponse, HTTPClientError>) -> Void) {
        self.id = id
        self.bytes = bytes
        self.method = method
        self.closeAfter = closeAfter
        self.addresses = addresses
        self.deadline = deadline
        self.completion = completion
    }

    var isFinished: Bool { completion == nil }

    /// Safe to send again after the server may have seen it (RFC 9110 §9.2.2).
    var isIdempotent: Bool {
        switch method {
        case .get, .head, .put, .delete, .options, .trace: true
        case .post, .patch, .connect, .other: false
        }
    }

    func complete(_ result: Result<HTTPResponse, HTTPClientError>, loop: EventLoop) {
        guard let completion else { return }
        self.completion = nil
        if let deadlineTimer { loop.cancel(deadlineTimer) }
        deadlineTimer = nil
        connection = nil
        completion(result)
    }
}
