import Glibc

/// Numeric address checks done with inet_pton, so "is this an IP literal"
/// agrees with what the resolver and TLS verification accept.
enum SocketAddressText {
    static func isIPv4(_ text: String) -> Bool {
        var address = in_addr()
        return inet_pton(AF_INET, text, &address) == 1
    }

    static func isIPv6(_ text: String) -> Bool {
        var address = in6_addr()
        return inet_pton(AF_INET6, text, &address) == 1
    }

    static func isIPLiteral(_ text: String) -> Bool { isIPv4(text) || isIPv6(text) }
}
