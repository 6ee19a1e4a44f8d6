import HTTP1
import Testing

struct SmokeTests {
    @Test func parsesPipelinedRequests() throws {
        var parser = HTTPRequestParser()
        parser.append(Array("GET /a?x=1 HTTP/1.1\r\nHost: h\r\n\r\nPOST /b HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\n\r\nabcPUT /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n3;x=y\r\nabc\r\n0\r\nT: 1\r\n\r\n".utf8))
        let a = try #require(try parser.next())
        #expect(a.path == "/a" && a.query == "x=1" && a.headers["host"] == "h")
        let b = try #require(try parser.next())
        #expect(b.body == Array("abc".utf8))
        let c = try #require(try parser.next())
        #expect(c.body == Array("abc".utf8) && c.method == .put)
        #expect(try parser.next() == nil)
        var out: [UInt8] = []
        HTTPResponseEncoder.encode(HTTPResponse(status: 200, contentType: "text/plain", body: "hi"), version: .http1_1, keepAlive: false, isHead: false, date: HTTPDate.imfFixdate(epochSeconds: 784111777), into: &out)
        #expect(String(decoding: out, as: UTF8.self) == "HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\nDate: Sun, 06 Nov 1994 08:49:37 GMT\r\nServer: withings-gateway\r\nContent-Length: 2\r\nConnection: close\r\n\r\nhi")
    }
}
