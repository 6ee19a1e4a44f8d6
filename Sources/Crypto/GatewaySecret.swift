/// The operator's `GATEWAY_SECRET`: at least 32 random bytes written as hex.
/// Keys for each use (token encryption, OAuth state signing, ...) are derived
/// from it with HKDF so that no two uses share key material.
///
/// `description` is redacted so the secret cannot leak through string
/// interpolation into a log line or an error message.
public struct GatewaySecret: Sendable, CustomStringConvertible {
    private let bytes: [UInt8]

    /// Fixed HKDF salt: domain separation from any other use of the same secret.
    private static let salt = Array("withings-gateway/hkdf/v1".utf8)

    /// Parses hex (either case, surrounding whitespace ignored, as a value
    /// pasted into an environment file often has a trailing newline).
    public init(hex: String) throws(SecretError) {
        let trimmed = hex.utf8.drop { Self.isSpace($0) }.reversed().drop { Self.isSpace($0) }.reversed()
        let text = String(decoding: trimmed, as: UTF8.self)
        guard !text.isEmpty else { throw .empty }
        guard let bytes = ByteEncoding.fromHex(text) else { throw .notHex }
        guard bytes.count >= SecretError.minimumByteCount else { throw .tooShort(hexDigits: text.utf8.count) }
        self.bytes = bytes
    }

    /// A 32-byte key for one purpose (e.g. "tokens", "oauth-state").
    /// The same secret and purpose always give the same key.
    public func derivedKey(purpose: String) -> [UInt8] {
        HKDF.sha256(key: bytes, salt: Self.salt, info: Array(purpose.utf8), length: 32)
    }

    public var description: String { "GatewaySecret(redacted)" }

    private static func isSpace(_ byte: UInt8) -> Bool {
        byte == UInt8(ascii: " ") || byte == UInt8(ascii: "\t") || byte == UInt8(ascii: "\n") || byte == UInt8(ascii: "\r")
    }
}
