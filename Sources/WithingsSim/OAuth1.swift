import Crypto
import HTTP1

/// RFC 5849 (OAuth 1.0) HMAC-SHA1 signatures, the verifier's side: which
/// parameters are signed, the signature base string, and the signature.
enum OAuth1 {
    /// Whether a `/measure` call is a legacy signed one rather than a Bearer one.
    static func isSigned(_ request: HTTPRequest, params: RequestParameters) -> Bool {
        if params["oauth_signature"] != nil || params["oauth_consumer_key"] != nil { return true }
        guard let header = request.headers["authorization"] else { return false }
        return header.utf8.count > 6 && header.prefix(6).lowercased() == "oauth "
    }

    /// Every parameter that enters the signature (§3.4.1.3.1): the query, the
    /// `Authorization: OAuth` parameters except `realm`, and a form body.
    /// nil when any of them is malformed.
    static func collectParameters(_ request: HTTPRequest) -> [(name: String, value: String)]? {
        guard var pairs = URLEncoding.parseForm(request.query) else { return nil }
        if let header = request.headers["authorization"], header.prefix(6).lowercased() == "oauth " {
            guard let headerPairs = parseAuthorizationHeader(header) else { return nil }
            pairs += headerPairs.filter { $0.name != "realm" }
        }
        let contentType = request.headers["content-type"]?.lowercased() ?? ""
        if !request.body.isEmpty, contentType.hasPrefix("application/x-www-form-urlencoded") {
            guard let bodyPairs = URLEncoding.parseForm(request.body) else { return nil }
            pairs += bodyPairs
        }
        return pairs
    }

    /// Parses `OAuth realm="x", oauth_nonce="…", …` (§3.5.1): quoted,
    /// percent-encoded values separated by commas.
    static func parseAuthorizationHeader(_ header: String) -> [(name: String, value: String)]? {
        let bytes = Array(header.utf8)
        guard bytes.count >= 6 else { return nil }
        var index = 6
        var pairs: [(name: String, value: String)] = []
        while true {
            while index < bytes.count, isSeparator(bytes[index]) { index += 1 }
            if index == bytes.count { break }
            let nameStart = index
            while index < bytes.count, bytes[index] != UInt8(ascii: "=") { index += 1 }
            guard index + 1 < bytes.count, bytes[index + 1] == UInt8(ascii: "\"") else { return nil }
            let rawName = bytes[nameStart..<index].filter { $0 != UInt8(ascii: " ") }
            index += 2
            let valueStart = index
            while index < bytes.count, bytes[index] != UInt8(ascii: "\"") { index += 1 }
            guard index < bytes.count else { return nil }
            guard let name = URLEncoding.percentDecode(rawName, plusIsSpace: false),
                let value = URLEncoding.percentDecode(bytes[valueStart..<index], plusIsSpace: false)
            else { return nil }
            pairs.append((name, value))
            index += 1
        }
        return pairs
    }

    private static func isSeparator(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: ",") || byte == UInt8(ascii: "\t")
    }

    /// The base string URI (§3.4.1.2): lowercase scheme and host, the port
    /// only when not the scheme's default, the path, no query.
    static func baseURI(scheme: String, host: String, path: String) -> String {
        let scheme = scheme.lowercased()
        var host = host.lowercased()
        if scheme == "http", host.hasSuffix(":80") { host.removeLast(3) }
        if scheme == "https", host.hasSuffix(":443") { host.removeLast(4) }
        return scheme + "://" + host + (path.isEmpty ? "/" : path)
    }

    /// The signature base string (§3.4.1): method, base URI and the
    /// normalized parameters (every pair but `oauth_signature`, encoded, sorted).
    static func baseString(method: String, baseURI: String, parameters: [(name: String, value: String)]) -> String {
        var encoded: [(name: String, value: String)] = []
        for pair in parameters where pair.name != "oauth_signature" {
            encoded.append((URLEncoding.percentEncode(pair.name), URLEncoding.percentEncode(pair.value)))
        }
        // Encoded text is ASCII, so String order is byte order as §3.4.1.3.2 asks.
        encoded.sort { (lhs: (name: String, value: String), rhs: (name: String, value: String)) -> Bool in
            lhs.name == rhs.name ? lhs.value < rhs.value : lhs.name < rhs.name
        }
        var normalized = ""
        for (index, pair) in encoded.enumerated() {
            if index > 0 { normalized += "&" }
            normalized += pair.name + "=" + pair.value
        }
        return method.uppercased() + "&" + URLEncoding.percentEncode(baseURI) + "&" + URLEncoding.percentEncode(normalized)
    }

    /// HMAC-SHA1 signature (§3.4.2), base64 with padding.
    static func signature(baseString: String, consumerSecret: String, tokenSecret: String) -> String {
        let key = URLEncoding.percentEncode(consumerSecret) + "&" + URLEncoding.percentEncode(tokenSecret)
        return base64(Digest.hmac(.sha1, key: key, data: baseString))
    }

    /// Standard base64 (RFC 4648 §4, padded), derived from the project's base64url.
    static func base64(_ bytes: [UInt8]) -> String {
        var text = ""
        for character in ByteEncoding.base64URL(bytes) {
            switch character {
            case "-": text.append("+")
            case "_": text.append("/")
            default: text.append(character)
            }
        }
        while text.utf8.count % 4 != 0 { text.append("=") }
        return text
    }
}
