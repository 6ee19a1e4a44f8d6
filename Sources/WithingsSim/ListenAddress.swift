/// A `HOST:PORT` listen address as `withings-sim --listen` takes it.
public struct ListenAddress: Sendable, Equatable {
    public var host: String
    public var port: Int

    public init(host: String, port: Int) {
        self.host = host
        self.port = port
    }

    /// Parses `127.0.0.1:8090`, `localhost:0` or `[::1]:8090`; nil when the
    /// host is empty or the port is not 0-65535.
    public init?(_ text: String) {
        guard let colon = text.lastIndex(of: ":") else { return nil }
        var host = Substring(text[..<colon])
        let portText = text[text.index(after: colon)...]
        if host.hasPrefix("[") && host.hasSuffix("]") {
            host = host.dropFirst().dropLast()
        } else if host.contains(":") {
            return nil  // an IPv6 address needs brackets
        }
        guard !host.isEmpty, !portText.isEmpty, portText.count <= 5, portText.allSatisfy({ $0 >= "0" && $0 <= "9" }),
            let port = Int(portText), (0...65535).contains(port)
        else { return nil }
        self.host = String(host)
        self.port = port
    }

    /// The URL origin clients use, `scheme://host:port` (IPv6 in brackets).
    public func origin(scheme: String) -> String {
        let shown = host.contains(":") ? "[" + host + "]" : host
        return scheme + "://" + shown + ":" + String(port)
    }
}
