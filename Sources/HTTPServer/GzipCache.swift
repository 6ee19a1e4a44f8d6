import Compression

/// The compressed bytes of recently served bodies, per loop. A route that
/// serves an unchanged body (a cached document) is compressed once, not on
/// every request. Bodies are compared in full, so a hit is always exact.
struct GzipCache {
    private struct Entry {
        var body: [UInt8]
        var compressed: [UInt8]
    }

    private var entries: [Entry] = []
    var count: Int { entries.count }
    private var nextVictim = 0
    private(set) var cachedBytes = 0
    private let capacity = 16
    /// Bounds what one loop keeps: a translated page of 200 measure groups
    /// (about 100 KB) or a simulator page (about 300 KB) still fits, so
    /// serving it again costs a comparison, not a deflate.
    private let maxBodyBytes = 1024 * 1024
    private let maxCachedBytes = 4 * 1024 * 1024

    mutating func compress(_ body: [UInt8]) -> [UInt8] {
        // Same storage is an O(1) equality check; otherwise memcmp-speed.
        if let hit = entries.first(where: { $0.body.count == body.count && $0.body == body }) {
            return hit.compressed
        }
        let compressed = Gzip.compress(body)
        guard body.count <= maxBodyBytes else { return compressed }
        insert(Entry(body: body, compressed: compressed))
        return compressed
    }

    /// Adds an entry, evicting round-robin while over either bound.
    private mutating func insert(_ entry: Entry) {
        let size = entry.body.count + entry.compressed.count
        while !entries.isEmpty && (entries.count >= capacity || cachedBytes + size > maxCachedBytes) {
            let victim = nextVictim % entries.count
            cachedBytes -= entries[victim].body.count + entries[victim].compressed.count
            entries.remove(at: victim)
            nextVictim = victim
        }
        entries.append(entry)
        cachedBytes += size
    }
}

/// `ContentNegotiation`'s answers for the last header values seen on this
/// loop: clients and routes repeat the same few values, and parsing them
/// on every request would allocate.
struct NegotiationCache {
    private var lastContentType: String?
    private var lastCompressible = false
    private var lastAcceptEncoding: String?
    private var lastCoding = ContentCoding.identity

    mutating func isCompressible(contentType: String?) -> Bool {
        guard let contentType else { return false }
        if contentType != lastContentType {
            lastContentType = contentType
            lastCompressible = ContentNegotiation.shouldCompress(
                contentType: contentType, bodyCount: ContentNegotiation.minimumCompressibleBytes, isHead: false)
        }
        return lastCompressible
    }

    mutating func coding(acceptEncoding: String?) -> ContentCoding {
        guard let acceptEncoding else { return .identity }
        if acceptEncoding != lastAcceptEncoding {
            lastAcceptEncoding = acceptEncoding
            lastCoding = ContentNegotiation.preferredCoding(acceptEncoding: acceptEncoding)
        }
        return lastCoding
    }
}
