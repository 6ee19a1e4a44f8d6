import Crypto
import HTTP1

/// OAuth 1.0 request signing, RFC 5849 §3.4 with HMAC-SHA1, for the legacy
/// Withings API (`WITHINGS_AUTH_MODE=oauth1`).
///
/// Pure: the nonce and timestamp are passed in, so signatures are
/// reproducible in tests. Percent-encoding is RFC 5849 §3.6 (RFC 3986
/// unreserved characters only, uppercase hex), which is what
/// `URLEncoding.percentEncode` does.
public struct OAuth1Signer: Sendable {
    public var consumerKey: String
    public var consumerSecret: String
    /// The temporary or token credentials; nil when requesting temporary credentials.
    public var token: String?
    public var tokenSecret: String?
    /// Whether to send `oauth_version=1.0` (optional in the RFC; the legacy Withings clients sent it).
    public var includeVersion: Bool

    public init(
        consumerKey: String, consumerSecret: String, token: String? = nil, tokenSecret: String? = nil,
        includeVersion: Bool = true
    ) {
        self.consumerKey = consumerKey
        self.consumerSecret = consumerSecret
        self.token = token
        self.tokenSecret = tokenSecret
        self.includeVersion = includeVersion
    }

    /// The protocol parameters for a request, `oauth_signature` last.
    ///
    /// - Parameters:
    ///   - url: the absolute request URL; a query string in it is signed too.
    ///   - parameters: decoded request parameters sent besides the URL's own
    ///     (form body fields, or query fields to be appended).
    ///   - extraProtocolParameters: `oauth_callback`, `oauth_verifier`, … (decoded).
    /// - Returns: nil when `url` is not an absolute http(s) URL or its query is malformed.
    public func sign(
        method: String, url: String, parameters: [(String, String)] = [], nonce: String, timestamp: Int64,
        extraProtocolParameters: [(String, String)] = []
    ) -> [(String, String)]? {
        var protocolParameters: [(String, String)] = [("oauth_consumer_key", consumerKey)]
        if let token { protocolParameters.append(("oauth_token", token)) }
        protocolParameters.append(("oauth_signature_method", "HMAC-SHA1"))
        protocolParameters.append(("oauth_timestamp", String(timestamp)))
        protocolParameters.append(("oauth_nonce", nonce))
        if includeVersion { protocolParameters.append(("oauth_version", "1.0")) }
        protocolParameters += extraProtocolParameters
        guard
            let base = Self.signatureBaseString(
                method: method, url: url, parameters: parameters + protocolParameters)
        else { return nil }
        return protocolParameters + [("oauth_signature", signature(baseString: base))]
    }

    /// §3.4.2: base64 HMAC-SHA1 keyed with `encode(consumer secret)&encode(token secret)`.
    public func signature(baseString: String) -> String {
        let key = URLEncoding.percentEncode(consumerSecret) + "&" + URLEncoding.percentEncode(tokenSecret ?? "")
        return Base64.encode(Digest.hmac(.sha1, key: key, data: baseString))
    }

    /// §3.4.1: `METHOD&encode(base string URI)&encode(normalized parameters)`.
    /// `parameters` are decoded pairs (besides those in `url`'s query), protocol
    /// parameters included and `oauth_signature` excluded.
    public static func signatureBaseString(method: String, url: String, parameters: [(String, String)]) -> String? {
        guard let parts = RequestURL(url), let queryPairs = URLEncoding.parseForm(parts.query) else { return nil }
        let all = queryPairs.map { ($0.name, $0.value) } + parameters
        return method.uppercased() + "&" + URLEncoding.percentEncode(parts.baseStringURI) + "&"
            + URLEncoding.percentEncode(normalizedParameters(all))
    }

    /// §3.4.1.3.2: encode names and values, sort by name then value (byte
    /// order), join `name=value` with `&`.
    public static func normalizedParameters(_ parameters: [(String, String)]) -> String {
        let encoded = parameters.map { (URLEncoding.percentEncode($0.0), URLEncoding.percentEncode($0.1)) }
        let sorted = encoded.sorted { lhs, rhs in
            lhs.0 == rhs.0
                ? lhs.1.utf8.lexicographicallyPrecedes(rhs.1.utf8) : lhs.0.utf8.lexicographicallyPrecedes(rhs.0.utf8)
        }
        return sorted.map { $0.0 + "=" + $0.1 }.joined(separator: "&")
    }

