import HTTP1
import Testing

struct ResponseEncoderTests {
    static let date = "Sun, 06 Nov 1994 08:49:37 GMT"

    private func encode(_ response: HTTPResponse, version: HTTPVersion = .http1_1, keepAlive: Bool = true,
                        isHead: Bool = false) -> String {
        var out: [UInt8] = []
        HTTPResponseEncoder.encode(response, version: version, keepAlive: keepAlive, isHead: isHead, date: Self.date,
                                   into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @Test func writesStatusHandlerHeadersThenServerFields() {
        let text = encode(HTTPResponse(status: 200, contentType: "application/json", body: "{}"), keepAlive: false)
        #expect(text == "HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nDate: \(Self.date)\r\n"
            + "Server: withings-gateway\r\nContent-Length: 2\r\nConnection: close\r\n\r\n{}")
    }

    @Test func keepAliveHTTP11SendsNoConnectionField() {
        #expect(encode(HTTPResponse(status: 404)) == "HTTP/1.1 404 Not Found\r\nDate: \(Self.date)\r\n"
            + "Server: withings-gateway\r\nContent-Length: 0\r\n\r\n")
    }

    @Test func keepAliveHTTP10SaysSo() {
        #expect(encode(HTTPResponse(status: 200), version: .http1_0).contains("\r\nConnection: keep-alive\r\n"))
    }

    @Test func headKeepsTheLengthButNotTheBody() {
        let text = encode(HTTPResponse(status: 200, contentType: "text/plain", body: "hello"), isHead: true)
        #expect(text.hasSuffix("Content-Length: 5\r\n\r\n"))
    }

    @Test func headWithoutBodyKeepsTheHandlersLength() {
        let text = encode(HTTPResponse(status: 200, headers: ["Content-Length": "1234"]), isHead: true)
        #expect(text.contains("Content-Length: 1234\r\n"))
        #expect(!text.contains("Content-Length: 0"))
    }

    @Test(arguments: [100, 101, 204, 304])
    func statusesWithoutBodyHaveNoLengthOrBody(status: Int) {
        let text = encode(HTTPResponse(status: status, headers: ["ETag": "\"x\""], body: Array("ignored".utf8)))
        #expect(!text.contains("Content-Length"))
        #expect(text.hasSuffix("\r\n\r\n"))
    }

    @Test func framingFieldsFromHandlersAreReplaced() {
        let text = encode(HTTPResponse(
            status: 200, headers: ["Content-Length": "99", "Transfer-Encoding": "chunked", "Connection": "keep-alive"],
            body: Array("abc".utf8)), keepAlive: false)
        #expect(text == "HTTP/1.1 200 OK\r\nDate: \(Self.date)\r\nServer: withings-gateway\r\n"
            + "Content-Length: 3\r\nConnection: close\r\n\r\nabc")
    }

    @Test func handlerServerAndDateAreKept() {
        let text = encode(HTTPResponse(status: 200, headers: ["Server": "sim", "Date": "Mon, 01 Jan 2024 00:00:00 GMT"]))
        #expect(text == "HTTP/1.1 200 OK\r\nServer: sim\r\nDate: Mon, 01 Jan 2024 00:00:00 GMT\r\nContent-Length: 0\r\n\r\n")
    }

    @Test func lineBreaksInValuesCannotInjectFields() {
        let text = encode(HTTPResponse(status: 302, headers: ["Location": "/x\r\nSet-Cookie: a=b", "X\n": "1\u{0}"]))
        #expect(text.contains("Location: /x  Set-Cookie: a=b\r\n"))
        #expect(text.contains("X : 1 \r\n"))
        #expect(!text.contains("\r\nSet-Cookie"))
    }

    @Test func unknownStatusGetsAGenericPhrase() {
        #expect(encode(HTTPResponse(status: 599)).hasPrefix("HTTP/1.1 599 Unknown\r\n"))
    }

    @Test func appendsToExistingBytesForPipelinedResponses() throws {
        var out: [UInt8] = Array("prefix".utf8)
        HTTPResponseEncoder.encode(HTTPResponse(status: 204), version: .http1_1, keepAlive: true, isHead: false,
                                   date: Self.date, into: &out)
        #expect(String(decoding: out, as: UTF8.self).hasPrefix("prefixHTTP/1.1 204 No Content\r\n"))
    }

    @Test func largeBodyIsFramedByItsLength() {
        let body = Array(repeating: UInt8(ascii: "q"), count: 70_000)
        var out: [UInt8] = []
        HTTPResponseEncoder.encode(HTTPResponse(status: 200, body: body), version: .http1_1, keepAlive: true,
                                   isHead: false, date: Self.date, into: &out)
        let text = String(decoding: out, as: UTF8.self)
        #expect(text.contains("Content-Length: 70000\r\n"))
        #expect(out.suffix(body.count) == body[...])
    }
}

struct HTTPDateTests {
    @Test(arguments: [
        (Int64(0), "Thu, 01 Jan 1970 00:00:00 GMT"),
        (784_111_777, "Sun, 06 Nov 1994 08:49:37 GMT"),
        (951_782_400, "Tue, 29 Feb 2000 00:00:00 GMT"),
        (1_709_164_800, "Thu, 29 Feb 2024 00:00:00 GMT"),
        (1_764_700_000, "Tue, 02 Dec 2025 18:26:40 GMT"),
        (4_102_444_800, "Fri, 01 Jan 2100 00:00:00 GMT"),
        (-1, "Wed, 31 Dec 1969 23:59:59 GMT"),
        (253_402_300_799, "Fri, 31 Dec 9999 23:59:59 GMT"),
    ])
    func formatsIMFFixdate(epochSeconds: Int64, expected: String) {
        #expect(HTTPDate.imfFixdate(epochSeconds: epochSeconds) == expected)
    }
}
