import HTTP1
import TokenStore

/// Where the measures route gets a usable access token. `TokenLifecycle`
/// is the production source; tests script one.
public protocol AccessTokenSource: Sendable {
    func accessToken(for userID: String) async throws(TokenLifecycleError) -> String
    func refreshAfterRejection(userID: String, rejectedAccessToken: String) async throws(TokenLifecycleError) -> String
}

extension TokenLifecycle: AccessTokenSource {}

extension TokenLifecycleError {
    /// DESIGN.md's table for failures to produce a token.
    func response(userID: String, publicURL: String, timeoutSeconds: Int) -> HTTPResponse {
        switch self {
        case .notConnected:
            return GatewayProblem.make(
                GatewayProblem.userNotFound, detail: "User \(userID) has not connected a Withings account.").response()
        case .reauthorizationRequired:
            return GatewayProblem.reauthorizationRequiredResponse(userID: userID, publicURL: publicURL)
        case .transient(let reason):
            return GatewayProblem.make(
                GatewayProblem.upstreamUnavailable, detail: "Refreshing the Withings token failed (\(reason)).").response()
        case .timeout:
            return UpstreamProblems.timeoutResponse(timeoutSeconds)
        case .rateLimited(let wait):
            return GatewayProblem.rateLimitedResponse(retryAfterSeconds: wait ?? 60, upstream: true)
        }
    }
}
