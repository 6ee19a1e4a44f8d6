import HTTP1
import JSON

/// The `/_sim/` control interface for tests (served only with
/// `configuration.control`), and the same operations as methods for
/// in-process callers. Parameters come from the query or a form body.
///
/// | route | parameters |
/// |---|---|
/// | `GET /_sim/counters`, `POST /_sim/counters/reset` | |
/// | `POST /_sim/faults` | `kind` = status, latency, truncate, reset, outage; `status` (status/outage); `ms` (latency); `count` (default 1); `action` (only calls with it) |
/// | `DELETE /_sim/faults` | |
/// | `POST /_sim/latency` | `ms`: extra latency for every API answer |
/// | `POST /_sim/invalidate-access-tokens` | |
/// | `POST /_sim/refresh-rejection` | `family` = invalid_params, auth |
/// | `POST /_sim/same-args-window` | `seconds` (0 = off) |
/// | `POST /_sim/rate-limit` | `per_minute` (0 = off) |
/// | `POST /_sim/default-user` | `userid` the authorize pages approve as |
/// | `GET /_sim/users` | |
/// | `POST /_sim/codes` | `userid`, optional `redirect_uri`, `scope`: an authorization code as if approved |
extension WithingsSimulator {
    /// Every control route, for mounting on a router.
    static let controlRoutes: [(method: HTTPMethod, path: String)] = [
        (.get, "/_sim/counters"), (.post, "/_sim/counters/reset"), (.post, "/_sim/faults"), (.delete, "/_sim/faults"),
        (.post, "/_sim/latency"), (.post, "/_sim/invalidate-access-tokens"), (.post, "/_sim/refresh-rejection"),
        (.post, "/_sim/same-args-window"), (.post, "/_sim/rate-limit"), (.post, "/_sim/default-user"),
        (.get, "/_sim/users"), (.post, "/_sim/codes"),
    ]

    /// The account-page and API routes (each served for GET and POST).
    static let apiPaths = [
        "/oauth2_user/authorize2", "/v2/oauth2", "/v2/signature", "/measure", "/account/request_token",
        "/account/authorize", "/account/access_token",
    ]

    func control(_ request: HTTPRequest) -> HTTPResponse {
        guard configuration.control else {
            return Self.controlAnswer(403, error: "control interface disabled; start withings-sim with --control")
        }
        guard let params = RequestParameters(request, body: true) else {
            return Self.controlAnswer(400, error: "malformed parameters")
        }
        switch (request.method, request.path) {
        case (.get, "/_sim/counters"):
            return HTTPResponse(status: 200, headers: ["Content-Type": "application/json"], body: counters().json())
        case (.post, "/_sim/counters/reset"):
            resetCounters()
        case (.post, "/_sim/faults"):
            switch Self.parseFault(params) {
            case .success(let rule): schedule(rule.fault, count: rule.remaining, action: rule.action)
            case .failure(let error): return Self.controlAnswer(400, error: error.message)
            }
        case (.delete, "/_sim/faults"):
            clearFaults()
        case (.post, "/_sim/latency"):
            guard let ms = Self.int(params["ms"], 0...600_000) else { return Self.controlAnswer(400, error: "bad ms") }
            setExtraLatency(milliseconds: ms)
        case (.post, "/_sim/invalidate-access-tokens"):
            invalidateAccessTokens()
        case (.post, "/_sim/refresh-rejection"):
            guard let family = params["family"].flatMap(RefreshRejection.init(rawValue:)) else {
                return Self.controlAnswer(400, error: "family must be invalid_params or auth")
            }
            setRefreshRejection(family)
        case (.post, "/_sim/same-args-window"):
            guard let seconds = Self.int(params["seconds"], 0...86400) else {
                return Self.controlAnswer(400, error: "bad seconds")
            }
            setSameArgsWindow(seconds: Int64(seconds))
        case (.post, "/_sim/rate-limit"):
            guard let limit = Self.int(params["per_minute"], 0...1_000_000) else {
                return Self.controlAnswer(400, error: "bad per_minute")
            }
            setRateLimit(perMinute: limit)
        case (.post, "/_sim/default-user"):
            guard let id = params["userid"], let index = userIndex(forID: id) else {
                return Self.controlAnswer(400, error: "unknown userid")
            }
            state.withLock { $0.defaultUserIndex = index }
        case (.get, "/_sim/users"):
            var writer = JSONWriter(capacity: 64 + userIDs.count * 24)
            writer.beginObject()
            writer.key("users")
            writer.beginArray()
            for id in userIDs { writer.string(id) }
            writer.endArray()
            writer.endObject()
            return HTTPResponse(status: 200, headers: ["Content-Type": "application/json"], body: writer.bytes)
        case (.post, "/_sim/codes"):
            guard let id = params["userid"], let index = userIndex(forID: id),
                let issued = connectUser(
                    index: index, redirectURI: params["redirect_uri"], scope: params["scope"] ?? Self.defaultScope)
            else { return Self.controlAnswer(400, error: "unknown userid, redirect_uri or scope") }
            var writer = JSONWriter(capacity: 96)
            writer.beginObject()
            writer.field("userid", issued.userID)
            writer.field("code", issued.code)
            writer.endObject()
            return HTTPResponse(status: 200, headers: ["Content-Type": "application/json"], body: writer.bytes)
        default:
            return Self.controlAnswer(404, error: "unknown control route")
        }
        return Self.controlAnswer(200, error: nil)
    }

