import HTTP1
import Testing

@testable import HTTPClient

@Suite struct RequestEncodingTests {
    private func encoded(_ request: HTTPClientRequest) throws -> String {
        let url = try #require(ClientURL(request.url))
        return String(decoding: try HTTPClient.encode(request, url: url), as: UTF8.self)
    }

    @Test func defaultsAreAddedAndFramingHeadersAreTheEncoders() throws {
        let request = HTTPClientRequest(
            method: .post, url: "https://api.example:8443/measure",
            headers: ["Host": "evil.example", "Content-Length": "999", "Transfer-Encoding": "chunked",
                      "Authorization": "Bearer t"],
            body: Array("a=1".utf8))
        let text = try encoded(request)
        #expect(text.hasPrefix("POST /measure HTTP/1.1\r\n"))
        #expect(text.contains("Host: api.example:8443\r\n"))
        #expect(!text.contains("evil.example"))
        #expect(!text.contains("999"))
        #expect(!text.lowercased().contains("transfer-encoding"))
        #expect(text.contains("Authorization: Bearer t\r\n"))
        #expect(text.contains("Accept-Encoding: gzip\r\n"))
        #expect(text.contains("User-Agent: withings-gateway\r\n"))
        #expect(text.hasSuffix("\r\n\r\na=1"))
    }

    @Test func callerChoicesWin() throws {
        let text = try encoded(HTTPClientRequest(
            method: .get, url: "http://h/", headers: ["accept-encoding": "identity", "user-agent": "probe"]))
        #expect(text.contains("accept-encoding: identity\r\n"))
        #expect(!text.contains("gzip"))
        #expect(!text.contains("withings-gateway"))
    }

    @Test(arguments: [("X-A", "v\r\nX-B: 1"), ("X-A", "v\nX"), ("X-A", "v\0"), ("Bad Name", "v"), ("", "v"),
                      ("X:Y", "v")])
    func unsafeHeadersAreRefused(_ header: (String, String)) {
        let request = HTTPClientRequest(method: .get, url: "http://h/", headers: HTTPHeaders([(header.0, header.1)]))
        #expect(throws: HTTPClientError.invalidURL) { try encoded(request) }
    }
}
