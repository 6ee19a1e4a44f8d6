import Glibc
import HTTP1
import Synchronization
import Testing

@testable import HTTPServer

@Suite struct ShutdownTests {
    /// Holds the server the slow handler watches (set before any request).
    final class ServerBox: Sendable {
        let server = Mutex<HTTPServer?>(nil)
    }

    /// The slow handler is still running when shutdown begins: it returns
    /// only once the server is draining (bounded to 25 s: the shared pool
    /// that runs `shutdown()` can be starved for seconds by other tests).
    static func slowRoutes(_ router: inout Router, box: ServerBox) {
        standardRoutes(&router)
        router.add(.get, "/slow") { _, _ in
            for _ in 0..<2500 where box.server.withLock({ $0?.isDraining }) != true {
                try? await Task.sleep(for: .milliseconds(10))
            }
            return HTTPResponse(status: 200, contentType: "text/plain", body: "finished")
        }
    }

    @Test func inFlightRequestFinishesAndIdleConnectionsClose() async throws {
        var configuration = HTTPServerConfiguration()
        configuration.port = 0
        configuration.threads = 2
        configuration.shutdownTimeout = .seconds(5)
        var router = Router()
        let box = ServerBox()
        Self.slowRoutes(&router, box: box)
        let server = HTTPServer(configuration: configuration, router: router, logger: testLogger())
        box.server.withLock { $0 = server }
        try server.start()
        let port = server.port

        let idle = try TestClient(port: port)
        try await idle.send("GET /hello HTTP/1.1\r\nHost: x\r\n\r\n")
        #expect(try await idle.readResponse()?.status == 200)

        let busy = try TestClient(port: port)
        try await busy.send("GET /slow HTTP/1.1\r\nHost: x\r\n\r\n")
        try await Task.sleep(for: .milliseconds(50))  // the handler is running

        let stopping = Task { await server.shutdown() }
        let answer = try #require(try await busy.readResponse())
        #expect(answer.status == 200)
        #expect(answer.text == "finished")
        #expect(answer.header("connection") == "close")
        #expect(try await busy.readResponse() == nil)
        #expect(try await idle.readResponse() == nil, "idle connection closed by the shutdown")
        await stopping.value
        #expect(server.openConnections == 0)
        #expect(throws: ClientError.self) { try TestClient(port: port) }
    }

    @Test func handlerOverTheDeadlineIsCutOff() async throws {
        var configuration = HTTPServerConfiguration()
        configuration.port = 0
        configuration.threads = 1
        configuration.shutdownTimeout = .milliseconds(100)
        var router = Router()
        router.add(.get, "/forever") { _, _ in
            try? await Task.sleep(for: .seconds(60))
            return HTTPResponse(status: 200)
        }
        let server = HTTPServer(configuration: configuration, router: router, logger: testLogger())
        try server.start()
        let client = try TestClient(port: server.port)
        try await client.send("GET /forever HTTP/1.1\r\nHost: x\r\n\r\n")
        try await Task.sleep(for: .milliseconds(50))
        await server.shutdown()
        #expect(try await client.readResponse() == nil)
        #expect(server.openConnections == 0)
    }

    @Test func shutdownCalledFromAHandlerStopsTheServer() async throws {
        var configuration = HTTPServerConfiguration()
        configuration.port = 0
        configuration.threads = 1
        configuration.shutdownTimeout = .milliseconds(200)
        let box = ServerBox()
        var router = Router()
        router.add(.post, "/stop") { _, _ in
            await box.server.withLock { $0 }?.shutdown()
            return HTTPResponse(status: 204)
        }
        let server = HTTPServer(configuration: configuration, router: router, logger: testLogger())
        box.server.withLock { $0 = server }
        try server.start()
        let port = server.port
        let client = try TestClient(port: port)
        try await client.send("POST /stop HTTP/1.1\r\nHost: x\r\nContent-Length: 0\r\n\r\n")
        // The handler waits for its own shutdown, so its request is cut off.
        #expect(try await client.readResponse() == nil)
        #expect(await eventually { server.openConnections == 0 })
        #expect(throws: ClientError.self) { try TestClient(port: port) }
    }

    @Test func shutdownBeforeStartAndTwiceIsHarmless() async throws {
        let server = HTTPServer(configuration: HTTPServerConfiguration(), router: Router(), logger: testLogger())
        await server.shutdown()
        await server.shutdown()
        #expect(server.port == 0)
    }
}
