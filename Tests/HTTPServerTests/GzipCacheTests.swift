import Compression
import Testing

@testable import HTTPServer

@Suite struct GzipCacheTests {
    private func body(_ seed: UInt8, count: Int) -> [UInt8] {
        (0..<count).map { UInt8(truncatingIfNeeded: $0 &* 31) ^ seed }
    }

    @Test func largeBodiesAreCachedAndDecompressBackExactly() throws {
        var cache = GzipCache()
        let page = body(7, count: 300 * 1024)
        let first = cache.compress(page)
        #expect(cache.count == 1)
        #expect(cache.compress(page) == first)
        #expect(try Gzip.decompress(first, maxOutputBytes: 1 << 20) == page)
    }

    @Test func cachedBytesStayWithinTheBudget() {
        var cache = GzipCache()
        for seed in 0..<40 {
            _ = cache.compress(body(UInt8(seed), count: 900 * 1024))
            #expect(cache.cachedBytes <= 4 * 1024 * 1024)
            #expect(cache.count <= 16)
        }
        #expect(cache.count >= 1)
    }

    @Test func bodiesOverTheEntryLimitAreCompressedButNotKept() throws {
        var cache = GzipCache()
        let huge = body(1, count: 1024 * 1024 + 1)
        let compressed = cache.compress(huge)
        #expect(cache.count == 0)
        #expect(try Gzip.decompress(compressed, maxOutputBytes: 2 << 20) == huge)
    }
}
