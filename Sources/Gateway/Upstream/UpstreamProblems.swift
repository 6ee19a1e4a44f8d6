import HTTP1
import WithingsAPI

/// DESIGN.md's "Errors" table for upstream failures, in one place.
public enum UpstreamProblems {
    /// The answer to a failed data call. Authentication failures never get
    /// here: the caller refreshes once and then answers 409 itself.
    public static func response(for error: UpstreamError, timeoutSeconds: Int) -> HTTPResponse {
        switch error {
        case .withings(let failure):
            return response(for: failure, timeoutSeconds: timeoutSeconds)
        case .unreachable(let reason):
            return GatewayProblem.make(
                GatewayProblem.upstreamUnavailable, detail: "Withings could not be reached (\(reason)).").response()
        case .invalidResponse(let reason):
            return GatewayProblem.make(
                GatewayProblem.upstreamInvalidResponse, detail: "Withings sent an invalid answer (\(reason)).").response()
        case .timeout:
            return timeoutResponse(timeoutSeconds)
        case .budgetExhausted(let seconds):
            return GatewayProblem.rateLimitedResponse(retryAfterSeconds: seconds, upstream: false)
        }
    }

    static func response(for failure: WithingsFailure, timeoutSeconds: Int) -> HTTPResponse {
        switch failure.family {
        case .rateLimited(let wait):
            // Withings sends no Retry-After; without wait_seconds a minute covers its window.
            return GatewayProblem.rateLimitedResponse(retryAfterSeconds: wait ?? 60, upstream: true)
        case .timeout:
            return timeoutResponse(timeoutSeconds)
        case .ok, .auth, .invalidParams, .unauthorized, .notImplemented, .badState, .other:
            return GatewayProblem.make(
                GatewayProblem.upstreamError, detail: "Withings answered status \(failure.status).").response()
        }
    }

    static func timeoutResponse(_ seconds: Int) -> HTTPResponse {
        GatewayProblem.make(GatewayProblem.upstreamTimeout, detail: "Withings did not answer within \(seconds) s.")
            .response()
    }
}
