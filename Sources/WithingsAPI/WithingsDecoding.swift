import JSON

/// The answer could not be understood at all: not JSON, not an envelope, no
/// integer `status`, or a success body missing a required field. The gateway
/// treats it as an invalid upstream answer (502), never as a rejection.
/// `reason` names fields only, never their values (which may be tokens).
public struct WithingsDecodeError: Error, Sendable, Equatable, CustomStringConvertible {
    public var reason: String
    public init(_ reason: String) { self.reason = reason }
    public var description: String { "invalid Withings answer: \(reason)" }
}

/// Decoders for Withings' `{"status": N, "body": {...}, "error": "..."}` envelope.
///
/// Tolerant where real answers disagree with the spec (`userid` number or
/// string, `more` bool or int, `modelid` or `model_id`, numbers as strings,
/// unknown keys), strict where a wrong guess would be harmful (missing or
/// non-integer `status`, missing ids, tokens or values).
public enum WithingsDecoding {
    /// A `requesttoken` answer.
    public static func tokenGrant(_ bytes: [UInt8]) throws(WithingsDecodeError) -> Result<TokenGrant, WithingsFailure> {
        let body: JSONValue
        switch try envelope(bytes) {
        case .failure(let failure): return .failure(failure)
        case .success(let value): body = value
        }
        guard let userID = body["userid"]?.lenientString, !userID.isEmpty else { throw missing("body.userid") }
        guard let accessToken = body["access_token"]?.string, !accessToken.isEmpty else {
            throw missing("body.access_token")
        }
        guard let refreshToken = body["refresh_token"]?.string, !refreshToken.isEmpty else {
            throw missing("body.refresh_token")
        }
        guard let expiresIn = body["expires_in"]?.lenientInt64, expiresIn > 0 else { throw missing("body.expires_in") }
        return .success(
            TokenGrant(
                userID: userID, accessToken: accessToken, refreshToken: refreshToken, expiresIn: expiresIn,
                scope: body["scope"]?.string ?? "", csrfToken: body["csrf_token"]?.string))
    }

    /// A `getnonce` answer (`body.nonce`), for signed requests.
    public static func nonce(_ bytes: [UInt8]) throws(WithingsDecodeError) -> Result<String, WithingsFailure> {
        switch try envelope(bytes) {
        case .failure(let failure): return .failure(failure)
        case .success(let body):
            guard let nonce = body["nonce"]?.string, !nonce.isEmpty else { throw missing("body.nonce") }
            return .success(nonce)
        }
    }

    /// Splits the envelope: `.success(body)` for status 0 (body `{}` when
    /// absent), `.failure` for any other status.
    public static func envelope(_ bytes: [UInt8]) throws(WithingsDecodeError) -> Result<JSONValue, WithingsFailure> {
        let document: JSONValue
        do {
            document = try JSONParser.parse(bytes)
        } catch {
            throw WithingsDecodeError("not JSON (\(error.kind))")
        }
        guard document.object != nil else { throw WithingsDecodeError("not a JSON object") }
        guard let rawStatus = document["status"] else { throw missing("status") }
        guard let status = rawStatus.int else { throw WithingsDecodeError("status is not an integer") }
        let body = document["body"] ?? .object([])
        if status == 0 {
            guard body.object != nil else { throw WithingsDecodeError("body is not an object") }
            return .success(body)
        }
        let waitSeconds = body["wait_seconds"]?.lenientInt
        return .failure(WithingsFailure(status: status, waitSeconds: waitSeconds, message: document["error"]?.string))
    }

    static func intOrDefault(
        _ value: JSONValue?, _ fallback: Int, field: () -> String
    ) throws(WithingsDecodeError) -> Int {
        guard let value, !value.isNull else { return fallback }
        guard let number = value.lenientInt else { throw missing(field()) }
        return number
    }

    static func missing(_ field: String) -> WithingsDecodeError {
        WithingsDecodeError("\(field) missing or malformed")
    }

    static func nonEmpty(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        return text
    }
}
