import Compression
import HTTP1
import Testing

@testable import HTTPServer

@Suite struct ResponseCompressionTests {
    static let document = Array(("{\"items\":[" + (0..<100).map { "{\"id\":\($0),\"name\":\"item\"}" }.joined(separator: ",")
        + "]}").utf8)

    static func routes(_ router: inout Router) {
        router.add(.get, "/doc") { _, _ in
            HTTPResponse(status: 200, headers: ["Content-Type": "application/json"], body: document)
        }
        router.add(.get, "/tiny") { _, _ in HTTPResponse(status: 200, contentType: "application/json", body: "{}") }
        router.add(.get, "/image") { _, _ in
            HTTPResponse(status: 200, headers: ["Content-Type": "image/png"], body: document)
        }
    }

    @Test(arguments: [
        ("gzip", true), ("gzip, deflate, br", true), ("br;q=1, gzip;q=0.5", true), ("*", true),
        ("gzip;q=0", false), ("identity", false), (nil, false), ("deflate", false),
    ] as [(String?, Bool)])
    func negotiation(acceptEncoding: String?, gzipped: Bool) async throws {
        try await withServer(routes: Self.routes) { server in
            let client = try TestClient(port: server.port)
            let field = acceptEncoding.map { "Accept-Encoding: \($0)\r\n" } ?? ""
            try await client.send("GET /doc HTTP/1.1\r\nHost: x\r\n\(field)\r\n")
            let response = try #require(try await client.readResponse())
            #expect(response.header("vary") == "Accept-Encoding")
            if gzipped {
                #expect(response.header("content-encoding") == "gzip")
                #expect(try Gzip.decompress(response.body, maxOutputBytes: 1 << 20) == Self.document)
                #expect(response.body.count < Self.document.count)
            } else {
                #expect(response.header("content-encoding") == nil)
                #expect(response.body == Self.document)
            }
        }
    }

    @Test func repeatedAnswersAreIdenticalAndHeadMatchesGet() async throws {
        try await withServer(routes: Self.routes) { server in
            let client = try TestClient(port: server.port)
            var bodies: [[UInt8]] = []
            for _ in 0..<3 {
                try await client.send("GET /doc HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n")
                bodies.append(try #require(try await client.readResponse()).body)
            }
            #expect(bodies[0] == bodies[1] && bodies[1] == bodies[2])
            try await client.send("HEAD /doc HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n")
            let head = try #require(try await client.readResponse(head: true))
            #expect(head.header("content-encoding") == "gzip")
            #expect(head.header("content-length") == "\(bodies[0].count)")
        }
    }

    @Test(arguments: ["/tiny", "/image"])
    func smallOrIncompressibleBodiesAreSentAsIs(path: String) async throws {
        try await withServer(routes: Self.routes) { server in
            let client = try TestClient(port: server.port)
            try await client.send("GET \(path) HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n")
            let response = try #require(try await client.readResponse())
            #expect(response.header("content-encoding") == nil)
            #expect(response.header("vary") == nil)
        }
    }

    @Test func compressionCanBeTurnedOff() async throws {
        try await withServer(configure: { $0.compression = false }, routes: Self.routes) { server in
            let client = try TestClient(port: server.port)
            try await client.send("GET /doc HTTP/1.1\r\nHost: x\r\nAccept-Encoding: gzip\r\n\r\n")
            let response = try #require(try await client.readResponse())
            #expect(response.header("content-encoding") == nil)
            #expect(response.body == Self.document)
        }
    }
}
