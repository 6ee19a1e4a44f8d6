import HTTP1
import Testing

/// One row of the picohttpparser-style table: raw bytes and what must come
/// out of them, whichever way they are delivered.
struct RequestCase: Sendable, CustomTestStringConvertible {
    var name: String
    var raw: [UInt8]
    var requests: [ParsedRequest]
    var errorStatus: Int?

    init(_ name: String, _ raw: String, _ requests: [ParsedRequest], error: Int? = nil) {
        self.name = name
        self.raw = Array(raw.utf8)
        self.requests = requests
        self.errorStatus = error
    }

    init(_ name: String, bytes: [UInt8], _ requests: [ParsedRequest], error: Int? = nil) {
        self.name = name
        self.raw = bytes
        self.requests = requests
        self.errorStatus = error
    }

    var testDescription: String { name }
    var expected: ParseOutcome { ParseOutcome(requests: requests, errorStatus: errorStatus) }
}


let acceptedCases: [RequestCase] = [
    RequestCase("simple GET", "GET / HTTP/1.1\r\nHost: h\r\n\r\n", [ParsedRequest("GET", "/")]),
    RequestCase("leading empty lines are ignored", "\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\n\r\n", [ParsedRequest("GET", "/")]),
    RequestCase("path and query kept encoded", "GET /users/a%20b/measures?x=1&y=%2F HTTP/1.1\r\nHost: h\r\n\r\n",
                [ParsedRequest("GET", "/users/a%20b/measures?x=1&y=%2F")]),
    RequestCase("optional whitespace trimmed, order and duplicates kept",
                "GET / HTTP/1.1\r\nHost: h\r\nA:\t x y \t\r\nB:z\r\na: 2\r\n\r\n",
                [ParsedRequest("GET", "/", headers: ["Host: h", "A: x y", "B: z", "a: 2"])]),
    RequestCase("empty field value", "GET / HTTP/1.1\r\nHost: h\r\nX-Empty:\r\n\r\n",
                [ParsedRequest("GET", "/", headers: ["Host: h", "X-Empty: "])]),
    RequestCase("obs-text in a value is allowed", "GET / HTTP/1.1\r\nHost: h\r\nX: caf\u{E9}\r\n\r\n",
                [ParsedRequest("GET", "/", headers: ["Host: h", "X: caf\u{E9}"])]),
    RequestCase("HTTP/1.0 needs no Host", "GET /x HTTP/1.0\r\n\r\n", [ParsedRequest("GET", "/x", .http1_0, headers: [])]),
    RequestCase("HEAD", "HEAD /h HTTP/1.1\r\nHost: h\r\n\r\n", [ParsedRequest("HEAD", "/h")]),
    RequestCase("extension method token", "PURGE /c HTTP/1.1\r\nHost: h\r\n\r\n", [ParsedRequest("PURGE", "/c")]),
    RequestCase("OPTIONS asterisk-form", "OPTIONS * HTTP/1.1\r\nHost: h\r\n\r\n", [ParsedRequest("OPTIONS", "*")]),
    RequestCase("absolute-form reduced to origin-form", "GET http://example.test:8080/p?q=1 HTTP/1.1\r\nHost: h\r\n\r\n",
                [ParsedRequest("GET", "/p?q=1")]),
    RequestCase("absolute-form without path", "GET HTTPS://example.test HTTP/1.1\r\nHost: h\r\n\r\n",
                [ParsedRequest("GET", "/")]),
    RequestCase("Content-Length body",
                "POST /f HTTP/1.1\r\nHost: h\r\nContent-Length: 11\r\n\r\nhello world",
                [ParsedRequest("POST", "/f", headers: ["Host: h", "Content-Length: 11"], body: "hello world")]),
    RequestCase("Content-Length zero", "POST /f HTTP/1.1\r\nHost: h\r\nContent-Length: 0\r\n\r\n",
                [ParsedRequest("POST", "/f", headers: ["Host: h", "Content-Length: 0"])]),
    RequestCase("identical Content-Length fields", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2\r\ncontent-length: 2\r\n\r\nok",
                [ParsedRequest("POST", "/", headers: ["Host: h", "Content-Length: 2", "content-length: 2"], body: "ok")]),
    RequestCase("identical Content-Length list", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 2, 2\r\n\r\nok",
                [ParsedRequest("POST", "/", headers: ["Host: h", "Content-Length: 2, 2"], body: "ok")]),
    RequestCase("chunked body with extensions and trailers",
                "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n"
                    + "5;name=value\r\nhello\r\n1 ; x\r\n \r\nA\r\n0123456789\r\n0\r\nTrailer-A: 1\r\nTrailer-B: 2\r\n\r\n",
                [ParsedRequest("POST", "/c", headers: ["Host: h", "Transfer-Encoding: chunked"], body: "hello 0123456789")]),
    RequestCase("chunked with upper-case hex and leading zeros",
                "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: Chunked\r\n\r\n000B\r\nhello world\r\n000\r\n\r\n",
                [ParsedRequest("POST", "/c", headers: ["Host: h", "Transfer-Encoding: Chunked"], body: "hello world")]),
    RequestCase("empty chunked body", "POST /c HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n",
                [ParsedRequest("POST", "/c", headers: ["Host: h", "Transfer-Encoding: chunked"])]),
    RequestCase("Expect 100-continue with body",
                "PUT /u HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 3\r\n\r\nabc",
                [ParsedRequest("PUT", "/u", headers: ["Host: h", "Expect: 100-continue", "Content-Length: 3"], body: "abc")]),
    RequestCase("pipelined requests come out one by one",
                "GET /1 HTTP/1.1\r\nHost: h\r\n\r\nPOST /2 HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\n\r\nx"
                    + "POST /3 HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1\r\ny\r\n0\r\n\r\nGET /4 HTTP/1.0\r\n\r\n",
                [ParsedRequest("GET", "/1"),
                 ParsedRequest("POST", "/2", headers: ["Host: h", "Content-Length: 1"], body: "x"),
                 ParsedRequest("POST", "/3", headers: ["Host: h", "Transfer-Encoding: chunked"], body: "y"),
                 ParsedRequest("GET", "/4", .http1_0, headers: [])]),
    RequestCase("incomplete head waits", "GET / HTTP/1.1\r\nHost: h\r\n", []),
    RequestCase("incomplete body waits", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 5\r\n\r\nabc", []),
    RequestCase("incomplete chunked body waits", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", []),
]

let longTarget = "/" + String(repeating: "a", count: 8 * 1024)
let manyHeaders = (0..<101).map { "X-\($0): v\r\n" }.joined()
let bigHeader = "X-Big: " + String(repeating: "b", count: 32 * 1024) + "\r\n"

let hostileCases: [RequestCase] = [
    // Framing ambiguities (request smuggling).
    RequestCase("Content-Length and Transfer-Encoding",
                "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", [], error: 400),
    RequestCase("Transfer-Encoding then Content-Length",
                "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nContent-Length: 3\r\n\r\n0\r\n\r\n", [], error: 400),
    RequestCase("differing Content-Length fields",
                "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3\r\nContent-Length: 4\r\n\r\nabcd", [], error: 400),
    RequestCase("differing Content-Length list", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 3, 4\r\n\r\nabcd", [], error: 400),
    RequestCase("non-numeric Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: abc\r\n\r\n", [], error: 400),
    RequestCase("negative Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: -1\r\n\r\n", [], error: 400),
    RequestCase("signed Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: +3\r\n\r\nabc", [], error: 400),
    RequestCase("hex Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 0x3\r\n\r\nabc", [], error: 400),
    RequestCase("empty Content-Length", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: \r\n\r\n", [], error: 400),
    RequestCase("Content-Length with inner space", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1 2\r\n\r\n", [], error: 400),
    RequestCase("Content-Length over the body limit", "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 1048577\r\n\r\n", [], error: 413),
    RequestCase("Content-Length overflowing 64 bits",
                "POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999999\r\n\r\n", [], error: 413),
    RequestCase("Transfer-Encoding not ending in chunked", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip\r\n\r\n", [], error: 400),
    RequestCase("chunked before another coding", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked, gzip\r\n\r\n", [], error: 400),
    RequestCase("unsupported coding before chunked",
                "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: gzip, chunked\r\n\r\n0\r\n\r\n", [], error: 501),
    RequestCase("chunked twice", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n",
                [], error: 400),
    RequestCase("empty Transfer-Encoding", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: \r\n\r\n", [], error: 400),
    RequestCase("look-alike coding", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: xchunked\r\n\r\n", [], error: 400),
    RequestCase("Transfer-Encoding in HTTP/1.0", "POST / HTTP/1.0\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", [], error: 400),

    // Field syntax.
    RequestCase("obs-fold continuation line", "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\n b\r\n\r\n", [], error: 400),
    RequestCase("whitespace before the first field", "GET / HTTP/1.1\r\n Host: h\r\n\r\n", [], error: 400),
    RequestCase("whitespace before the colon", "GET / HTTP/1.1\r\nHost : h\r\n\r\n", [], error: 400),
    RequestCase("tab before the colon", "GET / HTTP/1.1\r\nHost\t: h\r\n\r\n", [], error: 400),
    RequestCase("field without colon", "GET / HTTP/1.1\r\nHost h\r\n\r\n", [], error: 400),
    RequestCase("empty field name", "GET / HTTP/1.1\r\nHost: h\r\n: x\r\n\r\n", [], error: 400),
    RequestCase("non-token byte in a name", "GET / HTTP/1.1\r\nHost: h\r\nX(y): 1\r\n\r\n", [], error: 400),
    RequestCase("bare CR in a value", "GET / HTTP/1.1\r\nHost: h\r\nX: a\rb\r\n\r\n", [], error: 400),
    RequestCase("bare CR ending a field line", "GET / HTTP/1.1\r\nHost: h\r\nX: a\r\rY: b\r\n\r\n", [], error: 400),
    RequestCase("NUL in a value", "GET / HTTP/1.1\r\nHost: h\r\nX: a\u{0}b\r\n\r\n", [], error: 400),
    RequestCase("NUL in a name", "GET / HTTP/1.1\r\nHost: h\r\nX\u{0}Y: b\r\n\r\n", [], error: 400),
    RequestCase("DEL in a value", "GET / HTTP/1.1\r\nHost: h\r\nX: a\u{7F}\r\n\r\n", [], error: 400),
    RequestCase("escape control in a value", "GET / HTTP/1.1\r\nHost: h\r\nX: \u{1B}[31m\r\n\r\n", [], error: 400),
    RequestCase("bare LF ending a field line", "GET / HTTP/1.1\r\nHost: h\nX: 1\r\n\r\n", [], error: 400),
    RequestCase("bare LF ending the request line", "GET / HTTP/1.1\nHost: h\r\n\r\n", [], error: 400),
    RequestCase("bare LF ending the head", "GET / HTTP/1.1\r\nHost: h\r\n\n", [], error: 400),
    RequestCase("missing Host in HTTP/1.1", "GET / HTTP/1.1\r\nX: 1\r\n\r\n", [], error: 400),
    RequestCase("duplicate Host", "GET / HTTP/1.1\r\nHost: a\r\nHost: b\r\n\r\n", [], error: 400),

    // Request line.
    RequestCase("double space in the request line", "GET  / HTTP/1.1\r\nHost: h\r\n\r\n", [], error: 400),
    RequestCase("trailing space after the version", "GET / HTTP/1.1 \r\nHost: h\r\n\r\n", [], error: 400),
    RequestCase("missing target", "GET HTTP/1.1\r\nHost: h\r\n\r\n", [], error: 400),
    RequestCase("empty method", " / HTTP/1.1\r\nHost: h\r\n\r\n", [], error: 400),
    RequestCase("non-token method", "GE(T / HTTP/1.1\r\nHost: h\r\n\r\n", [], error: 400),
    RequestCase("control byte in the target", "GET /a\u{1}b HTTP/1.1\r\nHost: h\r\n\r\n", [], error: 400),
    RequestCase("tab inside the request line", "GET\t/ HTTP/1.1\r\nHost: h\r\n\r\n", [], error: 400),
    RequestCase("bare CR in the request line", "GET /\r HTTP/1.1\r\nHost: h\r\n\r\n", [], error: 400),
    RequestCase("non-ASCII byte in the target", bytes: Array("GET /".utf8) + [0xC3, 0xA9] + Array(" HTTP/1.1\r\nHost: h\r\n\r\n".utf8),
                [], error: 400),
    RequestCase("relative target", "GET a/b HTTP/1.1\r\nHost: h\r\n\r\n", [], error: 400),
    RequestCase("authority-form target", "CONNECT example.test:443 HTTP/1.1\r\nHost: example.test\r\n\r\n", [], error: 400),
    RequestCase("asterisk-form outside OPTIONS", "GET * HTTP/1.1\r\nHost: h\r\n\r\n", [], error: 400),
    RequestCase("absolute-form without authority", "GET http:///x HTTP/1.1\r\nHost: h\r\n\r\n", [], error: 400),
    RequestCase("lower-case protocol name", "GET / http/1.1\r\nHost: h\r\n\r\n", [], error: 400),
    RequestCase("truncated version", "GET / HTTP/1\r\nHost: h\r\n\r\n", [], error: 400),
    RequestCase("HTTP/0.9 style request line", "GET /\r\n\r\n", [], error: 400),
    RequestCase("HTTP/2.0 version", "GET / HTTP/2.0\r\nHost: h\r\n\r\n", [], error: 505),
    RequestCase("HTTP/1.2 version", "GET / HTTP/1.2\r\nHost: h\r\n\r\n", [], error: 505),
    RequestCase("HTTP/0.9 version", "GET / HTTP/0.9\r\nHost: h\r\n\r\n", [], error: 505),
    RequestCase("binary garbage", bytes: [0x16, 0x03, 0x01, 0x02, 0x00, 0x01, 0x00, 0x01, 0xFC, 0x03, 0x03, 0x0D, 0x0A], [], error: 400),

    // Chunked syntax.
    RequestCase("chunk size overflow",
                "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nFFFFFFFFFFFFFFFFFF\r\n", [], error: 400),
    RequestCase("chunk size over the body limit",
                "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n100001\r\n", [], error: 413),
    RequestCase("non-hex chunk size", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\nzz\r\n", [], error: 400),
    RequestCase("empty chunk size", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n\r\n", [], error: 400),
    RequestCase("negative chunk size", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n-1\r\n", [], error: 400),
    RequestCase("signed chunk size", "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n+1\r\nx\r\n0\r\n\r\n", [], error: 400),
    RequestCase("hex prefix in chunk size",
                "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0x1\r\nx\r\n0\r\n\r\n", [], error: 400),
    RequestCase("space before chunk size",
                "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n 1\r\nx\r\n0\r\n\r\n", [], error: 400),
    RequestCase("trailing space after chunk size",
                "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1 \r\nx\r\n0\r\n\r\n", [], error: 400),
    RequestCase("chunk data longer than its size",
                "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nxy\r\n0\r\n\r\n", [], error: 400),
    RequestCase("chunk data with bare LF",
                "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\n0\r\n\r\n", [], error: 400),
    RequestCase("chunk size line with bare LF",
                "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1\nx\r\n0\r\n\r\n", [], error: 400),
    RequestCase("control byte in a chunk extension",
                "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1;a\u{0}\r\nx\r\n0\r\n\r\n", [], error: 400),
    RequestCase("chunk extension too long",
                "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1;" + String(repeating: "e", count: 5000) + "\r\n",
                [], error: 400),
    RequestCase("obs-fold in trailers",
                "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT: 1\r\n 2\r\n\r\n", [], error: 400),
    RequestCase("malformed trailer",
                "POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nT 1\r\n\r\n", [], error: 400),

    // Limits.
    RequestCase("request line over 8 KiB", "GET \(longTarget) HTTP/1.1\r\nHost: h\r\n\r\n", [], error: 414),
    RequestCase("request line over 8 KiB without its end", "GET \(longTarget)", [], error: 414),
    RequestCase("101 header fields", "GET / HTTP/1.1\r\nHost: h\r\n\(manyHeaders)\r\n", [], error: 431),
    RequestCase("header section over 32 KiB", "GET / HTTP/1.1\r\nHost: h\r\n\(bigHeader)\r\n", [], error: 431),
    RequestCase("header section over 32 KiB without its end", "GET / HTTP/1.1\r\nHost: h\r\n\(bigHeader)", [], error: 431),
    RequestCase("error after a good pipelined request",
                "GET /ok HTTP/1.1\r\nHost: h\r\n\r\nGET / HTTP/1.1\r\nHost: h\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\n",
                [ParsedRequest("GET", "/ok")], error: 400),
]

struct RequestParserTableTests {
    @Test(arguments: acceptedCases + hostileCases)
    func wholeInput(_ testCase: RequestCase) {
        #expect(ParserFeeding.whole(testCase.raw) == testCase.expected)
    }

    @Test(arguments: acceptedCases + hostileCases)
    func byteByByte(_ testCase: RequestCase) {
        #expect(ParserFeeding.byteByByte(testCase.raw) == testCase.expected)
    }

    @Test(arguments: acceptedCases + hostileCases)
    func splitAtEveryOffset(_ testCase: RequestCase) {
        // Long rows are split at a sample of offsets (every offset would be quadratic).
        let stride = max(1, testCase.raw.count / 512)
        for offset in Swift.stride(from: 0, through: testCase.raw.count, by: stride) {
            let outcome = ParserFeeding.split(testCase.raw, at: offset)
            #expect(outcome == testCase.expected, "split at \(offset)")
            if outcome != testCase.expected { return }
        }
    }
}
