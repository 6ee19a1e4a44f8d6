/// A minimal parser for the absolute `http`/`https` URLs the gateway is
/// configured with and checks `redirect_to` against. It splits, lowercases
/// scheme and host and fills in the default port; it never decodes, so the
/// path compares exactly as the browser will send it.
public struct AbsoluteURL: Sendable, Equatable, CustomStringConvertible {
    public var scheme: String          // "http" or "https", lowercase
    public var host: String            // lowercase; IPv6 literals keep their brackets
    public var port: Int               // explicit, else 80/443
    public var path: String            // "/" when empty
    public var query: String?          // without "?"
    public var fragment: String?       // without "#"
    /// Whether the authority carried `user:pass@`; such URLs are refused as
    /// redirect targets and would leak credentials into links.
    public var hasUserInfo: Bool

    /// nil when `text` is not an absolute http(s) URL with a host.
    public init?(_ text: String) {
        guard text.utf8.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        guard let schemeEnd = text.firstRange(of: "://") else { return nil }
        let scheme = text[..<schemeEnd.lowerBound].lowercased()
        guard scheme == "http" || scheme == "https" else { return nil }
        var rest = Substring(text[schemeEnd.upperBound...])

        var fragment: String?
        if let hash = rest.firstIndex(of: "#") {
            fragment = String(rest[rest.index(after: hash)...])
            rest = rest[..<hash]
        }
        var query: String?
        if let mark = rest.firstIndex(of: "?") {
            query = String(rest[rest.index(after: mark)...])
            rest = rest[..<mark]
        }
        // Browsers read `\` as `/` in http(s) URLs: `https://evil\@good/`
        // goes to `evil`. Such a URL is refused rather than interpreted.
        guard !rest.contains("\\") else { return nil }
        let authorityEnd = rest.firstIndex(of: "/") ?? rest.endIndex
        var authority = rest[..<authorityEnd]
        let path = rest[authorityEnd...]

        var hasUserInfo = false
        if let at = authority.lastIndex(of: "@") {
            hasUserInfo = true
            authority = authority[authority.index(after: at)...]
        }
        var host: Substring
        var portText: Substring?
        if authority.hasPrefix("[") {
            guard let close = authority.firstIndex(of: "]") else { return nil }
            host = authority[...close]
            let after = authority[authority.index(after: close)...]
            if !after.isEmpty {
                guard after.hasPrefix(":") else { return nil }
                portText = after.dropFirst()
            }
        } else if let colon = authority.lastIndex(of: ":") {
            host = authority[..<colon]
            portText = authority[authority.index(after: colon)...]
        } else {
            host = authority
        }
        guard !host.isEmpty, !host.contains("%") else { return nil }
        var port = scheme == "https" ? 443 : 80
        if let portText, !portText.isEmpty {
            guard portText.count <= 5, portText.allSatisfy(\.isASCIIDigit), let value = Int(portText),
                value > 0, value <= 65535
            else { return nil }
            port = value
        }
        self.scheme = scheme
        self.host = host.lowercased()
        self.port = port
        self.path = path.isEmpty ? "/" : String(path)
        self.query = query
        self.fragment = fragment
        self.hasUserInfo = hasUserInfo
    }

    public var isDefaultPort: Bool { port == (scheme == "https" ? 443 : 80) }

    /// `scheme://host[:port]`, the port only when not the scheme's default.
    public var origin: String { isDefaultPort ? "\(scheme)://\(host)" : "\(scheme)://\(host):\(port)" }

    public var description: String {
        var text = origin + path
        if let query { text += "?" + query }
        if let fragment { text += "#" + fragment }
        return text
    }
}

extension Character {
    var isASCIIDigit: Bool { asciiValue.map { $0 >= 0x30 && $0 <= 0x39 } ?? false }
}
