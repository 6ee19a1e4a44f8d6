import Foundation
import HTTP1
import HTTPServer
import Logging
import Reactor
import Testing

@testable import HTTPClient

/// The client against the project's own server: keep-alive, gzip chosen by
/// the server's negotiation, form bodies, many calls on few connections.
@Suite struct ServerInteropTests {
    @Test func clientAndServerAgreeOverKeepAliveAndGzip() async throws {
        let document = Array(("{\"measuregrps\":[" + String(repeating: "{\"value\":72500,\"type\":1,\"unit\":-3},", count: 120)
            + "{}]}").utf8)
        var router = Router()
        router.add(.get, "/measure") { _, _ in
            HTTPResponse(status: 200, headers: ["Content-Type": "application/json"], body: document)
        }
        router.add(.post, "/echo") { request, _ in
            HTTPResponse(status: 200, headers: ["Content-Type": "text/plain"], body: request.body)
        }
        var configuration = HTTPServerConfiguration()
        configuration.port = 0
        configuration.threads = 1
        let server = HTTPServer(configuration: configuration, router: router, logger: Logger(label: "interop-server"))
        try server.start()

        let group = try EventLoopGroup(threads: 1, name: "interop-client")
        var clientConfiguration = HTTPClientConfiguration()
        clientConfiguration.maxConnectionsPerOrigin = 2
        let client = HTTPClient(group: group, configuration: clientConfiguration, logger: Logger(label: "interop"))
        let base = "http://127.0.0.1:\(server.port)"

        let outcome: Result<Void, any Error>
        do {
            try await withThrowingTaskGroup(of: Void.self) { tasks in
                for index in 0..<20 {
                    tasks.addTask {
                        let response = try await client.send(
                            HTTPClientRequest(method: .get, url: base + "/measure"), timeout: .seconds(30))
                        #expect(response.status == 200)
                        #expect(response.body == document, "call \(index)")
                    }
                }
                try await tasks.waitForAll()
            }
            let echoed = try await client.send(
                .form(url: base + "/echo", [("action", "getmeas"), ("meastypes", "1,6")]), timeout: .seconds(30))
            #expect(String(decoding: echoed.body, as: UTF8.self) == "action=getmeas&meastypes=1%2C6")
            #expect(await client.openConnections(to: base) <= 2)
            outcome = .success(())
        } catch {
            outcome = .failure(error)
        }
        await client.shutdown()
        await server.shutdown()
        await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
            Thread {
                group.shutdown()
                continuation.resume()
            }.start()
        }
        try outcome.get()
    }
}
