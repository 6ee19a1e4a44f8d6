import Compression
import HTTP1

/// Undoes the response's Content-Encoding. Only gzip is asked for (and
/// identity is always acceptable); the decoded size is capped absolutely
/// so a bomb stops at `maxBytes` whatever its ratio.
enum ResponseDecoding {
    static func decode(_ response: HTTPResponse, maxBytes: Int) throws(HTTPClientError) -> HTTPResponse {
        let codings = response.headers.values(for: "content-encoding")
            .flatMap { $0.split(separator: ",") }
            .map { String($0.filter { $0 != " " && $0 != "\t" }).lowercased() }
            .filter { !$0.isEmpty && $0 != "identity" }
        guard !codings.isEmpty else { return response }
        guard codings.count == 1, codings[0] == "gzip" || codings[0] == "x-gzip" else {
            throw .invalidResponse("unsupported content-encoding")
        }
        var decoded = response
        decoded.headers.remove("Content-Encoding")
        // A HEAD/204/304 answer describes a body it does not carry.
        guard !response.body.isEmpty else { return decoded }
        do {
            decoded.body = try Gzip.decompress(response.body, maxOutputBytes: maxBytes)
        } catch {
            switch error {
            case .tooLarge: throw .tooLarge
            case .truncated: throw .truncated
            case .corrupt: throw .invalidResponse("corrupt gzip body")
            }
        }
        decoded.headers.set("Content-Length", String(decoded.body.count))
        return decoded
    }
}
