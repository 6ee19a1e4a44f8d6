import HTTP1
import Testing

/// A response as seen by the client, in a comparable form.
struct ParsedResponse: Equatable, Sendable {
    var status: Int
    var headers: [String]
    var body: [UInt8]

    init(_ status: Int, headers: [String] = [], body: String = "") {
        self.status = status
        self.headers = headers
        self.body = Array(body.utf8)
    }

    init(_ response: HTTPResponse) {
        status = response.status
        headers = response.headers.map { "\($0.name): \($0.value)" }
        body = response.body
    }
}

struct ResponseOutcome: Equatable {
    var responses: [ParsedResponse] = []
    var error: HTTP1Error?
}

struct ResponseCase: Sendable, CustomTestStringConvertible {
    var name: String
    var method: HTTPMethod
    var raw: [UInt8]
    /// Whether the peer closes after the bytes (finish is called).
    var closes: Bool
    var responses: [ParsedResponse]
    var error: HTTP1Error?
    var maxBodyBytes = 1024

    init(_ name: String, _ raw: String, method: HTTPMethod = .get, closes: Bool = false, _ responses: [ParsedResponse],
         error: HTTP1Error? = nil) {
        self.name = name
        self.method = method
        self.raw = Array(raw.utf8)
        self.closes = closes
        self.responses = responses
        self.error = error
    }

    var testDescription: String { name }

    func outcome(_ chunks: [ArraySlice<UInt8>]) -> ResponseOutcome {
        var parser = HTTPResponseParser(maxHeaderBytes: 512, maxBodyBytes: maxBodyBytes)
        var outcome = ResponseOutcome()
        do {
            for chunk in chunks {
                parser.append(Array(chunk))
                while let response = try parser.next(for: method) { outcome.responses.append(ParsedResponse(response)) }
            }
            if closes {
                while let response = try parser.finish(for: method) { outcome.responses.append(ParsedResponse(response)) }
            }
        } catch {
            outcome.error = error
        }
        return outcome
    }
}

let malformed = HTTP1Error(status: 502, reason: "")

