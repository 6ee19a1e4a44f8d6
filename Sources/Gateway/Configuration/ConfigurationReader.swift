import Crypto
import Glibc
import HTTP1
import Logging

/// Reads and checks one variable at a time; every failure is a
/// `ConfigurationError` naming the variable.
struct Reader {
    var values: [String: String]

    func string(_ name: String) -> String? {
        guard let value = values[name], !value.isEmpty else { return nil }
        return value
    }

    func missing(_ name: String) -> ConfigurationError {
        ConfigurationError(variable: name, reason: "is required")
    }

    /// "expected X, got Y" – Y only for variables that are not secret, and cut short.
    func invalid(_ name: String, expected: String) -> ConfigurationError {
        guard !Variable.secrets.contains(name), let value = values[name] else {
            return ConfigurationError(variable: name, reason: "expected \(expected)")
        }
        var shown = String(value.unicodeScalars.prefix(80).map { $0.isPrintableASCII ? Character($0) : "?" })
        if value.unicodeScalars.count > 80 { shown += "…" }
        return ConfigurationError(variable: name, reason: "expected \(expected), got \"\(shown)\"")
    }

    func integer(_ name: String, default fallback: Int, in range: ClosedRange<Int>) throws(ConfigurationError) -> Int {
        guard let text = string(name) else { return fallback }
        guard text.count <= 10, text.allSatisfy(\.isASCIIDigit), let value = Int(text), range.contains(value) else {
            throw invalid(name, expected: "a whole number from \(range.lowerBound) to \(range.upperBound)")
        }
        return value
    }

    func redirectURI() throws(ConfigurationError) -> AbsoluteURL {
        let name = Variable.redirectURI
        guard let text = string(name) else {
            // A literal that parses; covered by the configuration tests.
            guard let url = AbsoluteURL("http://localhost:8080/oauth/callback") else {
                preconditionFailure("default redirect URI must parse")
            }
            return url
        }
        guard let url = AbsoluteURL(text), url.fragment == nil, !url.hasUserInfo else {
            throw invalid(name, expected: "an absolute http(s) URL without a fragment")
        }
        return url
    }

    /// An http(s) base URL: no query, fragment or credentials; trailing "/" dropped.
    func baseURL(_ name: String, default fallback: String) throws(ConfigurationError) -> String {
        guard let text = string(name) else { return fallback }
        guard let url = AbsoluteURL(text), url.query == nil, url.fragment == nil, !url.hasUserInfo else {
            throw invalid(name, expected: "an absolute http(s) URL without query, fragment or credentials")
        }
        var base = url.origin + url.path
        while base.hasSuffix("/") { base.removeLast() }
        return base
    }

    func caFile() throws(ConfigurationError) -> String? {
        guard let path = string(Variable.caFile) else { return nil }
        guard access(path, R_OK) == 0 else { throw invalid(Variable.caFile, expected: "a readable PEM file") }
        return path
    }

    func authMode() throws(ConfigurationError) -> GatewayConfiguration.AuthMode {
        guard let text = string(Variable.authMode) else { return .oauth2 }
        guard let mode = GatewayConfiguration.AuthMode(rawValue: text.lowercased()) else {
            throw invalid(Variable.authMode, expected: "oauth2 or oauth1")
        }
        return mode
    }

    func listenAddress() throws(ConfigurationError) -> ListenAddress {
        let name = Variable.listen
        guard let text = string(name) else { return ListenAddress(host: "127.0.0.1", port: 8080) }
        let expected = "HOST:PORT such as 0.0.0.0:8080 or [::1]:8080"
        var host: Substring
        let portText: Substring
        if text.hasPrefix("[") {
            guard let close = text.firstIndex(of: "]"), text[text.index(after: close)...].hasPrefix(":") else {
                throw invalid(name, expected: expected)
            }
            host = text[text.index(after: text.startIndex)..<close]
            portText = text[text.index(close, offsetBy: 2)...]
        } else {
            guard let colon = text.lastIndex(of: ":") else { throw invalid(name, expected: expected) }
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
            guard !host.contains(":") else { throw invalid(name, expected: expected) }
        }
        guard !host.isEmpty, host.allSatisfy({ $0.isASCII && ($0.isLetter || $0.isNumber || ".-:".contains($0)) }),
            !portText.isEmpty, portText.count <= 5, portText.allSatisfy(\.isASCIIDigit),
            let port = Int(portText), port <= 65535
        else { throw invalid(name, expected: expected) }
        host = Substring(host.lowercased())
        return ListenAddress(host: String(host), port: port)
    }

