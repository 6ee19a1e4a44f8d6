import HTTP1
import Testing

@testable import HTTPServer

/// Each case on a fresh connection: the server must answer the status
/// with a problem document and close, never serve the request.
@Suite struct HostileInputTests {
    static let cases: [(name: String, request: String, status: Int)] = [
        ("both Content-Length and Transfer-Encoding",
         "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", 400),
        ("differing Content-Length", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", 400),
        ("non-numeric Content-Length", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3a\r\n\r\nabc", 400),
        ("obs-fold", "GET /hello HTTP/1.1\r\nHost: x\r\nX-A: 1\r\n 2\r\n\r\n", 400),
        ("space before colon", "GET /hello HTTP/1.1\r\nHost : x\r\n\r\n", 400),
        ("NUL in a value", "GET /hello HTTP/1.1\r\nHost: x\r\nX-A: a\u{0}b\r\n\r\n", 400),
        ("bad chunk size", "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\nhello\r\n0\r\n\r\n", 400),
        ("chunk size overflow",
         "POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\nffffffffffffffffff\r\nx\r\n0\r\n\r\n", 400),
        ("garbage request line", "HELLO\r\n\r\n", 400),
        ("request line too long", "GET /\(String(repeating: "a", count: 9000)) HTTP/1.1\r\nHost: x\r\n\r\n", 414),
        ("too many header fields",
         "GET /hello HTTP/1.1\r\nHost: x\r\n" + (0..<101).map { "X-\($0): v\r\n" }.joined() + "\r\n", 431),
        ("header section too large",
         "GET /hello HTTP/1.1\r\nHost: x\r\n" + (0..<40).map { "X-\($0): \(String(repeating: "v", count: 1000))\r\n" }.joined()
            + "\r\n", 431),
        ("body over the limit", "POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 2000000\r\n\r\n", 413),
    ]

    @Test(arguments: 0..<cases.count)
    func refusedAndClosed(caseIndex: Int) async throws {
        let hostile = Self.cases[caseIndex]
        try await withServer(routes: standardRoutes) { server in
            let client = try TestClient(port: server.port)
            try await client.send(hostile.request)
            let response = try #require(try await client.readResponse(), "\(hostile.name): no answer")
            #expect(response.status == hostile.status, "\(hostile.name)")
            #expect(response.header("connection") == "close", "\(hostile.name)")
            #expect(response.header("content-type") == "application/problem+json", "\(hostile.name)")
            #expect(try await client.readResponse() == nil, "\(hostile.name): connection left open")
        }
    }

    @Test func badRequestAfterAGoodOneStillAnswersTheGoodOneFirst() async throws {
        try await withServer(routes: standardRoutes) { server in
            let client = try TestClient(port: server.port)
            try await client.send("GET /echo/1 HTTP/1.1\r\nHost: x\r\n\r\nGET /hello HTTP/1.1\r\nHost : x\r\n\r\n")
            #expect(try await client.readResponse()?.text == "1")
            #expect(try await client.readResponse()?.status == 400)
            #expect(try await client.readResponse() == nil)
        }
    }

    @Test func malformedPercentEscapeInAPathParameterIsABadRequest() async throws {
        try await withServer(routes: standardRoutes) { server in
            let client = try TestClient(port: server.port)
            try await client.send("GET /echo/%zz HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await client.readResponse()?.status == 400)
            try await client.send("GET /echo/a%20b HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await client.readResponse()?.text == "a b")
        }
    }
}
