import Compression
import HTTP1
import Testing

@testable import HTTPClient

@Suite struct ResponseDecodingTests {
    private let plain = Array(String(repeating: "measure groups ", count: 100).utf8)

    private func response(encoding: String?, body: [UInt8]) -> HTTPResponse {
        var headers: HTTPHeaders = ["Content-Length": String(body.count)]
        if let encoding { headers.add("Content-Encoding", encoding) }
        return HTTPResponse(status: 200, headers: headers, body: body)
    }

    @Test(arguments: ["gzip", "GZIP", "x-gzip", " gzip ", "identity, gzip"])
    func gzipSpellingsAreDecoded(_ encoding: String) throws {
        let decoded = try ResponseDecoding.decode(
            response(encoding: encoding, body: Gzip.compress(plain)), maxBytes: 1 << 20)
        #expect(decoded.body == plain)
        #expect(decoded.headers["content-encoding"] == nil)
        #expect(decoded.headers["content-length"] == String(plain.count))
    }

    @Test(arguments: [nil, "identity", ""])
    func identityIsLeftAlone(_ encoding: String?) throws {
        let decoded = try ResponseDecoding.decode(response(encoding: encoding, body: plain), maxBytes: 16)
        #expect(decoded.body == plain)
    }

    @Test(arguments: ["br", "deflate", "gzip, gzip", "compress"])
    func unrequestedCodingsAreRefused(_ encoding: String) {
        #expect(throws: HTTPClientError.invalidResponse("unsupported content-encoding")) {
            try ResponseDecoding.decode(response(encoding: encoding, body: plain), maxBytes: 1 << 20)
        }
    }

    @Test func capIsAbsoluteNotARatio() throws {
        let compressed = Gzip.compress(plain)
        // Exactly the decoded size passes; one byte less is a bomb.
        _ = try ResponseDecoding.decode(response(encoding: "gzip", body: compressed), maxBytes: plain.count)
        #expect(throws: HTTPClientError.tooLarge) {
            try ResponseDecoding.decode(response(encoding: "gzip", body: compressed), maxBytes: plain.count - 1)
        }
    }

    @Test func cutGzipStreamIsTruncated() {
        let compressed = Gzip.compress(plain)
        #expect(throws: HTTPClientError.truncated) {
            try ResponseDecoding.decode(
                response(encoding: "gzip", body: Array(compressed.dropLast(12))), maxBytes: 1 << 20)
        }
    }

    @Test func emptyBodyWithGzipHeaderIsFine() throws {
        // HEAD and 304 answers describe a body they do not carry.
        let decoded = try ResponseDecoding.decode(response(encoding: "gzip", body: []), maxBytes: 16)
        #expect(decoded.body.isEmpty)
    }
}