let responseCases: [ResponseCase] = [
    ResponseCase("Content-Length body", "HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nhello",
                 [ParsedResponse(200, headers: ["Content-Length: 5"], body: "hello")]),
    ResponseCase("chunked body with trailer",
                 "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n4\r\nwiki\r\n5;e=1\r\npedia\r\n0\r\nX-T: 1\r\n\r\n",
                 [ParsedResponse(200, headers: ["Transfer-Encoding: chunked"], body: "wikipedia")]),
    ResponseCase("read until close", "HTTP/1.0 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it", closes: true,
                 [ParsedResponse(200, headers: ["Content-Type: text/plain"], body: "all of it")]),
    ResponseCase("read until close waits for the close", "HTTP/1.1 200 OK\r\n\r\npartial", []),
    ResponseCase("HEAD response has no body",
                 "HTTP/1.1 200 OK\r\nContent-Length: 42\r\n\r\nHTTP/1.1 404 Not Found\r\nContent-Length: 0\r\n\r\n", method: .head,
                 [ParsedResponse(200, headers: ["Content-Length: 42"]), ParsedResponse(404, headers: ["Content-Length: 0"])]),
    ResponseCase("204 has no body", "HTTP/1.1 204 No Content\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nx",
                 [ParsedResponse(204), ParsedResponse(200, headers: ["Content-Length: 1"], body: "x")]),
    ResponseCase("304 ignores its Content-Length", "HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n",
                 [ParsedResponse(304, headers: ["Content-Length: 100"])]),
    ResponseCase("interim 100 Continue is skipped",
                 "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 201 Created\r\nContent-Length: 2\r\n\r\nok",
                 [ParsedResponse(201, headers: ["Content-Length: 2"], body: "ok")]),
    ResponseCase("pipelined responses", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\naHTTP/1.1 200 OK\r\nContent-Length: 1\r\n\r\nb",
                 [ParsedResponse(200, headers: ["Content-Length: 1"], body: "a"),
                  ParsedResponse(200, headers: ["Content-Length: 1"], body: "b")]),
    ResponseCase("empty reason phrase", "HTTP/1.1 200\r\nContent-Length: 0\r\n\r\n", [ParsedResponse(200, headers: ["Content-Length: 0"])]),
    ResponseCase("identical Content-Length values", "HTTP/1.1 200 OK\r\nContent-Length: 1, 1\r\n\r\nz",
                 [ParsedResponse(200, headers: ["Content-Length: 1, 1"], body: "z")]),
    ResponseCase("clean close between responses", "HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n", closes: true,
                 [ParsedResponse(200, headers: ["Content-Length: 0"])]),

    ResponseCase("conflicting Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 1\r\nContent-Length: 2\r\n\r\nab", [],
                 error: malformed),
    ResponseCase("non-numeric Content-Length", "HTTP/1.1 200 OK\r\nContent-Length: 1a\r\n\r\nab", [], error: malformed),
    ResponseCase("Content-Length and Transfer-Encoding",
                 "HTTP/1.1 200 OK\r\nContent-Length: 3\r\nTransfer-Encoding: chunked\r\n\r\n0\r\n\r\n", [], error: malformed),
    ResponseCase("unsupported transfer coding", "HTTP/1.1 200 OK\r\nTransfer-Encoding: gzip, chunked\r\n\r\n", [],
                 error: malformed),
    ResponseCase("bad chunk size", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\nxyz\r\n", [], error: malformed),
    ResponseCase("HTTP/2 status line", "HTTP/2 200 OK\r\n\r\n", [], error: malformed),
    ResponseCase("two-digit status", "HTTP/1.1 20 OK\r\n\r\n", [], error: malformed),
    ResponseCase("status below 100", "HTTP/1.1 099 Odd\r\n\r\n", [], error: malformed),
    ResponseCase("not HTTP", "ICY 200 OK\r\n\r\n", [], error: malformed),
    ResponseCase("control byte in reason", "HTTP/1.1 200 O\u{0}K\r\n\r\n", [], error: malformed),
    ResponseCase("bare LF", "HTTP/1.1 200 OK\nContent-Length: 0\n\n", [], error: malformed),
    ResponseCase("obs-fold", "HTTP/1.1 200 OK\r\nX: a\r\n b\r\nContent-Length: 0\r\n\r\n", [], error: malformed),
    ResponseCase("head over the limit", "HTTP/1.1 200 OK\r\nX: \(String(repeating: "v", count: 600))\r\n\r\n", [],
                 error: malformed),
    ResponseCase("Content-Length over the body limit", "HTTP/1.1 200 OK\r\nContent-Length: 1025\r\n\r\n", [],
                 error: .responseTooLarge),
    ResponseCase("chunked over the body limit", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n401\r\n", [],
                 error: .responseTooLarge),
    ResponseCase("read-until-close over the body limit", "HTTP/1.1 200 OK\r\n\r\n\(String(repeating: "x", count: 1025))",
                 [], error: .responseTooLarge),
    ResponseCase("truncated Content-Length body", "HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nshort", closes: true, [],
                 error: .truncatedResponse),
    ResponseCase("truncated chunked body", "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nab", closes: true, [],
                 error: .truncatedResponse),
    ResponseCase("truncated head", "HTTP/1.1 200 OK\r\nContent-Le", closes: true, [], error: .truncatedResponse),
]

/// Status is what matters for malformed responses; reasons vary.
private func matches(_ outcome: ResponseOutcome, _ testCase: ResponseCase) -> Bool {
    guard outcome.responses == testCase.responses else { return false }
    switch (outcome.error, testCase.error) {
    case (nil, nil): return true
    case (let got?, let want?): return want.reason.isEmpty ? got.status == want.status : got == want
    default: return false
    }
}

struct ResponseParserTests {
    @Test(arguments: responseCases)
    func wholeByteByByteAndSplit(_ testCase: ResponseCase) {
        let raw = testCase.raw
        let whole = testCase.outcome([raw[...]])
        #expect(matches(whole, testCase), "whole: \(whole)")
        let bytes = testCase.outcome(raw.indices.map { raw[$0..<($0 + 1)] })
        #expect(matches(bytes, testCase), "byte by byte: \(bytes)")
        for offset in 0...raw.count {
            let split = testCase.outcome([raw[..<offset], raw[offset...]])
            #expect(matches(split, testCase), "split at \(offset): \(split)")
            if !matches(split, testCase) { return }
        }
    }

    @Test func errorsAreFinal() {
        var parser = HTTPResponseParser()
        parser.append(Array("HTTP/1.1 200 OK\r\nContent-Length: x\r\n\r\n".utf8))
        #expect(throws: HTTP1Error.self) { try parser.next(for: .get) }
        #expect(throws: HTTP1Error.self) { try parser.finish(for: .get) }
    }

    @Test func encodedResponsesParseBack() throws {
        var wire: [UInt8] = []
        let responses = [
            HTTPResponse(status: 200, contentType: "application/json", body: "{\"ok\":true}"),
            HTTPResponse(status: 204),
            HTTPResponse(status: 404, headers: ["X-Trace": "1"], body: Array(repeating: 0x41, count: 3000)),
        ]
        for response in responses {
            HTTPResponseEncoder.encode(response, version: .http1_1, keepAlive: true, isHead: false,
                                       date: "Thu, 01 Jan 1970 00:00:00 GMT", into: &wire)
        }
        var parser = HTTPResponseParser()
        parser.append(wire)
        for response in responses {
            let parsed = try #require(try parser.next(for: .get))
            #expect(parsed.status == response.status)
            #expect(parsed.body == (response.status == 204 ? [] : response.body))
            #expect(parsed.headers["server"] == "withings-gateway")
            for field in response.headers { #expect(parsed.headers[field.name] == field.value) }
        }
        #expect(try parser.finish(for: .get) == nil)
    }
}

struct RequestEncoderTests {
    private func encode(_ request: HTTPRequest, host: String = "api.example.test") -> String {
        var out: [UInt8] = []
        HTTPRequestEncoder.encode(request, host: host, into: &out)
        return String(decoding: out, as: UTF8.self)
    }

    @Test func getHasNoLength() {
        #expect(encode(HTTPRequest(method: .get, target: "/v2/measure?action=getmeas", headers: ["Accept": "*/*"]))
            == "GET /v2/measure?action=getmeas HTTP/1.1\r\nHost: api.example.test\r\nAccept: */*\r\n\r\n")
    }

    @Test func postIsAlwaysFramed() {
        #expect(encode(HTTPRequest(method: .post, target: "/x")) == "POST /x HTTP/1.1\r\nHost: api.example.test\r\nContent-Length: 0\r\n\r\n")
        #expect(encode(HTTPRequest(method: .post, target: "/x", body: Array("a=1".utf8)))
            == "POST /x HTTP/1.1\r\nHost: api.example.test\r\nContent-Length: 3\r\n\r\na=1")
    }

    @Test func framingAndHostFieldsAreReplaced() {
        let text = encode(HTTPRequest(
            method: .put, target: "/k",
            headers: ["host": "evil", "Content-Length": "99", "Transfer-Encoding": "chunked", "X-A": "1"],
            body: Array("xy".utf8)), host: "127.0.0.1:8080")
        #expect(text == "PUT /k HTTP/1.1\r\nHost: 127.0.0.1:8080\r\nX-A: 1\r\nContent-Length: 2\r\n\r\nxy")
    }

    @Test func targetAndFieldsCannotSplitTheHead() {
        let text = encode(HTTPRequest(method: .get, target: "/a b\r\nX: y", headers: ["Authorization": "Bearer t\r\nX: 1"]))
        #expect(text.hasPrefix("GET /a%20b%0D%0AX:%20y HTTP/1.1\r\n"))
        #expect(text.contains("Authorization: Bearer t  X: 1\r\n"))
    }

    @Test func encodedRequestsParseBackOnTheServerSide() throws {
        let requests = [
            HTTPRequest(method: .get, target: "/healthz"),
            HTTPRequest(method: .post, target: "/oauth2", headers: ["Content-Type": "application/x-www-form-urlencoded"],
                        body: Array("grant_type=refresh_token&refresh_token=abc".utf8)),
            HTTPRequest(method: .delete, target: "/users/1?force=1"),
        ]
        var wire: [UInt8] = []
        for request in requests { HTTPRequestEncoder.encode(request, host: "h", into: &wire) }
        var parser = HTTPRequestParser()
        parser.append(wire)
        for request in requests {
            let parsed = try #require(try parser.next())
            #expect(parsed.method == request.method && parsed.target == request.target && parsed.body == request.body)
            #expect(parsed.headers["host"] == "h")
        }
    }
}
