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
    private var nextVictim = 0
    private let capacity = 16
    private let maxBodyBytes = 64 * 1024

    mutating func compress(_ body: [UInt8]) -> [UInt8] {
        // Same storage is an O(1) equality check; otherwise memcmp-speed.
        if let hit = entries.first(where: { $0.body.count == body.count && $0.body == body }) {
            return hit.compressed
        }
        let compressed = Gzip.compress(body)
        guard body.count <= maxBodyBytes else { return compressed }
        let entry = Entry(body: body, compressed: compressed)
        if entries.count < capacity {
            entries.append(entry)
        } else {
            entries[nextVictim] = entry
            nextVictim = (nextVictim + 1) % capacity
        }
        return compressed
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
