import HTTP1
import Testing

struct RequestParserStateTests {
    @Test func thousandPipelinedRequestsInOneBufferComeOutInOrder() throws {
        var raw = ""
        for index in 0..<1000 {
            switch index % 3 {
            case 0: raw += "GET /r/\(index) HTTP/1.1\r\nHost: h\r\n\r\n"
            case 1: raw += "POST /r/\(index) HTTP/1.1\r\nHost: h\r\nContent-Length: \(String(index).utf8.count)\r\n\r\n\(index)"
            default: raw += "PUT /r/\(index) HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n1\r\nx\r\n0\r\n\r\n"
            }
        }
        var parser = HTTPRequestParser()
        parser.append(Array(raw.utf8))
        for index in 0..<1000 {
            let request = try #require(try parser.next())
            #expect(request.target == "/r/\(index)")
            switch index % 3 {
            case 0: #expect(request.method == .get && request.body.isEmpty)
            case 1: #expect(request.body == Array(String(index).utf8))
            default: #expect(request.body == Array("x".utf8))
            }
        }
        #expect(try parser.next() == nil)
        #expect(!parser.isMidRequest)
        #expect(parser.bufferedByteCount == 0)
    }

    @Test func expectContinueIsSignalledUntilAcknowledged() throws {
        var parser = HTTPRequestParser()
        parser.append(Array("POST /u HTTP/1.1\r\nHost: h\r\nExpect: 100-Continue\r\nContent-Length: 4\r\n\r\n".utf8))
        #expect(try parser.next() == nil)
        #expect(parser.expectsContinue)
        #expect(parser.isReadingBody)
        parser.acknowledgeContinue()
        #expect(!parser.expectsContinue)
        parser.append(Array("body".utf8))
        let request = try #require(try parser.next())
        #expect(request.body == Array("body".utf8))
        #expect(!parser.expectsContinue && !parser.isReadingBody)
    }

    @Test func expectContinueIsNotSignalledWithoutBodyOrForHTTP10() throws {
        var parser = HTTPRequestParser()
        parser.append(Array("GET / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\n\r\n".utf8))
        #expect(try parser.next() != nil)
        #expect(!parser.expectsContinue)

        var old = HTTPRequestParser()
        old.append(Array("POST / HTTP/1.0\r\nExpect: 100-continue\r\nContent-Length: 2\r\n\r\n".utf8))
        #expect(try old.next() == nil)
        #expect(!old.expectsContinue && old.isReadingBody)
    }

    @Test func tooLargeBodyWithExpectContinueIsRefusedBeforeContinuing() {
        var parser = HTTPRequestParser(limits: HTTP1Limits(maxBodyBytes: 10))
        parser.append(Array("POST / HTTP/1.1\r\nHost: h\r\nExpect: 100-continue\r\nContent-Length: 11\r\n\r\n".utf8))
        #expect(throws: HTTP1Error(status: 413, reason: "body too large")) { try parser.next() }
        #expect(!parser.expectsContinue)
    }

    @Test func progressFlagsFollowTheRequest() throws {
        var parser = HTTPRequestParser()
        #expect(!parser.isMidRequest && !parser.isReadingBody && parser.bufferedByteCount == 0)
        parser.append(Array("POST / HTTP/1.1\r\nHost: h\r\n".utf8))
        #expect(try parser.next() == nil)
        #expect(parser.isMidRequest && !parser.isReadingBody)
        parser.append(Array("Content-Length: 2\r\n\r\na".utf8))
        #expect(try parser.next() == nil)
        #expect(parser.isMidRequest && parser.isReadingBody)
        parser.append(Array("bGET".utf8))
        #expect(try parser.next()?.body == Array("ab".utf8))
        #expect(try parser.next() == nil)
        #expect(parser.isMidRequest && !parser.isReadingBody && parser.bufferedByteCount == 3)
    }

    @Test func errorsAreFinal() {
        var parser = HTTPRequestParser()
        parser.append(Array("GET / HTTP/1.1\r\nHost: h\r\nX: a\u{0}\r\n\r\n".utf8))
        #expect(throws: HTTP1Error.self) { try parser.next() }
        parser.append(Array("GET / HTTP/1.1\r\nHost: h\r\n\r\n".utf8))
        #expect { try parser.next() } throws: { ($0 as? HTTP1Error)?.status == 400 }
    }

