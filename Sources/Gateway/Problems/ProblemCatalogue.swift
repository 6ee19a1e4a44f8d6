import HTTP1
import HTTPServer

/// Every problem the gateway itself answers with (DESIGN.md "Errors").
/// Names are the last segment of the problem `type` URI and are listed in
/// openapi.yaml; titles are fixed per name, `detail` says what happened
/// without ever quoting a secret or an upstream body.
public enum GatewayProblem {
    public struct Entry: Sendable {
        public var name: String
        public var status: Int
        public var title: String
    }

    public static let unauthorized = Entry(name: "unauthorized", status: 401, title: "Missing or invalid API key")
    public static let forbidden = Entry(name: "forbidden", status: 403, title: "Key not valid for this user")
    public static let userNotFound = Entry(name: "user-not-found", status: 404, title: "User not connected")
    public static let reauthorizationRequired = Entry(
        name: "reauthorization-required", status: 409, title: "Withings authorization must be renewed")
    public static let invalidParameter = Entry(name: "invalid-parameter", status: 400, title: "Invalid parameter")
    public static let invalidState = Entry(name: "invalid-state", status: 400, title: "Invalid OAuth state")
    public static let authorizationDenied = Entry(
        name: "authorization-denied", status: 400, title: "The user did not authorize access")
    public static let authorizationRejected = Entry(
        name: "authorization-rejected", status: 400, title: "Withings rejected the authorization")
    public static let rateLimited = Entry(name: "rate-limited", status: 429, title: "Too many upstream requests")
    public static let upstreamUnavailable = Entry(
        name: "upstream-unavailable", status: 502, title: "Withings could not be reached")
    public static let upstreamInvalidResponse = Entry(
        name: "upstream-invalid-response", status: 502, title: "Withings sent an invalid answer")
    public static let upstreamError = Entry(name: "upstream-error", status: 502, title: "Withings reported an error")
    public static let upstreamTimeout = Entry(name: "upstream-timeout", status: 504, title: "Withings answered too slowly")
    public static let notReady = Entry(name: "not-ready", status: 503, title: "Not ready")
    public static let internalError = Entry(name: "internal-error", status: 500, title: "Internal error")

    /// Every entry, for documentation checks.
    public static let all: [Entry] = [
        unauthorized, forbidden, userNotFound, reauthorizationRequired, invalidParameter, invalidState,
        authorizationDenied, authorizationRejected, rateLimited, upstreamUnavailable, upstreamInvalidResponse,
        upstreamError, upstreamTimeout, notReady, internalError,
    ]

    public static func make(_ entry: Entry, detail: String) -> Problem {
        Problem(name: entry.name, status: entry.status, title: entry.title, detail: detail)
    }

    // MARK: - Responses with their required headers or members

    public static func unauthorizedResponse(detail: String = "Send Authorization: Bearer KEY with a valid API key.")
        -> HTTPResponse
    {
        make(unauthorized, detail: detail).response(headers: ["WWW-Authenticate": "Bearer realm=\"withings-gateway\""])
    }

    /// `detail` is "parameter: reason", so it always names the parameter.
    public static func invalidParameterResponse(_ parameter: String, _ reason: String) -> HTTPResponse {
        var problem = make(invalidParameter, detail: "\(parameter): \(reason)")
        problem.extra = [("parameter", parameter)]
        return problem.response()
    }

    /// 409 with `authorize_url` (`{GATEWAY_PUBLIC_URL}/oauth/authorize`).
    public static func reauthorizationRequiredResponse(userID: String, publicURL: String) -> HTTPResponse {
        var problem = make(
            reauthorizationRequired,
            detail: "The Withings authorization of user \(userID) is no longer valid; connect again at authorize_url.")
        problem.extra = [("authorize_url", publicURL + "/oauth/authorize")]
        return problem.response()
    }

    /// 429 with `Retry-After` in whole seconds (at least 1).
    public static func rateLimitedResponse(retryAfterSeconds: Int, upstream: Bool) -> HTTPResponse {
        let seconds = max(1, retryAfterSeconds)
        let detail = upstream
            ? "Withings' rate limit was reached; retry in \(seconds) s."
            : "The gateway's upstream budget is spent; retry in \(seconds) s."
        return make(rateLimited, detail: detail).response(headers: ["Retry-After": String(seconds)])
    }
}

/// A finished problem answer carried through `Result` (coalesced callers share it).
public struct ProblemResponse: Error, Sendable {
    public var response: HTTPResponse
    public init(_ response: HTTPResponse) { self.response = response }
}
