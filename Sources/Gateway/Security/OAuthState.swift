import Crypto

/// What a verified `state` carries back to the callback.
public struct OAuthStateClaims: Sendable, Equatable {
    /// Random, hex; the single-use check is on this.
    public var nonce: String
    public var expiresAt: Int64
    /// The already validated app URL to send the browser back to.
    public var redirectTo: String?

    public init(nonce: String, expiresAt: Int64, redirectTo: String?) {
        self.nonce = nonce
        self.expiresAt = expiresAt
        self.redirectTo = redirectTo
    }
}

public enum OAuthStateError: Error, Sendable, Equatable {
    case malformed, badSignature, expired, alreadyUsed
}

/// The OAuth `state` parameter: signed with a key derived from
/// GATEWAY_SECRET, so any replica can check it, and carrying its own expiry
/// and the `redirect_to` it was issued for, so the gateway stores nothing
/// until the callback.
///
/// Wire form: base64url(version | expiresAt | nonce | redirect_to) "." base64url(HMAC-SHA256).
public struct OAuthStateCodec: Sendable {
    private static let version: UInt8 = 1
    private static let nonceLength = 16
    /// Browsers and Withings carry `state` in a URL; refuse absurd ones before any work.
    private static let maxTokenLength = 4096

    private let key: [UInt8]
    public let lifetimeSeconds: Int64

    /// `key` must be used for nothing else (see `init(secret:)`).
    public init(key: [UInt8], lifetimeSeconds: Int64 = 600) {
        self.key = key
        self.lifetimeSeconds = lifetimeSeconds
    }

    /// Keyed by HKDF from GATEWAY_SECRET for this purpose only: a state MAC
    /// can never pass as a cursor MAC, nor open a stored token.
    public init(secret: GatewaySecret, lifetimeSeconds: Int64 = 600) {
        self.init(key: secret.derivedKey(purpose: "oauth-state"), lifetimeSeconds: lifetimeSeconds)
    }

    public func issue(redirectTo: String?, now: Int64, nonce: [UInt8] = Digest.randomBytes(16)) -> String {
        precondition(nonce.count == Self.nonceLength, "nonce must be 16 bytes")
        var payload: [UInt8] = [Self.version]
        BigEndian.append(UInt64(bitPattern: now + lifetimeSeconds), to: &payload)
        payload += nonce
        payload += Array((redirectTo ?? "").utf8)
        let mac = Digest.hmac(.sha256, key: key, data: payload)
        return ByteEncoding.base64URL(payload) + "." + ByteEncoding.base64URL(mac)
    }

    /// Checks signature then expiry; single use is `OAuthStateReplayGuard`'s job.
    public func verify(_ token: String, now: Int64) -> Result<OAuthStateClaims, OAuthStateError> {
        guard token.utf8.count <= Self.maxTokenLength else { return .failure(.malformed) }
        let parts = token.split(separator: ".", omittingEmptySubsequences: false)
        guard parts.count == 2, let payload = StrictBase64URL.decode(parts[0]),
            let mac = StrictBase64URL.decode(parts[1])
        else { return .failure(.malformed) }
        guard Digest.constantTimeEquals(mac, Digest.hmac(.sha256, key: key, data: payload)) else {
            return .failure(.badSignature)
        }
        // Signed by us, so the layout is ours; still check rather than trap.
        guard payload.count >= 1 + 8 + Self.nonceLength, payload[0] == Self.version else {
            return .failure(.malformed)
        }
        let expiresAt = Int64(bitPattern: BigEndian.readUInt64(payload[...], at: 1))
        guard now < expiresAt else { return .failure(.expired) }
        let nonce = ByteEncoding.hex(payload[9..<(9 + Self.nonceLength)])
        let redirect = String(decoding: payload[(9 + Self.nonceLength)...], as: UTF8.self)
        return .success(OAuthStateClaims(nonce: nonce, expiresAt: expiresAt, redirectTo: redirect.isEmpty ? nil : redirect))
    }
}
