import Glibc
import HTTP1
import Testing

@testable import HTTPServer

@Suite struct TimeoutAndLimitTests {
    @Test func slowHeaderSectionGetsRequestTimeoutAndClose() async throws {
        try await withServer(configure: { $0.headerTimeout = .milliseconds(200) }, routes: standardRoutes) { server in
            let client = try TestClient(port: server.port)
            // Slowloris: keep trickling header bytes, never finish the head.
            try await client.send("GET /hello HTTP/1.1\r\nHost: x\r\n")
            for index in 0..<3 {
                try await Task.sleep(for: .milliseconds(100))
                _ = try? await client.send("X-\(index): y\r\n")
            }
            let response = try #require(try await client.readResponse())
            #expect(response.status == 408)
            #expect(response.header("connection") == "close")
            #expect(try await client.waitForClose())
        }
    }

    @Test func stalledBodyGetsRequestTimeoutAndClose() async throws {
        try await withServer(configure: { $0.bodyTimeout = .milliseconds(200) }, routes: standardRoutes) { server in
            let client = try TestClient(port: server.port)
            try await client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 10\r\n\r\nabc")
            let response = try #require(try await client.readResponse())
            #expect(response.status == 408)
            #expect(try await client.waitForClose())
        }
    }

    @Test func idleKeepAliveConnectionIsClosed() async throws {
        try await withServer(configure: { $0.idleTimeout = .milliseconds(200) }, routes: standardRoutes) { server in
            let client = try TestClient(port: server.port)
            try await client.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await client.readResponse()?.status == 200)
            // No answer, just a close, once the idle time is over.
            #expect(try await client.readResponse() == nil)
            #expect(server.openConnections == 0)
        }
    }

    @Test func aSilentNewConnectionIsIdleToo() async throws {
        try await withServer(configure: { $0.idleTimeout = .milliseconds(150) }, routes: standardRoutes) { server in
            let client = try TestClient(port: server.port)
            #expect(try await client.readResponse() == nil)
        }
    }

    /// Slow read: a peer that stops reading a large answer is cut off once
    /// no output progress was made for the idle timeout.
    @Test func peerThatStopsReadingIsDisconnected() async throws {
        let big = [UInt8](repeating: UInt8(ascii: "b"), count: 16 * 1024 * 1024)
        try await withServer(configure: { $0.idleTimeout = .milliseconds(300) }, routes: { router in
            router.add(.get, "/big") { _, _ in
                HTTPResponse(status: 200, headers: ["Content-Type": "application/octet-stream"], body: big)
            }
        }) { server in
            let client = try TestClient(port: server.port, receiveBuffer: 64 * 1024)
            try await client.send("GET /big HTTP/1.1\r\nHost: x\r\n\r\n")
            let head = try #require(try await client.readResponse(head: true))
            #expect(head.header("content-length") == "\(big.count)")
            // Far more than the socket buffers hold stays unsent meanwhile.
            #expect(await eventually { server.openConnections == 0 })
            #expect(try await client.readToEnd() < big.count)
        }
    }

    @Test func connectionsOverTheCapGetAShort503() async throws {
        try await withServer(configure: { $0.maxConnections = 2; $0.threads = 1 }, routes: standardRoutes) { server in
            let first = try TestClient(port: server.port)
            let second = try TestClient(port: server.port)
            for client in [first, second] {
                try await client.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
                #expect(try await client.readResponse()?.status == 200)
            }
            let third = try TestClient(port: server.port)
            let refused = try #require(try await third.readResponse())
            #expect(refused.status == 503)
            #expect(refused.header("connection") == "close")
            #expect(refused.header("retry-after") == "1")
            #expect(try await third.readResponse() == nil)
            #expect(server.openConnections == 2)

            // Below the cap again, a new connection is served.
            try await first.send("GET /hello HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n")
            #expect(try await first.readResponse()?.status == 200)
            #expect(try await first.readResponse() == nil)
            let fourth = try TestClient(port: server.port)
            try await fourth.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
            #expect(try await fourth.readResponse()?.status == 200)
        }
    }

    @Test func configuredBodyLimitIsEnforced() async throws {
        try await withServer(configure: { $0.limits.maxBodyBytes = 8 }, routes: standardRoutes) { server in
            let client = try TestClient(port: server.port)
            try await client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 8\r\n\r\n12345678")
            #expect(try await client.readResponse()?.text == "12345678")
            try await client.send("POST /echo HTTP/1.1\r\nHost: x\r\nContent-Length: 9\r\n\r\n123456789")
            #expect(try await client.readResponse()?.status == 413)
            #expect(try await client.readResponse() == nil)
        }
    }
}
