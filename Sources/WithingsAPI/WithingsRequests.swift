import Crypto
import HTTP1

/// Form fields of the OAuth 2.0 era calls. POST them form-encoded:
/// token calls at `{api}/v2/oauth2`, `getnonce` at `{api}/v2/signature`,
/// getmeas at `{api}/measure` (with `Authorization: Bearer`).
public enum WithingsRequests {
    /// `requesttoken` with `grant_type=authorization_code`, client-secret variant.
    public static func authorizationCode(
        code: String, clientID: String, clientSecret: String, redirectURI: String
    ) -> [(String, String)] {
        [
            ("action", "requesttoken"), ("grant_type", "authorization_code"), ("client_id", clientID),
            ("client_secret", clientSecret), ("code", code), ("redirect_uri", redirectURI),
        ]
    }

    /// `requesttoken` with `grant_type=refresh_token`, client-secret variant.
    public static func refresh(refreshToken: String, clientID: String, clientSecret: String) -> [(String, String)] {
        [
            ("action", "requesttoken"), ("grant_type", "refresh_token"), ("client_id", clientID),
            ("client_secret", clientSecret), ("refresh_token", refreshToken),
        ]
    }

    /// `getnonce`: the first step of a signed call. `timestamp` is the current Unix time.
    public static func getnonce(clientID: String, clientSecret: String, timestamp: Int64) -> [(String, String)] {
        let fields = [("action", "getnonce"), ("client_id", clientID), ("timestamp", String(timestamp))]
        return fields + [("signature", WithingsSignature.sign(fields, clientSecret: clientSecret))]
    }

    /// `requesttoken` (authorization code), signature variant: `nonce` from `getnonce`.
    public static func authorizationCodeSigned(
        code: String, clientID: String, clientSecret: String, redirectURI: String, nonce: String
    ) -> [(String, String)] {
        let signed = [("action", "requesttoken"), ("client_id", clientID), ("nonce", nonce)]
        return signed + [
            ("signature", WithingsSignature.sign(signed, clientSecret: clientSecret)),
            ("grant_type", "authorization_code"), ("code", code), ("redirect_uri", redirectURI),
        ]
    }

    /// `requesttoken` (refresh), signature variant: `nonce` from `getnonce`.
    public static func refreshSigned(
        refreshToken: String, clientID: String, clientSecret: String, nonce: String
    ) -> [(String, String)] {
        let signed = [("action", "requesttoken"), ("client_id", clientID), ("nonce", nonce)]
        return signed + [
            ("signature", WithingsSignature.sign(signed, clientSecret: clientSecret)),
            ("grant_type", "refresh_token"), ("refresh_token", refreshToken),
        ]
    }

    /// `getmeas`. Never sends `lastupdate` together with `startdate`/`enddate`:
    /// when `lastUpdate` is set the date window is left out (the caller filters locally).
    public static func getmeas(_ query: GetmeasQuery) -> [(String, String)] {
        var fields: [(String, String)] = [("action", "getmeas")]
        switch query.meastypes.count {
        case 0: break
        case 1: fields.append(("meastype", String(query.meastypes[0])))
        default: fields.append(("meastypes", query.meastypes.map(String.init).joined(separator: ",")))
        }
        fields.append(("category", String(query.category)))
        if let lastUpdate = query.lastUpdate {
            fields.append(("lastupdate", String(lastUpdate)))
        } else {
            if let startDate = query.startDate { fields.append(("startdate", String(startDate))) }
            if let endDate = query.endDate { fields.append(("enddate", String(endDate))) }
        }
        if let offset = query.offset { fields.append(("offset", String(offset))) }
        return fields
    }

    /// The user-facing authorization page:
    /// `{accountBase}/oauth2_user/authorize2?response_type=code&client_id=…&scope=…&redirect_uri=…&state=…`.
    /// `scope` is comma-separated; the commas stay literal as in Withings' examples.
    public static func authorizeURL(
        accountBase: String, clientID: String, redirectURI: String, scope: String, state: String
    ) -> String {
        let encodedScope = scope.split(separator: ",", omittingEmptySubsequences: false)
            .map { URLEncoding.percentEncode(String($0)) }.joined(separator: ",")
        return trimmingTrailingSlashes(accountBase) + "/oauth2_user/authorize2?response_type=code"
            + "&client_id=" + URLEncoding.percentEncode(clientID)
            + "&scope=" + encodedScope
            + "&redirect_uri=" + URLEncoding.percentEncode(redirectURI)
            + "&state=" + URLEncoding.percentEncode(state)
    }

    static func trimmingTrailingSlashes(_ base: String) -> String {
        var base = Substring(base)
        while base.hasSuffix("/") { base = base.dropLast() }
        return String(base)
    }
}

/// Withings' request signature (withings-api.md §2.4): hex HMAC-SHA256 keyed
/// with the client secret over the values of the signed fields, sorted by
/// field name and joined with commas.
public enum WithingsSignature {
    public static func sign(_ fields: [(String, String)], clientSecret: String) -> String {
        let message = fields.sorted { $0.0 < $1.0 }.map(\.1).joined(separator: ",")
        return ByteEncoding.hex(Digest.hmac(.sha256, key: clientSecret, data: message))
    }
}
