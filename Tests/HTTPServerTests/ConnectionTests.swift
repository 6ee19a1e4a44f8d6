import Glibc
import HTTP1
import Testing

@testable import HTTPServer

@Suite struct ConnectionTests {
    @Test func keepAliveServesSeveralRequestsOnOneConnection() async throws {
        try await withServer(routes: standardRoutes) { server in
            let client = try TestClient(port: server.port)
            for index in 0..<5 {
                try await client.send("GET /echo/\(index) HTTP/1.1\r\nHost: x\r\n\r\n")
                let response = try #require(try await client.readResponse())
                #expect(response.status == 200)
                #expect(response.text == "\(index)")
                #expect(response.header("connection") == nil)
                #expect(response.header("server") == "withings-gateway")
                #expect(response.header("date")?.hasSuffix(" GMT") == true)
            }
            #expect(server.openConnections == 1)
        }
    }

    @Test func thousandPipelinedRequestsAreAnsweredInOrder() async throws {
        try await withServer(routes: standardRoutes) { server in
            let client = try TestClient(port: server.port)
            var requests = ""
            for index in 0..<1000 { requests += "GET /echo/\(index) HTTP/1.1\r\nHost: x\r\n\r\n" }
            try await client.send(requests)
            for index in 0..<1000 {
                let response = try #require(try await client.readResponse())
                #expect(response.status == 200)
                guard response.text == "\(index)" else {
                    Issue.record("response \(index) was \(response.text)")
                    return
                }
            }
        }
    }

