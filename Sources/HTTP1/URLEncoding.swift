/// Percent-encoding and `application/x-www-form-urlencoded` helpers shared by
/// the server (query strings), the upstream client (form bodies), the OAuth
/// signers and the simulator. Pure and allocation-light.
public enum URLEncoding {
    /// Characters RFC 3986 §2.3 calls unreserved; everything else is
    /// percent-encoded. This is also exactly the set RFC 5849 §3.6 leaves
    /// alone, so OAuth 1.0 signatures can use it.
    @inline(__always)
    static func isUnreserved(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "A")...UInt8(ascii: "Z"), UInt8(ascii: "a")...UInt8(ascii: "z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"):
            return true
        default:
            return false
        }
    }

    private static let upperHex: [UInt8] = Array("0123456789ABCDEF".utf8)

    /// Percent-encodes every byte outside the unreserved set (uppercase hex).
    public static func percentEncode(_ value: String) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(value.utf8.count)
        for byte in value.utf8 {
            if isUnreserved(byte) {
                out.append(byte)
            } else {
                out.append(UInt8(ascii: "%"))
                out.append(upperHex[Int(byte >> 4)])
                out.append(upperHex[Int(byte & 0xF)])
            }
        }
        return String(decoding: out, as: UTF8.self)
    }

    /// Decodes `%XX` escapes (and `+` as space when `plusIsSpace`).
    /// Returns nil for a malformed escape or for bytes that are not UTF-8,
    /// so callers can answer 400 instead of guessing.
    public static func percentDecode<C: Collection>(_ input: C, plusIsSpace: Bool = true) -> String?
    where C.Element == UInt8 {
        var out: [UInt8] = []
        out.reserveCapacity(input.count)
        var index = input.startIndex
        while index != input.endIndex {
            let byte = input[index]
            if byte == UInt8(ascii: "%") {
                let high = input.index(after: index)
                guard high != input.endIndex else { return nil }
                let low = input.index(after: high)
                guard low != input.endIndex, let h = hexValue(input[high]), let l = hexValue(input[low]) else {
                    return nil
                }
                out.append(h << 4 | l)
                index = input.index(after: low)
                continue
            }
            out.append(plusIsSpace && byte == UInt8(ascii: "+") ? UInt8(ascii: " ") : byte)
            index = input.index(after: index)
        }
        return String(validating: out, as: UTF8.self)
    }

    public static func percentDecode(_ input: String, plusIsSpace: Bool = true) -> String? {
        percentDecode(Array(input.utf8), plusIsSpace: plusIsSpace)
    }

    /// Parses `a=1&b=2` into ordered pairs. A key without `=` gets an empty
    /// value; empty segments (`a=1&&b=2`) are skipped. Returns nil when any
    /// escape is malformed.
    public static func parseForm<C: Collection>(_ input: C) -> [(name: String, value: String)]?
    where C.Element == UInt8, C.Index == Int {
        var pairs: [(name: String, value: String)] = []
        var segmentStart = input.startIndex
        var index = input.startIndex
        while true {
            let atEnd = index == input.endIndex
            if atEnd || input[index] == UInt8(ascii: "&") {
                if segmentStart < index {
                    let segment = input[segmentStart..<index]
                    let equals = segment.firstIndex(of: UInt8(ascii: "="))
                    let rawName = segment[segment.startIndex..<(equals ?? segment.endIndex)]
                    let rawValue = equals.map { segment[($0 + 1)..<segment.endIndex] } ?? segment[segment.endIndex...]
                    guard let name = percentDecode(rawName), let value = percentDecode(rawValue) else { return nil }
                    pairs.append((name, value))
                }
                if atEnd { break }
                segmentStart = index + 1
            }
            index += 1
        }
        return pairs
    }

    public static func parseForm(_ input: String) -> [(name: String, value: String)]? {
        parseForm(Array(input.utf8))
    }

    /// Serialises pairs as a form body / query string, percent-encoding both
    /// sides with the unreserved set (so `+` and space are unambiguous).
    public static func encodeForm(_ pairs: [(name: String, value: String)]) -> String {
        var out = ""
        for (offset, pair) in pairs.enumerated() {
            if offset > 0 { out += "&" }
            out += percentEncode(pair.name)
            out += "="
            out += percentEncode(pair.value)
        }
        return out
    }

    @inline(__always)
    static func hexValue(_ byte: UInt8) -> UInt8? {
        switch byte {
        case UInt8(ascii: "0")...UInt8(ascii: "9"): return byte - UInt8(ascii: "0")
        case UInt8(ascii: "a")...UInt8(ascii: "f"): return byte - UInt8(ascii: "a") + 10
        case UInt8(ascii: "A")...UInt8(ascii: "F"): return byte - UInt8(ascii: "A") + 10
        default: return nil
        }
    }
}
