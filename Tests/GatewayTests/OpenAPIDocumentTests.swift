import Gateway
import Glibc
import Testing

struct OpenAPIDocumentTests {
    /// openapi.yaml at the repository root, found from this file's path.
    static func repositoryFile() throws -> String {
        var path = #filePath
        for _ in 0..<3 { path = String(path[..<(path.lastIndex(of: "/") ?? path.startIndex)]) }
        let file = try #require(fopen(path + "/openapi.yaml", "rb"))
        defer { fclose(file) }
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 65536)
        while true {
            let count = fread(&chunk, 1, chunk.count, file)
            if count <= 0 { break }
            bytes += chunk[0..<count]
        }
        return String(decoding: bytes, as: UTF8.self)
    }

    @Test func embeddedCopyEqualsTheFile() throws {
        #expect(OpenAPIDocument.text == (try Self.repositoryFile()), "run scripts/embed-openapi")
    }

    @Test func everyGatewayProblemIsDocumented() {
        for entry in GatewayProblem.all {
            #expect(OpenAPIDocument.text.contains("| `\(entry.name)` | \(entry.status) |"), "\(entry.name)")
        }
    }

    @Test func everyRouteIsDocumented() {
        for path in ["/oauth/authorize:", "/oauth/callback:", "/users/{user_id}/measures:", "/users/{user_id}:",
                     "/healthz:", "/readyz:", "/metrics:", "/openapi.yaml:"] {
            #expect(OpenAPIDocument.text.contains("\n  \(path)\n"), "\(path)")
        }
    }
}
