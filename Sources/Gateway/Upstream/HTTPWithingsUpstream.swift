import HTTP1
import HTTPClient
import TokenStore
import WithingsAPI

/// The production `WithingsUpstream`: form POSTs over the project's HTTP
/// client, each first spending one unit of the app-wide upstream budget, all
/// bounded by WITHINGS_TIMEOUT. Failures are classified here once; nothing
/// of a request (tokens, secret) or of an upstream body reaches the text.
public final class HTTPWithingsUpstream: WithingsUpstream {
    public struct Settings: Sendable {
        public var apiURL: String
        public var clientID: String
        public var clientSecret: String
        public var redirectURI: String
        public var timeout: Duration
        public init(apiURL: String, clientID: String, clientSecret: String, redirectURI: String, timeout: Duration) {
            self.apiURL = apiURL
            self.clientID = clientID
            self.clientSecret = clientSecret
            self.redirectURI = redirectURI
            self.timeout = timeout
        }
    }

    private let client: HTTPClient
    private let settings: Settings
    private let budget: UpstreamBudget
    private let metrics: GatewayMetrics

    public init(client: HTTPClient, settings: Settings, budget: UpstreamBudget, metrics: GatewayMetrics) {
        self.client = client
        self.settings = settings
        self.budget = budget
        self.metrics = metrics
    }

    public func getmeas(accessToken: String, userID: String, query: GetmeasQuery) async
        -> Result<GetmeasPage, UpstreamError>
    {
        var request = HTTPClientRequest.form(url: settings.apiURL + "/measure", WithingsRequests.getmeas(query))
        request.headers.add("Authorization", "Bearer " + accessToken)
        return await call(request) { bytes throws(WithingsDecodeError) in try WithingsDecoding.getmeas(bytes) }
    }

    public func exchange(code: String) async -> Result<TokenGrant, UpstreamError> {
        let fields = WithingsRequests.authorizationCode(
            code: code, clientID: settings.clientID, clientSecret: settings.clientSecret,
            redirectURI: settings.redirectURI)
        return await call(HTTPClientRequest.form(url: settings.apiURL + "/v2/oauth2", fields)) {
            bytes throws(WithingsDecodeError) in try WithingsDecoding.tokenGrant(bytes)
        }
    }

    public func refresh(refreshToken: String) async -> Result<TokenGrant, UpstreamError> {
        let fields = WithingsRequests.refresh(
            refreshToken: refreshToken, clientID: settings.clientID, clientSecret: settings.clientSecret)
        let result = await call(HTTPClientRequest.form(url: settings.apiURL + "/v2/oauth2", fields)) {
            bytes throws(WithingsDecodeError) in try WithingsDecoding.tokenGrant(bytes)
        }
        switch result {
        case .success: metrics.recordRefresh(.ok)
        case .failure(let error): metrics.recordRefresh(RefreshFailure(error).isRejection ? .rejected : .transient)
        }
        return result
    }

    private func call<T>(
        _ request: HTTPClientRequest,
        decode: ([UInt8]) throws(WithingsDecodeError) -> Result<T, WithingsFailure>
    ) async -> Result<T, UpstreamError> {
        if case .retryAfter(let seconds) = await budget.acquire() {
            metrics.recordBudgetDenied()
            return .failure(.budgetExhausted(retryAfterSeconds: seconds))
        }
        let response: HTTPResponse
        do {
            response = try await client.send(request, timeout: settings.timeout)
        } catch {
            let classified = Self.classify(error)
            metrics.recordUpstream(GatewayMetrics.UpstreamOutcome(classified))
            return .failure(classified)
        }
        guard response.status == 200 else {
            metrics.recordUpstream(.invalid_response)
            return .failure(.invalidResponse("HTTP \(response.status)"))
        }
        let decoded: Result<T, WithingsFailure>
        do {
            decoded = try decode(response.body)
        } catch {
            metrics.recordUpstream(.invalid_response)
            return .failure(.invalidResponse(error.reason))
        }
        switch decoded {
        case .success(let value):
            metrics.recordUpstream(.ok)
            return .success(value)
        case .failure(let failure):
            let error = UpstreamError.withings(failure)
            metrics.recordUpstream(GatewayMetrics.UpstreamOutcome(error))
            return .failure(error)
        }
    }

    static func classify(_ error: HTTPClientError) -> UpstreamError {
        switch error {
        case .timeout: .timeout
        case .dns, .connect, .tls, .truncated: .unreachable(error.description)
        case .invalidURL, .invalidResponse, .tooLarge: .invalidResponse(error.description)
        }
    }
}

extension RefreshFailure {
    /// DESIGN.md "Token lifecycle": only a refresh Withings itself refuses
    /// (auth-family or invalid-params) makes the user reauthorize; network
    /// errors, non-JSON answers, 5xx, 522 and 601 change nothing stored.
    init(_ error: UpstreamError) {
        switch error {
        case .withings(let failure):
            switch failure.family {
            case .auth, .invalidParams: self = .rejected("Withings status \(failure.status)")
            case .rateLimited(let wait): self = .rateLimited(wait)
            case .timeout: self = .timeout
            case .ok, .unauthorized, .notImplemented, .badState, .other:
                self = .transient("Withings status \(failure.status)")
            }
        case .unreachable(let reason), .invalidResponse(let reason): self = .transient(reason)
        case .timeout: self = .timeout
        case .budgetExhausted(let seconds): self = .rateLimited(seconds)
        }
    }

    var isRejection: Bool {
        if case .rejected = self { return true }
        return false
    }
}
