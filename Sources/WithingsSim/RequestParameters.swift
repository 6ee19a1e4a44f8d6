import HTTP1

/// Decoded request parameters in arrival order (query first, then form body).
struct RequestParameters: Sendable {
    var pairs: [(name: String, value: String)]

    init(_ pairs: [(name: String, value: String)]) { self.pairs = pairs }

    /// Query parameters, plus the form body when `includeBody`; nil when an
    /// escape is malformed.
    init?(_ request: HTTPRequest, query: Bool = true, body includeBody: Bool) {
        var pairs: [(name: String, value: String)] = []
        if query {
            guard let items = URLEncoding.parseForm(request.query) else { return nil }
            pairs += items
        }
        if includeBody, !request.body.isEmpty {
            guard let items = URLEncoding.parseForm(request.body) else { return nil }
            pairs += items
        }
        self.pairs = pairs
    }

    subscript(name: String) -> String? {
        pairs.first { $0.name == name }?.value
    }

    /// A key identifying "the same arguments": every parameter except the
    /// OAuth 1.0 per-request ones, sorted, plus the credential used.
    func argumentsKey(path: String, credential: String?) -> String {
        let kept = pairs.filter { !$0.name.hasPrefix("oauth_") }
            .sorted { ($0.name, $0.value) < ($1.name, $1.value) }
        var key = path
        for pair in kept { key += "&" + URLEncoding.percentEncode(pair.name) + "=" + URLEncoding.percentEncode(pair.value) }
        if let credential { key += "#" + credential }
        return key
    }
}

extension HTTPRequest {
    /// The token of an `Authorization: Bearer` header.
    var bearerToken: String? {
        guard let header = headers["authorization"] else { return nil }
        let parts = header.split(separator: " ", maxSplits: 1, omittingEmptySubsequences: true)
        guard parts.count == 2, parts[0].lowercased() == "bearer" else { return nil }
        let token = parts[1].trimmingCharacters(in: " \t")
        return token.isEmpty ? nil : token
    }
}

extension Substring {
    func trimmingCharacters(in set: String) -> String {
        var s = self
        while let first = s.first, set.contains(first) { s.removeFirst() }
        while let last = s.last, set.contains(last) { s.removeLast() }
        return String(s)
    }
}

/// Strict decimal integer parsing for API parameters ("+1", " 1", "1e3" are refused).
func parseInteger(_ text: String) -> Int64? {
    var utf8 = Substring(text).utf8[...]
    var negative = false
    if utf8.first == UInt8(ascii: "-") {
        negative = true
        utf8 = utf8.dropFirst()
    }
    guard !utf8.isEmpty, utf8.count <= 18 else { return nil }
    var value: Int64 = 0
    for byte in utf8 {
        guard byte >= UInt8(ascii: "0"), byte <= UInt8(ascii: "9") else { return nil }
        value = value * 10 + Int64(byte - UInt8(ascii: "0"))
    }
    return negative ? -value : value
}