    @Test func connectionCloseIsHonouredAfterTheAnswer() async throws {
        try await withServer(routes: standardRoutes) { server in
            let client = try TestClient(port: server.port)
            try await client.send("GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\nGET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            let response = try #require(try await client.readResponse())
            #expect(response.header("connection") == "close")
            #expect(try await client.readResponse() == nil, "nothing after Connection: close")
        }
    }

    @Test func http10ClosesUnlessKeepAliveIsAsked() async throws {
        try await withServer(routes: standardRoutes) { server in
            let plain = try TestClient(port: server.port)
            try await plain.send("GET /hello HTTP/1.0\r\n\r\n")
            #expect(try await plain.readResponse()?.status == 200)
            #expect(try await plain.readResponse() == nil)

            let kept = try TestClient(port: server.port)
            try await kept.send("GET /hello HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            #expect(try await kept.readResponse()?.header("connection") == "keep-alive")
            try await kept.send("GET /echo/2 HTTP/1.0\r\nConnection: keep-alive\r\n\r\n")
            #expect(try await kept.readResponse()?.text == "2")
        }
    }

    @Test func chunkedUploadIsDechunked() async throws {
        try await withServer(routes: standardRoutes) { server in
            let client = try TestClient(port: server.port)
            try await client.send("POST /echo HTTP/1.1\r\nHost: x\r\nTransfer-Encoding: chunked\r\n\r\n")
            try await client.send("5\r\nhello\r\n")
            try await client.send("7\r\n, world\r\n0\r\n\r\n")
            let response = try #require(try await client.readResponse())
            #expect(response.status == 200)
            #expect(response.text == "hello, world")
        }
    }

    @Test func expectContinueGetsAnInterimAnswerBeforeTheBody() async throws {
        try await withServer(routes: standardRoutes) { server in
            let client = try TestClient(port: server.port)
            try await client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 4\r\nExpect: 100-continue\r\n\r\n")
            let interim = try #require(try await client.readResponse())
            #expect(interim.status == 100)
            try await client.send("data")
            let response = try #require(try await client.readResponse())
            #expect(response.status == 200)
            #expect(response.text == "data")
        }
    }

    @Test func headIsServedByTheGetRouteWithoutABody() async throws {
        try await withServer(routes: standardRoutes) { server in
            let client = try TestClient(port: server.port)
            try await client.send("HEAD /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            let head = try #require(try await client.readResponse(head: true))
            #expect(head.status == 200)
            #expect(head.header("content-length") == "5")
            // The next answer starts right away: no body bytes were sent.
            try await client.send("GET /echo/7 HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await client.readResponse()?.text == "7")
        }
    }

    @Test func unknownPathIsANotFoundProblem() async throws {
        try await withServer(routes: standardRoutes) { server in
            let client = try TestClient(port: server.port)
            try await client.send("GET /nope HTTP/1.1\r\nHost: x\r\n\r\n")
            let response = try #require(try await client.readResponse())
            #expect(response.status == 404)
            #expect(response.header("content-type") == "application/problem+json")
            #expect(response.text.contains(#""type":"https://withings-gateway.dev/problems/not-found""#))
            #expect(response.text.contains(#""status":404"#))
        }
    }

    @Test func wrongMethodIsAMethodNotAllowedProblemWithAllow() async throws {
        try await withServer(routes: standardRoutes) { server in
            let client = try TestClient(port: server.port)
            try await client.send("DELETE /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            let response = try #require(try await client.readResponse())
            #expect(response.status == 405)
            #expect(response.header("allow") == "GET, HEAD")
            #expect(response.text.contains("method-not-allowed"))
            try await client.send("GET /echo HTTP/1.1\r\nHost: x\r\n\r\n")
            let post = try #require(try await client.readResponse())
            #expect(post.status == 405)
            #expect(post.header("allow") == "POST")
        }
    }

    @Test func requestIDIsEchoedWhenSaneAndGeneratedOtherwise() async throws {
        try await withServer(routes: standardRoutes) { server in
            let client = try TestClient(port: server.port)
            try await client.send("GET /context HTTP/1.1\r\nHost: x\r\nX-Request-ID: abc-123\r\n\r\n")
            let echoed = try #require(try await client.readResponse())
            #expect(echoed.header("x-request-id") == "abc-123")
            #expect(echoed.text == "abc-123 /context")

            let tooLong = String(repeating: "a", count: 129)
            for bad in ["has space", tooLong, "caf\u{e9}"] {
                try await client.send("GET /context HTTP/1.1\r\nHost: x\r\nX-Request-ID: \(bad)\r\n\r\n")
                let response = try #require(try await client.readResponse())
                let id = try #require(response.header("x-request-id"))
                #expect(id != bad)
                #expect(id.utf8.count == 32 && id.utf8.allSatisfy { ($0 >= 48 && $0 <= 57) || ($0 >= 97 && $0 <= 102) })
                #expect(response.text == "\(id) /context")
            }
        }
    }

    @Test func largeResponsesToAClientThatReadsLateArriveWhole() async throws {
        let big = [UInt8](repeating: UInt8(ascii: "z"), count: 512 * 1024)
        try await withServer(routes: { router in
            router.add(.get, "/big/{n}") { _, context in
                var body = Array((context.pathParameters["n"] ?? "?").utf8)
                body += big
                return HTTPResponse(status: 200, headers: ["Content-Type": "application/octet-stream"], body: body)
            }
        }) { server in
            let client = try TestClient(port: server.port)
            var requests = ""
            for index in 0..<20 { requests += "GET /big/\(index) HTTP/1.1\r\nHost: x\r\n\r\n" }
            try await client.send(requests)
            // Let the server fill the socket buffers and hit its high-water mark.
            try await Task.sleep(for: .milliseconds(100))
            for index in 0..<20 {
                let response = try #require(try await client.readResponse())
                #expect(response.body.count == big.count + "\(index)".utf8.count)
                #expect(response.body.starts(with: Array("\(index)z".utf8)))
            }
        }
    }

    @Test func clientThatHalfClosesStillGetsItsAnswers() async throws {
        try await withServer(routes: standardRoutes) { server in
            let client = try TestClient(port: server.port)
            var requests = ""
            for index in 1...5 { requests += "GET /echo/\(index) HTTP/1.1\r\nHost: x\r\n\r\n" }
            try await client.send(requests)
            client.finishSending()
            for index in 1...5 { #expect(try await client.readResponse()?.text == "\(index)") }
            #expect(try await client.readResponse() == nil)
        }
    }

    @Test func listensOnIPv6Loopback() async throws {
        try await withServer(configure: { $0.host = "::1" }, routes: standardRoutes) { server in
            let client = try TestClient(port: server.port, ipv6: true)
            try await client.send("GET /context HTTP/1.1\r\nHost: x\r\nX-Request-ID: v6\r\n\r\n")
            #expect(try await client.readResponse()?.text == "v6 /context")
        }
    }

    @Test func requestTrickledByteByByteIsServed() async throws {
        try await withServer(routes: standardRoutes) { server in
            let client = try TestClient(port: server.port)
            for byte in Array("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 3\r\n\r\nabc".utf8) {
                try await client.send([byte])
                try await Task.sleep(for: .milliseconds(1))
            }
            #expect(try await client.readResponse()?.text == "abc")
        }
    }

    @Test func manyConcurrentConnectionsAcrossLoopsAllGetTheirOwnAnswers() async throws {
        try await withServer(routes: standardRoutes) { server in
            try await withThrowingTaskGroup(of: Bool.self) { group in
                for connection in 0..<40 {
                    group.addTask {
                        let client = try TestClient(port: server.port)
                        for request in 0..<10 {
                            let tag = "\(connection)-\(request)"
                            try await client.send("GET /echo/\(tag) HTTP/1.1\r\nHost: x\r\n\r\n")
                            guard try await client.readResponse()?.text == tag else { return false }
                        }
                        return true
                    }
                }
                var allAnswered = true
                for try await answered in group { allAnswered = allAnswered && answered }
                #expect(allAnswered)
            }
        }
    }

    @Test func handlersCanRunOnTheGlobalPoolToo() async throws {
        try await withServer(configure: { $0.runsHandlersOnLoop = false }, routes: standardRoutes) { server in
            let client = try TestClient(port: server.port)
            var requests = ""
            for index in 0..<100 { requests += "GET /echo/\(index) HTTP/1.1\r\nHost: x\r\n\r\n" }
            try await client.send(requests)
            for index in 0..<100 { #expect(try await client.readResponse()?.text == "\(index)") }
        }
    }
}

extension TestResponse: Equatable {
    static func == (a: TestResponse, b: TestResponse) -> Bool {
        a.status == b.status && a.body == b.body && a.headers.map(\.name) == b.headers.map(\.name)
            && a.headers.map(\.value) == b.headers.map(\.value)
    }
}