    @Test func configuredLimitsApply() {
        let limits = HTTP1Limits(maxRequestLineBytes: 32, maxHeaderBytes: 128, maxHeaderCount: 2, maxBodyBytes: 8)
        let cases: [(String, Int)] = [
            ("GET /\(String(repeating: "x", count: 40)) HTTP/1.1\r\n", 414),
            ("GET / HTTP/1.1\r\nHost: h\r\nA: 1\r\nB: 2\r\n\r\n", 431),
            ("GET / HTTP/1.1\r\nHost: \(String(repeating: "h", count: 120))\r\n\r\n", 431),
            ("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 9\r\n\r\n", 413),
            ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n5\r\naaaaa\r\n4\r\n", 413),
            ("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n0\r\nA: 1\r\nB: 2\r\nC: 3\r\n\r\n", 431),
        ]
        for (raw, status) in cases {
            #expect(ParserFeeding.whole(Array(raw.utf8), limits: limits).errorStatus == status, "\(raw)")
            #expect(ParserFeeding.byteByByte(Array(raw.utf8), limits: limits).errorStatus == status, "\(raw)")
        }
    }

    @Test func unlimitedBodyStillRefusesLengthsBeyondInt() {
        let limits = HTTP1Limits(maxBodyBytes: Int.max)
        let raw = Array("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 99999999999999999999999\r\n\r\n".utf8)
        #expect(ParserFeeding.whole(raw, limits: limits).errorStatus == 400)
    }

    @Test func bodyExactlyAtTheLimitIsAccepted() throws {
        let limits = HTTP1Limits(maxBodyBytes: 4)
        let fixed = ParserFeeding.whole(Array("POST / HTTP/1.1\r\nHost: h\r\nContent-Length: 4\r\n\r\nabcd".utf8), limits: limits)
        #expect(fixed.requests.first?.body == Array("abcd".utf8) && fixed.errorStatus == nil)
        let chunked = ParserFeeding.whole(
            Array("POST / HTTP/1.1\r\nHost: h\r\nTransfer-Encoding: chunked\r\n\r\n2\r\nab\r\n2\r\ncd\r\n0\r\n\r\n".utf8),
            limits: limits)
        #expect(chunked.requests.first?.body == Array("abcd".utf8) && chunked.errorStatus == nil)
    }

    @Test func longKeepAliveConnectionDoesNotAccumulateBytes() throws {
        var parser = HTTPRequestParser()
        let request = Array("POST /p HTTP/1.1\r\nHost: h\r\nContent-Length: 100\r\n\r\n\(String(repeating: "z", count: 100))".utf8)
        // Deliver each request in two uneven pieces so consumed bytes always
        // sit in front of a partial request when the next bytes arrive.
        var pending: [UInt8] = []
        for _ in 0..<2000 {
            pending += request
            let cut = pending.count - 37
            parser.append(Array(pending[..<cut]))
            pending.removeFirst(cut)
            while let parsed = try parser.next() { #expect(parsed.body.count == 100) }
            #expect(parser.bufferedByteCount < 2 * request.count)
        }
    }

    @Test func keepAliveFollowsVersionAndConnection() throws {
        let cases: [(String, Bool)] = [
            ("GET / HTTP/1.1\r\nHost: h\r\n\r\n", true),
            ("GET / HTTP/1.1\r\nHost: h\r\nConnection: close\r\n\r\n", false),
            ("GET / HTTP/1.1\r\nHost: h\r\nConnection: Upgrade, Close\r\n\r\n", false),
            ("GET / HTTP/1.0\r\n\r\n", false),
            ("GET / HTTP/1.0\r\nConnection: keep-alive\r\n\r\n", true),
            ("GET / HTTP/1.0\r\nConnection: Keep-Alive\r\n\r\n", true),
            ("GET / HTTP/1.0\r\nConnection: keep-alive, close\r\n\r\n", false),
            ("GET / HTTP/1.1\r\nHost: h\r\nConnection: keep-alive\r\nConnection: \t close \r\n\r\n", false),
            ("GET / HTTP/1.1\r\nHost: h\r\nConnection: closed, xclose\r\n\r\n", true),
            ("GET / HTTP/1.1\r\nHost: h\r\nConnection: ,,\r\n\r\n", true),
        ]
        for (raw, keepAlive) in cases {
            var parser = HTTPRequestParser()
            parser.append(Array(raw.utf8))
            #expect(try parser.next()?.keepAlive == keepAlive, "\(raw)")
        }
    }

    @Test func appendingFromRawPointerMatchesArrayAppend() throws {
        var parser = HTTPRequestParser()
        let raw = Array("DELETE /k/1 HTTP/1.1\r\nHost: h\r\n\r\n".utf8)
        raw.withUnsafeBytes { parser.append($0) }
        parser.append(UnsafeRawBufferPointer(start: nil, count: 0))
        let request = try #require(try parser.next())
        #expect(request.method == .delete && request.path == "/k/1")
    }
}