    func database() throws(ConfigurationError) -> DatabaseLocation {
        let name = Variable.database
        guard let text = string(name) else { return .sqlite(path: "gateway.sqlite") }
        if text.hasPrefix("sqlite:") {
            let path = String(text.dropFirst("sqlite:".count))
            guard !path.isEmpty, !path.utf8.contains(0) else {
                throw invalid(name, expected: "sqlite:PATH with a non-empty path")
            }
            return .sqlite(path: path)
        }
        if text.hasPrefix("postgres://") || text.hasPrefix("postgresql://") {
            guard let location = Self.postgres(text) else {
                throw invalid(name, expected: "postgres://USER:PASSWORD@HOST:PORT/DATABASE")
            }
            return .postgres(location)
        }
        throw invalid(name, expected: "sqlite:PATH or postgres://USER:PASSWORD@HOST:PORT/DATABASE")
    }

    static func postgres(_ text: String) -> PostgresLocation? {
        guard let schemeEnd = text.firstRange(of: "://") else { return nil }
        let rest = text[schemeEnd.upperBound...]
        guard let at = rest.lastIndex(of: "@"), let slash = rest[at...].firstIndex(of: "/") else { return nil }
        let credentials = rest[..<at]
        let hostPort = rest[rest.index(after: at)..<slash]
        // Query parameters (e.g. `?sslmode=require`) go to libpq unchanged.
        let path = rest[rest.index(after: slash)...]
        let database = path.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0]
        let user: Substring, password: Substring
        if let colon = credentials.firstIndex(of: ":") {
            user = credentials[..<colon]
            password = credentials[credentials.index(after: colon)...]
        } else {
            user = credentials
            password = ""
        }
        var host = hostPort
        var port = 5432
        if let colon = hostPort.lastIndex(of: ":"), !hostPort.hasSuffix("]") {
            host = hostPort[..<colon]
            let portText = hostPort[hostPort.index(after: colon)...]
            guard portText.count <= 5, portText.allSatisfy(\.isASCIIDigit), let value = Int(portText),
                value > 0, value <= 65535
            else { return nil }
            port = value
        }
        guard !user.isEmpty, !host.isEmpty, !database.isEmpty, !database.contains("/"),
            // Userinfo is percent-encoded (`%40` in a password); `+` stays a plus.
            let user = URLEncoding.percentDecode(String(user), plusIsSpace: false),
            let password = URLEncoding.percentDecode(String(password), plusIsSpace: false)
        else { return nil }
        return PostgresLocation(url: text, user: user, password: password, host: String(host), port: port,
                                database: String(database))
    }

    func secret() throws(ConfigurationError) -> GatewaySecret? {
        guard let text = string(Variable.secret) else { return nil }
        do {
            return try GatewaySecret(hex: text)
        } catch {
            // SecretError's own text is not quoted: only this fixed advice.
            throw invalid(Variable.secret, expected: "at least 64 hex digits (32 bytes), e.g. from `openssl rand -hex 32`")
        }
    }

    func allowedRedirects() throws(ConfigurationError) -> [AbsoluteURL] {
        let name = Variable.allowedRedirects
        guard let text = string(name) else { return [] }
        var rules: [AbsoluteURL] = []
        for entry in text.split(separator: ",") {
            let trimmed = entry.trimmingCharacters(in: " \t")
            if trimmed.isEmpty { continue }
            guard let url = AbsoluteURL(trimmed), url.query == nil, url.fragment == nil, !url.hasUserInfo else {
                throw invalid(name, expected: "comma-separated http(s) URL prefixes without query or fragment")
            }
            rules.append(url)
        }
        return rules
    }

    func corsOrigins() throws(ConfigurationError) -> [String] {
        let name = Variable.corsOrigins
        guard let text = string(name) else { return [] }
        var origins: [String] = []
        for entry in text.split(separator: ",") {
            let trimmed = entry.trimmingCharacters(in: " \t")
            if trimmed.isEmpty { continue }
            guard let url = AbsoluteURL(trimmed), url.path == "/", url.query == nil, url.fragment == nil,
                !url.hasUserInfo
            else { throw invalid(name, expected: "comma-separated origins such as https://app.example.com") }
            if !origins.contains(url.origin) { origins.append(url.origin) }
        }
        return origins
    }

    func logLevel() throws(ConfigurationError) -> Logger.Level {
        guard let text = string(Variable.logLevel) else { return .info }
        guard let level = Logger.Level(rawValue: text.lowercased()) else {
            throw invalid(Variable.logLevel,
                          expected: "one of trace, debug, info, notice, warning, error, critical")
        }
        return level
    }
}

extension Unicode.Scalar {
    var isPrintableASCII: Bool { value >= 0x20 && value < 0x7F }
}

extension Substring {
    func trimmingCharacters(in set: String) -> String {
        var s = self
        while let first = s.first, set.contains(first) { s.removeFirst() }
        while let last = s.last, set.contains(last) { s.removeLast() }
        return String(s)
    }
}