    /// §3.5.1: `OAuth realm="…", name="value", …` with encoded values.
    public static func authorizationHeader(_ protocolParameters: [(String, String)], realm: String? = nil) -> String {
        var items: [String] = []
        if let realm { items.append("realm=\"\(realm.replacingQuoteAndBackslash())\"") }
        for (name, value) in protocolParameters {
            items.append(URLEncoding.percentEncode(name) + "=\"" + URLEncoding.percentEncode(value) + "\"")
        }
        return "OAuth " + items.joined(separator: ", ")
    }
}

/// The parts of an absolute http(s) URL that OAuth 1.0 signing needs.
struct RequestURL {
    /// §3.4.1.2: lowercase scheme and host, default port dropped, path ("/" when empty).
    var baseStringURI: String
    /// The raw query (without `?`), possibly empty.
    var query: [UInt8]

    init?(_ url: String) {
        var bytes = Array(url.utf8)
        if let hash = bytes.firstIndex(of: UInt8(ascii: "#")) { bytes.removeSubrange(hash...) }
        guard let colon = bytes.firstIndex(of: UInt8(ascii: ":")), bytes.count >= colon + 3,
            bytes[colon + 1] == UInt8(ascii: "/"), bytes[colon + 2] == UInt8(ascii: "/")
        else { return nil }
        let scheme = String(decoding: bytes[..<colon], as: UTF8.self).lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }
        let authorityStart = colon + 3
        let authorityEnd =
            bytes[authorityStart...].firstIndex { $0 == UInt8(ascii: "/") || $0 == UInt8(ascii: "?") }
            ?? bytes.endIndex
        let authority = bytes[authorityStart..<authorityEnd]
        guard !authority.isEmpty, !authority.contains(UInt8(ascii: "@")) else { return nil }
        var host = String(decoding: authority, as: UTF8.self).lowercased()
        // A port follows the last colon unless that colon is inside an IPv6 literal.
        if let portColon = authority.lastIndex(of: UInt8(ascii: ":")),
            !authority[portColon...].contains(UInt8(ascii: "]"))
        {
            let port = authority[(portColon + 1)...]
            guard port.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }) else { return nil }
            let portText = String(decoding: port, as: UTF8.self)
            let hostPart = String(decoding: authority[..<portColon], as: UTF8.self).lowercased()
            let isDefault =
                port.isEmpty || (scheme == "http" && portText == "80") || (scheme == "https" && portText == "443")
            host = isDefault ? hostPart : hostPart + ":" + portText
        }
        let queryStart = bytes[authorityEnd...].firstIndex(of: UInt8(ascii: "?"))
        let path = bytes[authorityEnd..<(queryStart ?? bytes.endIndex)]
        query = queryStart.map { Array(bytes[($0 + 1)...]) } ?? []
        baseStringURI = scheme + "://" + host + (path.isEmpty ? "/" : String(decoding: path, as: UTF8.self))
    }
}

/// Standard base64 with padding (RFC 4648 §4), as OAuth 1.0 signatures use.
enum Base64 {
    private static let alphabet: [UInt8] = Array(
        "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/".utf8)

    static func encode(_ bytes: [UInt8]) -> String {
        var out: [UInt8] = []
        out.reserveCapacity((bytes.count + 2) / 3 * 4)
        var index = 0
        while index + 3 <= bytes.count {
            let chunk = UInt32(bytes[index]) << 16 | UInt32(bytes[index + 1]) << 8 | UInt32(bytes[index + 2])
            for shift in [18, 12, 6, 0] { out.append(alphabet[Int(chunk >> UInt32(shift) & 0x3F)]) }
            index += 3
        }
        let remaining = bytes.count - index
        if remaining > 0 {
            var chunk = UInt32(bytes[index]) << 16
            if remaining == 2 { chunk |= UInt32(bytes[index + 1]) << 8 }
            out.append(alphabet[Int(chunk >> 18 & 0x3F)])
            out.append(alphabet[Int(chunk >> 12 & 0x3F)])
            out.append(remaining == 2 ? alphabet[Int(chunk >> 6 & 0x3F)] : UInt8(ascii: "="))
            out.append(UInt8(ascii: "="))
        }
        return String(decoding: out, as: UTF8.self)
    }
}

extension String {
    /// A quoted-string body: backslash-escape `"` and `\`.
    fileprivate func replacingQuoteAndBackslash() -> String {
        var out = ""
        for character in self {
            if character == "\"" || character == "\\" { out.append("\\") }
            out.append(character)
        }
        return out
    }
}
