import WithingsAPI

/// Why an upstream call produced no usable answer. Texts name the failure
/// (e.g. "connection refused"), never a token, a secret or an upstream body.
public enum UpstreamError: Error, Sendable, Equatable {
    /// Withings answered with a non-zero `status`.
    case withings(WithingsFailure)
    /// DNS, connect, TLS or a connection lost mid-answer.
    case unreachable(String)
    /// Not HTTP 200, not JSON, or not the expected shape.
    case invalidResponse(String)
    /// WITHINGS_TIMEOUT passed.
    case timeout
    /// The gateway's own upstream budget (WITHINGS_RATE_LIMIT) is spent.
    case budgetExhausted(retryAfterSeconds: Int)
}

extension UpstreamError {
    /// For log lines: the failure's kind and cause. Withings' own `error`
    /// message is left out (it can echo request values).
    public var logText: String {
        switch self {
        case .withings(let failure): "withings status \(failure.status)"
        case .unreachable(let reason): "unreachable: \(reason)"
        case .invalidResponse(let reason): "invalid answer: \(reason)"
        case .timeout: "timed out"
        case .budgetExhausted(let seconds): "upstream budget spent, retry in \(seconds) s"
        }
    }
}

/// The Withings calls the gateway makes. The production implementation goes
/// over `HTTPClient` (and spends the upstream budget); tests substitute a
/// scripted one.
public protocol WithingsUpstream: Sendable {
    /// One getmeas page for the user holding `accessToken`.
    func getmeas(accessToken: String, userID: String, query: GetmeasQuery) async -> Result<GetmeasPage, UpstreamError>
    /// OAuth 2.0 `requesttoken` with `grant_type=authorization_code`.
    func exchange(code: String) async -> Result<TokenGrant, UpstreamError>
    /// OAuth 2.0 `requesttoken` with `grant_type=refresh_token`.
    func refresh(refreshToken: String) async -> Result<TokenGrant, UpstreamError>
}
