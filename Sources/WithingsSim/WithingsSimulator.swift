import Crypto
import Glibc
import HTTP1
import Synchronization

/// An offline Withings: account pages, token endpoint, getmeas, legacy
/// OAuth 1.0 and a control interface, answering like the real API in the
/// ways that have bitten clients (see `withings-api.md`).
///
/// Pure request → response: `handle` does no I/O, so tests drive it
/// directly and `install(into:)` mounts it on an `HTTPServer`. All time
/// comes from the injected `now` clock (epoch seconds). Thread-safe: the
/// mutable state sits behind one mutex held only for short, non-suspending
/// sections; synthetic histories are built lazily and cached.
public final class WithingsSimulator: Sendable {
    public let configuration: SimulatorConfiguration
    /// Withings user ids of the synthetic accounts, by index.
    public let userIDs: [String]
    let now: @Sendable () -> Int64
    let state: Mutex<SimulatorState>
    let userIndexByID: [String: Int]
    /// Last instant of every synthetic history.
    let dataEnd: Int64
    private let datasets = Mutex<[Int: UserDataset]>([:])

    public static let defaultScope = "user.info,user.metrics,user.activity"
    static let knownScopes: Set<String> = ["user.info", "user.metrics", "user.activity", "user.sleepevents"]

    public init(configuration: SimulatorConfiguration = .init(), now: @escaping @Sendable () -> Int64 = WithingsSimulator.wallClock) {
        self.configuration = configuration
        self.now = now
        let ids = (0..<max(0, configuration.users)).map { SyntheticHistory.userID(index: $0, seed: configuration.seed) }
        userIDs = ids
        userIndexByID = Dictionary(uniqueKeysWithValues: ids.enumerated().map { ($1, $0) })
        dataEnd = configuration.dataEnd ?? (now() / 86400 * 86400)
        state = Mutex(SimulatorState(configuration: configuration))
    }

    /// Epoch seconds from the system's real-time clock.
    @Sendable public static func wallClock() -> Int64 {
        var spec = timespec()
        clock_gettime(CLOCK_REALTIME, &spec)
        return Int64(spec.tv_sec)
    }

    // MARK: - Routing

    public func handle(_ request: HTTPRequest) async -> HTTPResponse {
        let path = request.path
        if path == "/_sim" || path.hasPrefix("/_sim/") { return control(request) }
        switch path {
        case "/oauth2_user/authorize2": return authorizePage(request)
        case "/account/authorize": return oauth1Authorize(request)
        case "/v2/oauth2", "/v2/signature", "/measure", "/account/request_token", "/account/access_token":
            return await api(request)
        default:
            return HTTPResponse(status: 404, contentType: "text/plain", body: "Not Found\n")
        }
    }

    /// The shared pipeline of every API call: count it, apply a scheduled
    /// fault and latency, then run the endpoint.
    private func api(_ request: HTTPRequest) async -> HTTPResponse {
        guard request.method == .get || request.method == .post else {
            return HTTPResponse(status: 405, headers: ["Allow": "GET, POST"], body: [])
        }
        let path = request.path
        let params: RequestParameters?
        switch path {
        case "/v2/oauth2", "/v2/signature":
            // The token services read only the form body (Withings' FAQ: "POST with params in the body").
            params = RequestParameters(request, query: false, body: request.method == .post)
        default:
            params = RequestParameters(request, body: request.method == .post)
        }
        let action: String
        switch path {
        case "/account/request_token": action = "oauth1_request_token"
        case "/account/access_token": action = "oauth1_access_token"
        default: action = params?["action"] ?? "none"
        }
        let presentedRefreshToken = path == "/v2/oauth2" && params?["grant_type"] == "refresh_token"
            ? params?["refresh_token"] : nil
        let arrival = now()
        let (fault, latency) = state.withLock { state -> (SimulatorFault?, Int) in
            state.counters.callsByAction[action, default: 0] += 1
            if let token = presentedRefreshToken, !token.isEmpty {
                Self.notePresented(refreshToken: token, in: &state, now: arrival)
            }
            let fault = state.faults.take(action: action)
            if fault != nil { state.counters.faultsInjected += 1 }
            return (fault, configuration.latencyMs + state.extraLatencyMs)
        }
        var delay = latency
        if case .latency(let extra) = fault { delay += extra }
        if delay > 0 { try? await Task.sleep(for: .milliseconds(delay)) }

        switch fault {
        case .status(let status): return Self.statusFault(status)
        case .outage(let httpStatus): return Envelope.outagePage(httpStatus: httpStatus)
        case .latency, .truncateBody, .resetConnection, nil: break
        }
        guard let params else {
            if path.hasPrefix("/account/") { return OAuth1Answer.problem("parameter_rejected", status: 400) }
            return Envelope.invalidParams("malformed parameters")
        }
        // Read after any latency, so token lifetimes see the delayed arrival.
        let handledAt = now()
        var response: HTTPResponse
        switch path {
        case "/v2/oauth2": response = tokenEndpoint(params, now: handledAt)
        case "/v2/signature": response = signatureEndpoint(params, now: handledAt)
        case "/account/request_token": response = oauth1RequestToken(request, now: handledAt)
        case "/account/access_token": response = oauth1AccessToken(request, now: handledAt)
        default: response = measureEndpoint(request, params: params, now: handledAt)
        }
        switch fault {
        case .truncateBody: response.fault = .truncateBody(afterBytes: response.body.count / 2)
        case .resetConnection: response.fault = .resetConnection
        case .status, .outage, .latency, nil: break
        }
        return response
    }

