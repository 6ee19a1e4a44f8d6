/// Where a request goes: one origin (scheme, host, port) and the
/// request-target sent on the wire.
struct Origin: Hashable, Sendable, CustomStringConvertible {
    enum Scheme: String, Sendable { case http, https }

    var scheme: Scheme
    /// Lowercased DNS name or IP literal, without IPv6 brackets.
    var host: String
    var port: Int

    var isIPv6Literal: Bool { host.utf8.contains(UInt8(ascii: ":")) }

    /// The `Host` header value: brackets for IPv6, the port only when it is
    /// not the scheme's default.
    var hostHeader: String {
        let name = isIPv6Literal ? "[\(host)]" : host
        return port == scheme.defaultPort ? name : "\(name):\(port)"
    }

    var description: String { "\(scheme.rawValue)://\(hostHeader)" }
}

extension Origin.Scheme {
    var defaultPort: Int { self == .http ? 80 : 443 }
}

/// A parsed absolute `http://` or `https://` URL. Strict on purpose: the
/// target goes on the wire verbatim, so anything that could split a request
/// line or a header (spaces, controls, non-ASCII) is refused, as are
/// credentials in the authority.
struct ClientURL: Equatable, Sendable {
    var origin: Origin
    /// Origin-form request-target: path plus optional `?query`, never empty.
    var target: String

    init?(_ text: String) {
        let bytes = Array(text.utf8)
        // Visible ASCII only (0x21...0x7E): no space, control or non-ASCII byte.
        guard !bytes.isEmpty, bytes.allSatisfy({ $0 > 0x20 && $0 < 0x7F }) else { return nil }
        guard let schemeEnd = Self.find(Array("://".utf8), in: bytes) else { return nil }
        guard let scheme = Origin.Scheme(rawValue: String(decoding: bytes[..<schemeEnd], as: UTF8.self).lowercased())
        else { return nil }

        let authorityStart = schemeEnd + 3
        var authorityEnd = authorityStart
        while authorityEnd < bytes.count, !Self.endsAuthority(bytes[authorityEnd]) { authorityEnd += 1 }
        guard let (host, port) = Self.parseAuthority(bytes[authorityStart..<authorityEnd], scheme: scheme) else {
            return nil
        }

        // The fragment is never sent.
        var rest = bytes[authorityEnd...]
        if let hash = rest.firstIndex(of: UInt8(ascii: "#")) { rest = rest[..<hash] }
        var target = String(decoding: rest, as: UTF8.self)
        if target.isEmpty || target.hasPrefix("?") { target = "/" + target }

        origin = Origin(scheme: scheme, host: host, port: port)
        self.target = target
    }

    private static func endsAuthority(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: "/") || byte == UInt8(ascii: "?") || byte == UInt8(ascii: "#")
    }

    private static func find(_ needle: [UInt8], in haystack: [UInt8]) -> Int? {
        guard haystack.count >= needle.count else { return nil }
        for start in 0...(haystack.count - needle.count) where haystack[start..<start + needle.count].elementsEqual(needle) {
            return start
        }
        return nil
    }

    private static func parseAuthority(_ authority: ArraySlice<UInt8>, scheme: Origin.Scheme) -> (String, Int)? {
        // No userinfo: credentials belong in headers, and "@" tricks hide the real host.
        guard !authority.contains(UInt8(ascii: "@")) else { return nil }
        let host: String
        var afterHost: ArraySlice<UInt8>
        if authority.first == UInt8(ascii: "[") {
            guard let close = authority.firstIndex(of: UInt8(ascii: "]")) else { return nil }
            let inner = authority[(authority.startIndex + 1)..<close]
            guard !inner.isEmpty, inner.allSatisfy({ isHexDigit($0) || $0 == UInt8(ascii: ":") || $0 == UInt8(ascii: ".") })
            else { return nil }
            host = String(decoding: inner, as: UTF8.self).lowercased()
            guard SocketAddressText.isIPv6(host) else { return nil }
            afterHost = authority[(close + 1)...]
        } else {
            let colon = authority.firstIndex(of: UInt8(ascii: ":")) ?? authority.endIndex
            let name = authority[..<colon]
            guard !name.isEmpty, name.allSatisfy(isHostByte), name.first != UInt8(ascii: "-"),
                name.first != UInt8(ascii: ".")
            else { return nil }
            host = String(decoding: name, as: UTF8.self).lowercased()
            afterHost = authority[colon...]
        }
        guard let colon = afterHost.first else { return (host, scheme.defaultPort) }
        guard colon == UInt8(ascii: ":") else { return nil }
        afterHost = afterHost.dropFirst()
        // An empty port means the default (RFC 3986 §3.2.3).
        guard !afterHost.isEmpty else { return (host, scheme.defaultPort) }
        guard afterHost.count <= 5, afterHost.allSatisfy({ $0 >= UInt8(ascii: "0") && $0 <= UInt8(ascii: "9") }),
            let port = Int(String(decoding: afterHost, as: UTF8.self)), (1...65535).contains(port)
        else { return nil }
        return (host, port)
    }

    private static func isHostByte(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"):
            true
        default:
            false
        }
    }

    private static func isHexDigit(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "a")...UInt8(ascii: "f"),
            UInt8(ascii: "A")...UInt8(ascii: "F"):
            true
        default:
            false
        }
    }
}
