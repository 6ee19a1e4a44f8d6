import HTTP1
import Logging
import TokenStore

/// `DELETE /users/{user_id}`: forgets the user's tokens and cached data and
/// revokes the keys scoped to them; allowed to a service key and to the
/// user's own key. `204`, then `404` for the same user.
public struct ForgetUserEndpoint: Sendable {
    private let keys: KeyAuthenticator
    private let store: any TokenStore
    /// Drops whatever this process caches for the user (pages).
    private let forgetCached: @Sendable (String) -> Void

    public init(keys: KeyAuthenticator, store: any TokenStore, forgetCached: @escaping @Sendable (String) -> Void) {
        self.keys = keys
        self.store = store
        self.forgetCached = forgetCached
    }

    public func handle(_ request: HTTPRequest, userID: String, logger: Logger) async -> HTTPResponse {
        do {
            let scope = try await keys.scope(authorization: request.headers["authorization"])
            // Existence is decided by `forget` itself (404 below).
            switch AccessPolicy.decide(scope: scope, targetUser: userID, userIsConnected: true) {
            case .unauthenticated: return GatewayProblem.unauthorizedResponse()
            case .forbidden:
                return GatewayProblem.make(GatewayProblem.forbidden, detail: "This key may not manage user \(userID).")
                    .response()
            case .allowed, .userNotFound: break
            }
            guard try await store.forget(userID) else {
                return GatewayProblem.make(
                    GatewayProblem.userNotFound, detail: "User \(userID) has not connected a Withings account.").response()
            }
            forgetCached(userID)
            keys.forget(userID: userID)
            logger.info("user forgotten", metadata: ["user_id": "\(userID)"])
            return HTTPResponse(status: 204)
        } catch {
            logger.error("forgetting a user failed", metadata: ["error": "\(error)"])
            return GatewayProblem.make(GatewayProblem.internalError, detail: "The token store failed.").response()
        }
    }
}
