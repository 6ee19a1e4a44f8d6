import Crypto

/// Client API key secrets: `wgk_<id>_<random>`, where `id` is 16 lowercase
/// hex digits (public: listed, used to revoke) and `random` is 32 random bytes
/// in base64url. Only SHA-256 of the whole secret is stored; 256 random bits
/// make a slow password hash unnecessary.
enum APIKeySecret {
    static let prefix = "wgk_"
    static let idHexDigits = 16
    static let randomByteCount = 32
    /// base64url length of 32 bytes without padding.
    static let randomCharacterCount = 43
    static let length = prefix.utf8.count + idHexDigits + 1 + randomCharacterCount

    static func generate() -> (id: String, secret: String) {
        let id = ByteEncoding.hex(Digest.randomBytes(idHexDigits / 2))
        let random = ByteEncoding.base64URL(Digest.randomBytes(randomByteCount))
        return (id, prefix + id + "_" + random)
    }

    /// The key id of a well-formed secret; nil for anything else, checked
    /// before any database work so hostile input costs nothing.
    static func keyID(of secret: String) -> String? {
        let bytes = Array(secret.utf8)
        guard bytes.count == length, bytes.starts(with: prefix.utf8) else { return nil }
        let idStart = prefix.utf8.count
        let idEnd = idStart + idHexDigits
        let id = bytes[idStart..<idEnd]
        guard id.allSatisfy(isLowerHex), bytes[idEnd] == UInt8(ascii: "_"),
              bytes[(idEnd + 1)...].allSatisfy(isBase64URL)
        else { return nil }
        return String(decoding: id, as: UTF8.self)
    }

    static func hash(_ secret: String) -> [UInt8] { Digest.sha256(Array(secret.utf8)) }

    private static func isLowerHex(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "f")).contains(byte)
    }

    private static func isBase64URL(_ byte: UInt8) -> Bool {
        (UInt8(ascii: "A")...UInt8(ascii: "Z")).contains(byte) || (UInt8(ascii: "a")...UInt8(ascii: "z")).contains(byte)
            || (UInt8(ascii: "0")...UInt8(ascii: "9")).contains(byte) || byte == UInt8(ascii: "-") || byte == UInt8(ascii: "_")
    }
}