    struct ControlError: Error {
        var message: String
    }

    static func parseFault(_ params: RequestParameters) -> Result<FaultSchedule.Rule, ControlError> {
        guard let count = int(params["count"] ?? "1", 1...1_000_000) else { return .failure(.init(message: "bad count")) }
        let fault: SimulatorFault
        switch params["kind"] {
        case "status":
            guard let status = int(params["status"], 1...99_999) else { return .failure(.init(message: "bad status")) }
            fault = .status(status)
        case "latency":
            guard let ms = int(params["ms"], 1...600_000) else { return .failure(.init(message: "bad ms")) }
            fault = .latency(milliseconds: ms)
        case "truncate":
            fault = .truncateBody
        case "reset":
            fault = .resetConnection
        case "outage":
            guard let status = int(params["status"] ?? "503", 500...599) else {
                return .failure(.init(message: "outage status must be 5xx"))
            }
            fault = .outage(httpStatus: status)
        default:
            return .failure(.init(message: "kind must be status, latency, truncate, reset or outage"))
        }
        return .success(FaultSchedule.Rule(fault: fault, remaining: count, action: params["action"]))
    }

    private static func int(_ text: String?, _ range: ClosedRange<Int>) -> Int? {
        guard let text, let value = parseInteger(text), value >= range.lowerBound, value <= range.upperBound else {
            return nil
        }
        return Int(value)
    }

    private static func controlAnswer(_ status: Int, error: String?) -> HTTPResponse {
        var writer = JSONWriter(capacity: 96)
        writer.beginObject()
        if let error { writer.field("error", error) } else { writer.field("ok", true) }
        writer.endObject()
        return HTTPResponse(status: status, headers: ["Content-Type": "application/json"], body: writer.bytes)
    }

    // MARK: - In-process control

    public func counters() -> SimulatorCounters { state.withLock { $0.counters } }

    public func resetCounters() { state.withLock { $0.counters = SimulatorCounters() } }

    /// Makes the next `count` API calls (with `action`, when given) misbehave.
    public func schedule(_ fault: SimulatorFault, count: Int = 1, action: String? = nil) {
        state.withLock { $0.faults.add(fault, count: count, action: action) }
    }

    public func clearFaults() { state.withLock { $0.faults.clear() } }

    /// Revokes every OAuth 2.0 access token issued so far; refresh tokens stay valid.
    public func invalidateAccessTokens() {
        state.withLock { state in
            for token in state.accessTokens.keys { state.accessTokens[token]?.revoked = true }
        }
    }

    public func setRefreshRejection(_ family: RefreshRejection) { state.withLock { $0.refreshRejection = family } }

    public func setSameArgsWindow(seconds: Int64) { state.withLock { $0.rateLimiter.sameArgsWindow = seconds } }

    public func setRateLimit(perMinute: Int) { state.withLock { $0.rateLimiter.perMinute = perMinute } }

    public func setExtraLatency(milliseconds: Int) { state.withLock { $0.extraLatencyMs = milliseconds } }
}
