/// Response compression policy: which coding a client accepts
/// (RFC 9110 §12.5.3) and which responses are worth compressing.
public enum ContentNegotiation {
    /// Bodies smaller than this are sent as they are: gzip's header and
    /// trailer plus the CPU cost outweigh the few bytes saved.
    public static let minimumCompressibleBytes = 256

    /// The coding for an `Accept-Encoding` value. gzip is chosen when its
    /// q-value (explicit, or from `*`) is positive and not below the q-value
    /// given to identity (explicit, or from `*`; an identity nobody named
    /// does not compete). `gzip;q=0` or `*;q=0` without gzip refuses it; an
    /// absent field means identity. Malformed elements are ignored rather
    /// than guessed at.
    public static func preferredCoding(acceptEncoding: String?) -> ContentCoding {
        guard let acceptEncoding else { return .identity }
        var gzipQ: Int?
        var identityQ: Int?
        var wildcardQ: Int?
        for element in acceptEncoding.utf8.split(separator: UInt8(ascii: ",")) {
            let parts = element.split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: false)
            let coding = trimmed(parts[0])
            guard !coding.isEmpty, let quality = quality(parts.dropFirst()) else { continue }
            if equalsLowercase(coding, "gzip") || equalsLowercase(coding, "x-gzip") {
                gzipQ = max(gzipQ ?? 0, quality)
            } else if equalsLowercase(coding, "identity") {
                identityQ = quality
            } else if equalsLowercase(coding, "*") {
                wildcardQ = quality
            }
        }
        let gzip = gzipQ ?? wildcardQ ?? 0
        let identity = identityQ ?? wildcardQ ?? 0
        return gzip > 0 && gzip >= identity ? .gzip : .identity
    }

    /// Whether a response should be gzipped: a compressible media type, a
    /// body of at least `minimumCompressibleBytes`, and not HEAD. (The
    /// caller also skips responses that already have a Content-Encoding.)
    public static func shouldCompress(contentType: String?, bodyCount: Int, isHead: Bool) -> Bool {
        guard !isHead, bodyCount >= minimumCompressibleBytes, let contentType else { return false }
        return isCompressible(mediaType: contentType)
    }

    /// text/*, JSON, XML, YAML, JavaScript, form data and SVG (with any
    /// parameters); images, archives and already-compressed types are not.
    static func isCompressible(mediaType: String) -> Bool {
        let essence = trimmed(mediaType.utf8.split(separator: UInt8(ascii: ";"), omittingEmptySubsequences: false)[0])
        let type = String(decoding: essence, as: UTF8.self).lowercased()
        if type.hasPrefix("text/") { return true }
        if type.hasSuffix("+json") || type.hasSuffix("+xml") || type.hasSuffix("+yaml") { return true }
        switch type {
        case "application/json", "application/xml", "application/yaml", "application/x-yaml",
            "application/javascript", "application/x-www-form-urlencoded", "application/x-ndjson":
            return true
        default:
            return false
        }
    }

    /// The q-value among an element's parameters, in thousandths; nil when
    /// malformed (RFC 9110 §12.4.2: `0[.ddd]` or `1[.000]`). No q means 1.
    private static func quality(_ parameters: ArraySlice<Substring.UTF8View>) -> Int? {
        var result = 1000
        for parameter in parameters {
            let pair = parameter.split(separator: UInt8(ascii: "="), maxSplits: 1, omittingEmptySubsequences: false)
            guard pair.count == 2, equalsLowercase(trimmed(pair[0]), "q") else { continue }
            let value = Array(trimmed(pair[1]))
            guard let first = value.first, first == UInt8(ascii: "0") || first == UInt8(ascii: "1") else { return nil }
            var thousandths = Int(first - UInt8(ascii: "0")) * 1000
            if value.count > 1 {
                guard value[1] == UInt8(ascii: "."), value.count <= 5 else { return nil }
                var scale = 100
                for digit in value[2...] {
                    guard digit &- UInt8(ascii: "0") <= 9 else { return nil }
                    thousandths += Int(digit - UInt8(ascii: "0")) * scale
                    scale /= 10
                }
            }
            guard thousandths <= 1000 else { return nil }
            result = thousandths
        }
        return result
    }

    private static func trimmed<S: BidirectionalCollection>(_ bytes: S) -> S.SubSequence where S.Element == UInt8 {
        var slice = bytes[...]
        while let first = slice.first, first == 0x20 || first == 0x09 { slice = slice.dropFirst() }
        while let last = slice.last, last == 0x20 || last == 0x09 { slice = slice.dropLast() }
        return slice
    }

    private static func equalsLowercase<S: Collection>(_ bytes: S, _ lowercase: StaticString) -> Bool
    where S.Element == UInt8 {
        guard bytes.count == lowercase.utf8CodeUnitCount else { return false }
        var offset = 0
        for byte in bytes {
            let lowered = byte >= UInt8(ascii: "A") && byte <= UInt8(ascii: "Z") ? byte | 0x20 : byte
            guard lowered == lowercase.utf8Start[offset] else { return false }
            offset += 1
        }
        return true
    }
}
