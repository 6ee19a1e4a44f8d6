import Crypto
import Logging
import Synchronization
import TokenStore

/// A stand-in for the Withings token endpoint with rotation: each refresh
/// kills the refresh token it was given and issues a new pair. Presenting a
/// dead refresh token is counted (it is the bug this design prevents).
final class FakeWithings: Sendable {
    struct Counters: Equatable {
        var calls = 0
        var deadRefreshTokensPresented = 0
    }

    private struct State {
        var live: Set<String>
        var counters = Counters()
        var issued = 0
        var scripted: [RefreshFailure] = []
    }

    private let state: Mutex<State>
    private let delay: Duration

    init(liveRefreshToken: String, delay: Duration = .zero) {
        state = Mutex(State(live: [liveRefreshToken]))
        self.delay = delay
    }

    var counters: Counters { state.withLock { $0.counters } }

    /// The next calls fail this way, in order.
    func script(_ failures: [RefreshFailure]) { state.withLock { $0.scripted += failures } }

    func refresh(_ refreshToken: String) async throws(RefreshFailure) -> TokenGrantLike {
        // Keeps a refresh in flight long enough for concurrent callers to pile up.
        if delay > .zero { try? await Task.sleep(for: delay) }
        return try state.withLock { state throws(RefreshFailure) -> TokenGrantLike in
            state.counters.calls += 1
            if !state.scripted.isEmpty { throw state.scripted.removeFirst() }
            guard state.live.remove(refreshToken) != nil else {
                state.counters.deadRefreshTokensPresented += 1
                throw .rejected("invalid refresh_token")
            }
            state.issued += 1
            let suffix = ByteEncoding.hex(Digest.randomBytes(8))
            let next = "refresh-\(state.issued)-\(suffix)"
            state.live.insert(next)
            return TokenGrantLike(accessToken: "access-\(state.issued)-\(suffix)", refreshToken: next,
                                  expiresIn: 10800, scope: "user.metrics")
        }
    }
}

/// Wraps a store to record commits and to make saves fail on demand.
final class InstrumentedStore: TokenStore {
    private let base: any TokenStore
    private let failingSaves = Mutex(false)
    let journal = Mutex<[String]>([])

    init(_ base: any TokenStore) { self.base = base }

    func failSaves(_ fail: Bool) { failingSaves.withLock { $0 = fail } }

    struct SaveFailed: Error {}

    func tokens(for userID: String) async throws -> UserTokens? { try await base.tokens(for: userID) }
    func save(_ tokens: UserTokens) async throws {
        if failingSaves.withLock({ $0 }) { throw SaveFailed() }
        try await base.save(tokens)
        journal.withLock { $0.append("saved \(tokens.accessToken)") }
    }
    func markReauthorizationRequired(_ userID: String) async throws { try await base.markReauthorizationRequired(userID) }
    func forget(_ userID: String) async throws -> Bool { try await base.forget(userID) }
    func users() async throws -> [UserSummary] { try await base.users() }
    func createKey(name: String, userID: String?) async throws -> (key: APIKey, secret: String) {
        try await base.createKey(name: name, userID: userID)
    }
    func authenticate(_ secret: String) async throws -> APIKey? { try await base.authenticate(secret) }
    func keys() async throws -> [APIKey] { try await base.keys() }
    func revokeKey(id: String) async throws -> Bool { try await base.revokeKey(id: id) }
    func checkHealth() async throws { try await base.checkHealth() }
    func acquireRefreshLease(userID: String, owner: String, ttl: Int64) async throws -> Bool {
        try await base.acquireRefreshLease(userID: userID, owner: owner, ttl: ttl)
    }
    func releaseRefreshLease(userID: String, owner: String) async throws {
        try await base.releaseRefreshLease(userID: userID, owner: owner)
    }
}

/// Collects rendered log lines (message plus metadata) for inspection.
final class LogRecorder: Sendable {
    let lines = Mutex<[String]>([])

    var logger: Logger {
        var logger = Logger(label: "test.tokens") { _ in RecordingLogHandler(recorder: self) }
        logger.logLevel = .trace
        return logger
    }

    struct RecordingLogHandler: LogHandler {
        let recorder: LogRecorder
        var metadata: Logger.Metadata = [:]
        var metadataProvider: Logger.MetadataProvider?
        var logLevel: Logger.Level = .trace

        subscript(metadataKey key: String) -> Logger.Metadata.Value? {
            get { metadata[key] }
            set { metadata[key] = newValue }
        }

        func log(event: LogEvent) {
            let merged = metadata.merging(event.metadata ?? [:]) { $1 }
            let rendered = merged.sorted { $0.key < $1.key }.map { "\($0.key)=\($0.value)" }.joined(separator: " ")
            recorder.lines.withLock { $0.append("\(event.level) \(event.message) \(rendered)") }
        }
    }
}
