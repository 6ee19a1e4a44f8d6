import Gateway
import Testing

struct AbsoluteURLTests {
    @Test(arguments: [
        ("https://Example.COM/a/b?x=1#f", "https", "example.com", 443, "/a/b", "x=1", "f"),
        ("http://localhost:8080", "http", "localhost", 8080, "/", nil, nil),
        ("HTTP://[::1]:9000/p", "http", "[::1]", 9000, "/p", nil, nil),
        ("https://h?q", "https", "h", 443, "/", "q", nil),
    ])
    func parses(text: String, scheme: String, host: String, port: Int, path: String, query: String?, fragment: String?) throws {
        let url = try #require(AbsoluteURL(text))
        #expect(url.scheme == scheme)
        #expect(url.host == host)
        #expect(url.port == port)
        #expect(url.path == path)
        #expect(url.query == query)
        #expect(url.fragment == fragment)
    }

    @Test(arguments: [
        "", "example.com", "/path", "//host/p", "ftp://host/", "javascript:alert(1)", "https://", "https://:80/",
        "https://host:0/", "https://host:65536/", "https://host:8a/", "https://ho st/", "https://host/\u{7F}",
        "https://h%2fevil/", "https://[::1/", "https://[::1]x/", "https://host\\@evil/", "https://héllo/",
    ])
    func rejects(text: String) {
        #expect(AbsoluteURL(text) == nil)
    }

    @Test func originOmitsTheDefaultPortAndFlagsCredentials() throws {
        #expect(try #require(AbsoluteURL("https://a.example:443/x")).origin == "https://a.example")
        #expect(try #require(AbsoluteURL("http://a.example:8080/x")).origin == "http://a.example:8080")
        let withCredentials = try #require(AbsoluteURL("https://user:pw@a.example/"))
        #expect(withCredentials.hasUserInfo)
        #expect(withCredentials.host == "a.example")
        #expect(!withCredentials.description.contains("pw"))
    }
}
