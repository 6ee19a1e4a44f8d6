/// A `postgres://user:password@host:port/database?keyword=value` URL turned
/// into libpq connection keywords.
///
/// Parsing here (rather than handing the URL to libpq) gives start-up errors
/// that name the faulty part without ever quoting the password, and a
/// description that is safe to log.
struct PostgresURL: Sendable, Equatable {
    /// libpq keywords and values, in order, for `PQconnectdbParams`.
    private(set) var parameters: [(keyword: String, value: String)] = []

    static func == (lhs: PostgresURL, rhs: PostgresURL) -> Bool {
        lhs.parameters.elementsEqual(rhs.parameters) { $0 == $1 }
    }

    /// The value of a keyword, if set.
    subscript(keyword: String) -> String? {
        parameters.last { $0.keyword == keyword }?.value
    }

    /// `postgres://user@host:port/database`, never the password.
    var redactedDescription: String {
        let host = self["host"] ?? ""
        let shownHost = host.contains(":") ? "[\(host)]" : host
        let user = self["user"].map { "\($0)@" } ?? ""
        let port = self["port"].map { ":\($0)" } ?? ""
        return "postgres://\(user)\(shownHost)\(port)/\(self["dbname"] ?? "")"
    }

    /// Connection keywords the URL's query may not set: the URL's own parts
    /// set them, and `dbname` could otherwise smuggle in a whole conninfo string.
    private static let reservedKeywords: Set<String> = ["host", "port", "user", "password", "dbname"]

    init(_ url: String) throws(TokenStoreError) {
        guard let scheme = ["postgres://", "postgresql://"].first(where: { url.hasPrefix($0) }) else {
            throw .invalidDatabaseURL("expected postgres://user:password@host:port/database")
        }
        var rest = Substring(url).dropFirst(scheme.count)
        guard !rest.contains("#") else { throw .invalidDatabaseURL("a fragment (#...) is not allowed") }

        var query: Substring = ""
        if let mark = rest.firstIndex(of: "?") {
            query = rest[rest.index(after: mark)...]
            rest = rest[..<mark]
        }
        var path: Substring = ""
        if let slash = rest.firstIndex(of: "/") {
            path = rest[rest.index(after: slash)...]
            rest = rest[..<slash]
        }
        var hostAndPort = rest
        if let at = rest.lastIndex(of: "@") {
            let userInfo = rest[..<at]
            hostAndPort = rest[rest.index(after: at)...]
            if let colon = userInfo.firstIndex(of: ":") {
                try add("user", Self.decode(userInfo[..<colon], part: "user name"))
                try add("password", Self.decode(userInfo[userInfo.index(after: colon)...], part: "password"))
            } else {
                try add("user", Self.decode(userInfo, part: "user name"))
            }
        }
        let (host, port) = try Self.splitHostAndPort(hostAndPort)
        try add("host", Self.decode(host, part: "host"))
        if let port { try add("port", port) }
        if !path.isEmpty {
            guard !path.contains("/") else { throw .invalidDatabaseURL("the database name must be one path segment") }
            try add("dbname", Self.decode(path, part: "database name"))
        }

        for pair in query.split(separator: "&", omittingEmptySubsequences: true) {
            guard let equals = pair.firstIndex(of: "=") else {
                throw .invalidDatabaseURL("query parameter without a value")
            }
            let keyword = try Self.decode(pair[..<equals], part: "query parameter name")
            guard !keyword.isEmpty, keyword.utf8.allSatisfy(Self.isKeywordByte) else {
                throw .invalidDatabaseURL("malformed query parameter name")
            }
            guard !Self.reservedKeywords.contains(keyword) else {
                throw .invalidDatabaseURL("\(keyword) must be given in the URL itself, not as a query parameter")
            }
            try add(keyword, Self.decode(pair[pair.index(after: equals)...], part: "value of \(keyword)"))
        }
        // Visible in pg_stat_activity; a bounded connect so a dead host fails
        // start-up; keepalives and a send timeout so a database host that
        // vanishes without a reset frees a blocked store thread within about
        // a minute instead of the system default of hours.
        for (keyword, value) in Self.defaults where self[keyword] == nil { try add(keyword, value) }
    }

    static let defaults: [(keyword: String, value: String)] = [
        ("application_name", "withings-gateway"), ("connect_timeout", "10"),
        ("keepalives_idle", "30"), ("keepalives_interval", "10"), ("keepalives_count", "3"),
        ("tcp_user_timeout", "60000"),
    ]

    private mutating func add(_ keyword: String, _ value: String) throws(TokenStoreError) {
        guard self[keyword] == nil else { throw .invalidDatabaseURL("\(keyword) is given twice") }
        parameters.append((keyword, value))
    }

    private static func splitHostAndPort(_ text: Substring) throws(TokenStoreError) -> (host: Substring, port: String?) {
        var host = text
        var portText: Substring?
        if text.first == "[" {
            guard let close = text.firstIndex(of: "]") else { throw .invalidDatabaseURL("unclosed [ in the host") }
            host = text[text.index(after: text.startIndex)..<close]
            let after = text[text.index(after: close)...]
            if !after.isEmpty {
                guard after.first == ":" else { throw .invalidDatabaseURL("unexpected text after the [host]") }
                portText = after.dropFirst()
            }
        } else if let colon = text.firstIndex(of: ":") {
            host = text[..<colon]
            portText = text[text.index(after: colon)...]
        }
        guard !host.isEmpty else { throw .invalidDatabaseURL("the host is missing") }
        guard let portText else { return (host, nil) }
        guard !portText.isEmpty, portText.count <= 5, portText.utf8.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
              let port = Int(portText), (1...65535).contains(port)
        else { throw .invalidDatabaseURL("the port must be a number from 1 to 65535") }
        return (host, String(port))
    }

    /// Percent-decoding; `part` names what failed (never its value, which may be the password).
    private static func decode(_ text: Substring, part: String) throws(TokenStoreError) -> String {
        var bytes: [UInt8] = []
        bytes.reserveCapacity(text.utf8.count)
        var iterator = text.utf8.makeIterator()
        while let byte = iterator.next() {
            if byte == UInt8(ascii: "%") {
                guard let high = iterator.next().flatMap(hexValue), let low = iterator.next().flatMap(hexValue) else {
                    throw .invalidDatabaseURL("bad percent-encoding in the \(part)")
                }
                bytes.append(high << 4 | low)
            } else {
                bytes.append(byte)
            }
        }
        // libpq takes C strings: a NUL would silently cut the value short.
        guard !bytes.contains(0) else { throw .invalidDatabaseURL("the \(part) contains a NUL byte") }
        guard let decoded = String(validating: bytes, as: UTF8.self) else {
            throw .invalidDatabaseURL("the \(part) is not valid UTF-8")
        }
        return decoded
    }

    private static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): byte - UInt8(ascii: "A") + 10
        default: nil
        }
    }

    private static func isKeywordByte(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte) || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte)
            || byte == UInt8(ascii: "_")
    }
}