    /// Counts a refresh token presented after its death; done on arrival so
    /// a presentation counts even when a fault or a 601 answers it.
    private static func notePresented(refreshToken: String, in state: inout SimulatorState, now: Int64) {
        let record = state.refreshTokens[refreshToken]
        guard record?.isAlive(now: now) != true else { return }
        state.counters.deadRefreshTokensPresented += 1
        if let user = record?.userID { state.counters.deadRefreshTokensByUser[user, default: 0] += 1 }
    }

    private static func statusFault(_ status: Int) -> HTTPResponse {
        switch status {
        case 601: Envelope.rateLimited(waitSeconds: 60, error: Envelope.tooManyRequests)
        case 401: Envelope.failure(status: 401, error: Envelope.invalidAccessToken, emptyBody: true)
        case 503: Envelope.invalidParams("simulated failure")
        case 522: Envelope.failure(status: 522, error: "Timeout: the request timed out")
        case 2554: Envelope.failure(status: 2554, error: "Not implemented")
        default: Envelope.failure(status: status, error: "An error occurred")
        }
    }

    /// Admits a call under the rate limits, or answers 601.
    func admit(argumentsKey: String?, now: Int64) -> HTTPResponse? {
        state.withLock { state in
            switch state.rateLimiter.admit(argumentsKey: argumentsKey, now: now) {
            case .admitted:
                return nil
            case .perMinute(let wait):
                state.counters.rateLimited += 1
                return Envelope.rateLimited(waitSeconds: wait, error: Envelope.tooManyRequests)
            case .sameArguments(let wait):
                state.counters.rateLimited += 1
                return Envelope.rateLimited(waitSeconds: wait, error: Envelope.sameArguments)
            }
        }
    }

    // MARK: - Data

    func userIndex(forID id: String) -> Int? { userIndexByID[id] }

    /// The synthetic history of user `index`, built on first use.
    func dataset(index: Int) -> UserDataset {
        if let cached = datasets.withLock({ $0[index] }) { return cached }
        // Built outside the lock: a race builds the same value twice, harmlessly.
        let built = SyntheticHistory.generate(
            index: index, seed: configuration.seed, end: dataEnd, days: configuration.historyDays)
        datasets.withLock { $0[index] = built }
        return built
    }

    /// Builds the histories of the first `count` users now rather than on
    /// their first getmeas, so the first answers are as fast as the rest.
    public func prepareData(users count: Int) {
        for index in 0..<min(count, userIDs.count) { _ = dataset(index: index) }
    }

    /// 40 lowercase hex digits from the CSPRNG, the shape of Withings' codes and tokens.
    static func randomToken(bytes: Int = 20) -> String {
        ByteEncoding.hex(Digest.randomBytes(bytes))
    }
}
