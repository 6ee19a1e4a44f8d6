import Crypto

/// Encrypts a user's credentials for storage: AES-256-GCM under the key
/// derived from `GATEWAY_SECRET` for purpose "tokens", with the user id as
/// associated data so a sealed value copied to another user's row fails.
struct TokenCipher: Sendable {
    struct Credentials: Equatable {
        var accessToken: String
        var refreshToken: String
        var tokenSecret: String?
    }

    private let key: [UInt8]
    private static let formatVersion: UInt8 = 1
    private static let keyCheckPlaintext = Array("withings-gateway token key check v1".utf8)
    private static let keyCheckAAD = Array("key-check".utf8)

    init(secret: GatewaySecret) {
        key = secret.derivedKey(purpose: "tokens")
    }

    func seal(_ credentials: Credentials, userID: String) -> [UInt8] {
        // version | access | refresh | token secret (each: present byte, u32 length, bytes)
        var plaintext: [UInt8] = [Self.formatVersion]
        Self.append(credentials.accessToken, to: &plaintext)
        Self.append(credentials.refreshToken, to: &plaintext)
        Self.append(credentials.tokenSecret, to: &plaintext)
        defer { for index in plaintext.indices { plaintext[index] = 0 } }
        return AESGCM.seal(plaintext, key: key, aad: Array(userID.utf8))
    }

    func open(_ sealed: [UInt8], userID: String) throws(TokenStoreError) -> Credentials {
        let plaintext: [UInt8]
        do {
            plaintext = try AESGCM.open(sealed, key: key, aad: Array(userID.utf8))
        } catch {
            throw .undecryptable(userID: userID)
        }
        var reader = Reader(bytes: plaintext)
        guard reader.byte() == Self.formatVersion,
              let access = reader.field() ?? nil,
              let refresh = reader.field() ?? nil,
              let tokenSecret = reader.field(),
              reader.atEnd
        else { throw .corrupt("sealed tokens of user \(userID) have an unknown layout") }
        return Credentials(accessToken: access, refreshToken: refresh, tokenSecret: tokenSecret)
    }

    /// A value stored once per database; opening it with another secret
    /// fails, which turns a wrong GATEWAY_SECRET into a start-up error
    /// instead of a failure on the first request.
    func makeKeyCheck() -> [UInt8] {
        AESGCM.seal(Self.keyCheckPlaintext, key: key, aad: Self.keyCheckAAD)
    }

    func verifyKeyCheck(_ sealed: [UInt8]) -> Bool {
        (try? AESGCM.open(sealed, key: key, aad: Self.keyCheckAAD)) == Self.keyCheckPlaintext
    }

    private static func append(_ text: String?, to out: inout [UInt8]) {
        guard let text else { return out.append(0) }
        let bytes = Array(text.utf8)
        out.append(1)
        let count = UInt32(bytes.count)
        out.append(contentsOf: [UInt8(count >> 24), UInt8(count >> 16 & 0xFF), UInt8(count >> 8 & 0xFF), UInt8(count & 0xFF)])
        out.append(contentsOf: bytes)
    }

    private struct Reader {
        let bytes: [UInt8]
        var offset = 0

        var atEnd: Bool { offset == bytes.count }

        mutating func byte() -> UInt8? {
            guard offset < bytes.count else { return nil }
            defer { offset += 1 }
            return bytes[offset]
        }

        /// nil: malformed; .some(nil): absent field; .some(text): present.
        mutating func field() -> String?? {
            switch byte() {
            case 0: return .some(nil)
            case 1:
                guard bytes.count - offset >= 4 else { return nil }
                let count = bytes[offset..<offset + 4].reduce(0) { $0 << 8 | Int($1) }
                offset += 4
                guard bytes.count - offset >= count else { return nil }
                defer { offset += count }
                return .some(String(decoding: bytes[offset..<offset + count], as: UTF8.self))
            default: return nil
            }
        }
    }
}
