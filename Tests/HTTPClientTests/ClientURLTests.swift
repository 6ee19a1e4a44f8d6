import Testing
@testable import HTTPClient

@Suite struct ClientURLTests {
    struct Valid: Sendable, CustomStringConvertible {
        var url: String
        var scheme: Origin.Scheme
        var host: String
        var port: Int
        var target: String
        var hostHeader: String
        var description: String { url }
    }

    static let valid: [Valid] = [
        .init(url: "https://wbsapi.withings.net/v2/oauth2", scheme: .https, host: "wbsapi.withings.net", port: 443,
              target: "/v2/oauth2", hostHeader: "wbsapi.withings.net"),
        .init(url: "http://127.0.0.1:8080", scheme: .http, host: "127.0.0.1", port: 8080, target: "/",
              hostHeader: "127.0.0.1:8080"),
        .init(url: "HTTP://Example.COM:80/a?b=c#frag", scheme: .http, host: "example.com", port: 80, target: "/a?b=c",
              hostHeader: "example.com"),
        .init(url: "https://[::1]:8443/measure?action=getmeas", scheme: .https, host: "::1", port: 8443,
              target: "/measure?action=getmeas", hostHeader: "[::1]:8443"),
        .init(url: "https://[::1]/", scheme: .https, host: "::1", port: 443, target: "/", hostHeader: "[::1]"),
        .init(url: "http://localhost?x=1", scheme: .http, host: "localhost", port: 80, target: "/?x=1",
              hostHeader: "localhost"),
        .init(url: "http://localhost:/p", scheme: .http, host: "localhost", port: 80, target: "/p",
              hostHeader: "localhost"),
        .init(url: "https://h:443/%2F%20", scheme: .https, host: "h", port: 443, target: "/%2F%20", hostHeader: "h"),
    ]

    @Test(arguments: valid)
    func parsesAbsoluteURLs(_ expected: Valid) throws {
        let url = try #require(ClientURL(expected.url))
        #expect(url.origin.scheme == expected.scheme)
        #expect(url.origin.host == expected.host)
        #expect(url.origin.port == expected.port)
        #expect(url.target == expected.target)
        #expect(url.origin.hostHeader == expected.hostHeader)
    }

    @Test(arguments: [
        "", "localhost/path", "/relative", "ftp://example.com/", "http//example.com", "http://",
        "http:///path", "http://user:pass@example.com/", "http://example.com@evil.test/",
        "http://exa mple.com/", "http://example.com/a b", "http://example.com/\r\nX-Injected: 1",
        "http://example.com:0/", "http://example.com:65536/", "http://example.com:12a/", "http://example.com:-1/",
        "http://example.com:123456/", "http://[::1/", "http://[zz::1]/", "http://[::1]x/", "http://-bad.com/",
        "http://bad!host/", "http://example.com/é", "http://example.com/\u{7F}", "https://:443/",
    ])
    func refusesMalformedOrDangerousURLs(_ text: String) {
        #expect(ClientURL(text) == nil)
    }
}
