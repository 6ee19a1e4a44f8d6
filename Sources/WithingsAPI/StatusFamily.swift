/// The family of a Withings `status` code (withings-api.md §6).
///
/// Withings publishes families, not individual meanings, and answers HTTP 200
/// with the failure inside the envelope, so the gateway decides everything
/// (refresh, 400/403/409/429/502/504) from this classification.
public enum StatusFamily: Sendable, Equatable {
    /// 0.
    case ok
    /// 100–102, 200, 401: the access token is invalid or expired.
    case auth
    /// Parameters were rejected (also an expired or reused authorization code: 503).
    case invalidParams
    /// 214, 277, 2553, 2555: the app may not call this service (scope or contract).
    case unauthorized
    /// 2554: unknown action or service.
    case notImplemented
    /// 522.
    case timeout
    /// 524.
    case badState
    /// 601; `waitSeconds` comes from the answer's `body.wait_seconds` when present.
    case rateLimited(waitSeconds: Int?)
    /// Every other non-zero code ("an error occurred").
    case other

    /// Classifies a status; `waitSeconds` is attached to a 601 only.
    public static func classify(status: Int, waitSeconds: Int? = nil) -> StatusFamily {
        switch status {
        case 0: return .ok
        case 601: return .rateLimited(waitSeconds: waitSeconds)
        case 522: return .timeout
        case 524: return .badState
        case 2554: return .notImplemented
        case 214, 277, 2553, 2555: return .unauthorized
        case 100...102, 200, 401: return .auth
        default: return isInvalidParams(status) ? .invalidParams : .other
        }
    }

    /// The invalid-params ranges of §6, checked in order of the table.
    private static func isInvalidParams(_ status: Int) -> Bool {
        switch status {
        case 201...213, 216...218, 220...221, 223, 225, 227...230, 234...236, 238, 240...252, 254, 260...267,
            271...272, 275...276, 283...288, 290, 293...295, 297, 300...304, 321, 323...353, 380...382, 400,
            501...511, 523, 532, 3017...3019:
            return true
        default:
            return false
        }
    }
}

/// A non-zero `status` from Withings. `message` is Withings' own `error`
/// text: it names the problem, never a credential, but callers still keep it
/// out of client-facing answers (DESIGN.md: no upstream bodies in errors).
public struct WithingsFailure: Error, Sendable, Equatable {
    public var status: Int
    public var family: StatusFamily
    public var message: String?

    public init(status: Int, family: StatusFamily, message: String?) {
        self.status = status
        self.family = family
        self.message = message
    }

    public init(status: Int, waitSeconds: Int? = nil, message: String?) {
        self.init(status: status, family: .classify(status: status, waitSeconds: waitSeconds), message: message)
    }
}
