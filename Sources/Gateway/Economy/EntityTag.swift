import Crypto

/// Strong ETags over the uncompressed body, so the same data has the same
/// tag whichever `Content-Encoding` carried it.
public enum EntityTag {
    /// `"` + base64url of the first 16 bytes of SHA-256 + `"`.
    public static func strong(for body: [UInt8]) -> String {
        "\"" + ByteEncoding.base64URL(Digest.sha256(body).prefix(16)) + "\""
    }

    /// RFC 9110 §13.1.2: If-None-Match uses weak comparison (a `W/` prefix is
    /// ignored), accepts a list, and `*` matches any current representation.
    /// Tags a compressing intermediary suffixed (`"abc-gzip"`) match too.
    public static func ifNoneMatch(_ header: String?, matches etag: String) -> Bool {
        guard let header else { return false }
        let target = opaque(etag)
        for candidate in splitList(header) {
            if candidate == "*" { return true }
            var tag = opaque(candidate)
            if tag == target { return true }
            if tag.hasSuffix("-gzip") {
                tag.removeLast("-gzip".count)
                if tag == target { return true }
            }
        }
        return false
    }

    /// The tag without `W/` and quotes.
    private static func opaque(_ tag: Substring) -> String {
        var text = tag
        if text.hasPrefix("W/") { text = text.dropFirst(2) }
        if text.count >= 2, text.hasPrefix("\""), text.hasSuffix("\"") { text = text.dropFirst().dropLast() }
        return String(text)
    }

    private static func opaque(_ tag: String) -> String { opaque(Substring(tag)) }

    /// Splits on commas outside quotes (entity-tags may contain commas).
    private static func splitList(_ header: String) -> [Substring] {
        var items: [Substring] = []
        var start = header.startIndex
        var inQuotes = false
        var index = header.startIndex
        while index < header.endIndex {
            let character = header[index]
            if character == "\"" { inQuotes.toggle() }
            if character == ",", !inQuotes {
                items.append(header[start..<index])
                start = header.index(after: index)
            }
            index = header.index(after: index)
        }
        items.append(header[start...])
        return items.map { $0.trimmingSpacesAndTabs }.filter { !$0.isEmpty }
    }
}

extension Substring {
    var trimmingSpacesAndTabs: Substring {
        var s = self
        while let first = s.first, first == " " || first == "\t" { s.removeFirst() }
        while let last = s.last, last == " " || last == "\t" { s.removeLast() }
        return s
    }
}
