import Compression
import Testing

struct ContentNegotiationTests {
    @Test(arguments: [
        (nil, ContentCoding.identity),
        ("", .identity),
        ("gzip", .gzip),
        ("GZIP", .gzip),
        ("x-gzip", .gzip),
        ("gzip, deflate, br", .gzip),
        ("br, deflate", .identity),
        ("deflate, gzip;q=0.5", .gzip),
        ("gzip;q=0", .identity),
        ("gzip; q=0.000", .identity),
        ("gzip;Q=0", .identity),
        ("gzip;q=0, *", .identity),
        ("*", .gzip),
        ("*;q=0", .identity),
        ("*;q=0, gzip", .gzip),
        ("identity;q=0", .identity),
        ("identity;q=0, gzip;q=0.1", .gzip),
        ("gzip;q=0.5, identity;q=0.8", .identity),
        ("gzip;q=0.8, identity;q=0.8", .gzip),
        ("gzip;q=0.5, *;q=0.9", .identity),
        ("gzip;q=1.0", .gzip),
        ("gzip;q=1.001", .identity),
        ("gzip;q=2", .identity),
        ("gzip;q=0.5000", .identity),
        ("gzip;q=abc", .identity),
        ("gzip;q=", .identity),
        ("gzip;level=9", .gzip),
        (" , gzip ,", .gzip),
        ("gzipx", .identity),
    ] as [(String?, ContentCoding)])
    func negotiatesAcceptEncoding(header: String?, expected: ContentCoding) {
        #expect(ContentNegotiation.preferredCoding(acceptEncoding: header) == expected)
    }

    @Test(arguments: [
        ("application/json", 256, false, true),
        ("application/json; charset=utf-8", 2048, false, true),
        ("Application/Problem+JSON", 300, false, true),
        ("text/html", 1000, false, true),
        ("application/yaml", 1000, false, true),
        ("image/svg+xml", 1000, false, true),
        ("application/json", 255, false, false),
        ("application/json", 2048, true, false),
        ("image/png", 4096, false, false),
        ("application/gzip", 4096, false, false),
        ("application/octet-stream", 4096, false, false),
    ] as [(String, Int, Bool, Bool)])
    func decidesWhatToCompress(contentType: String, bodyCount: Int, isHead: Bool, expected: Bool) {
        #expect(ContentNegotiation.shouldCompress(contentType: contentType, bodyCount: bodyCount, isHead: isHead) == expected)
    }

    @Test func missingContentTypeIsNotCompressed() {
        #expect(!ContentNegotiation.shouldCompress(contentType: nil, bodyCount: 10_000, isHead: false))
    }
}
