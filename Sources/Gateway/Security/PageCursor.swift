import Crypto

/// The opaque `cursor` of a measures page: the upstream offset, MAC'd
/// together with the user and the canonical query it belongs to, so a cursor
/// cannot be edited, nor replayed against another user or other filters.
///
/// Wire form: base64url(version | offset | first 16 bytes of HMAC-SHA256).
public struct PageCursorCodec: Sendable {
    private static let version: UInt8 = 1
    private static let macLength = 16
    private let key: [UInt8]

    /// `key` must be used for nothing else (see `init(secret:)`).
    public init(key: [UInt8]) {
        self.key = key
    }

    /// Keyed by HKDF from GATEWAY_SECRET for this purpose only.
    public init(secret: GatewaySecret) {
        self.init(key: secret.derivedKey(purpose: "page-cursor"))
    }

    /// `query` is the canonical form of every filter except the cursor itself.
    public func encode(offset: Int, userID: String, query: String) -> String {
        var payload: [UInt8] = [Self.version]
        BigEndian.append(UInt64(max(0, offset)), to: &payload)
        return ByteEncoding.base64URL(payload + mac(payload, userID: userID, query: query))
    }

    /// The offset, or nil for anything not made by `encode` for this user and query.
    public func decode(_ cursor: String, userID: String, query: String) -> Int? {
        guard cursor.utf8.count <= 64, let bytes = StrictBase64URL.decode(Substring(cursor)),
            bytes.count == 1 + 8 + Self.macLength, bytes[0] == Self.version
        else { return nil }
        let payload = Array(bytes[0..<9])
        guard Digest.constantTimeEquals(bytes[9...], mac(payload, userID: userID, query: query)) else { return nil }
        let offset = BigEndian.readUInt64(bytes[...], at: 1)
        guard offset <= UInt64(Int32.max) else { return nil }
        return Int(offset)
    }

    private func mac(_ payload: [UInt8], userID: String, query: String) -> [UInt8] {
        // NUL separators: neither a user id nor a canonical query contains one,
        // so ("ab","c") and ("a","bc") never collide.
        var data = payload
        data.append(0)
        data += Array(userID.utf8)
        data.append(0)
        data += Array(query.utf8)
        return Array(Digest.hmac(.sha256, key: key, data: data).prefix(Self.macLength))
    }
}
