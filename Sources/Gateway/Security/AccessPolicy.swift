/// What a client key may read.
public enum KeyScope: Sendable, Equatable {
    /// A service key: every connected user.
    case service
    /// A user-scoped key: that Withings user only.
    case user(String)
}

/// The outcome of DESIGN.md's authorization table for a `/users/{user_id}` route.
public enum AccessDecision: Sendable, Equatable {
    case allowed
    /// 401 + `WWW-Authenticate: Bearer`: no key, unknown or revoked.
    case unauthenticated
    /// 403: a valid key of another user.
    case forbidden
    /// 404: the user never connected (or was forgotten).
    case userNotFound
}

public enum AccessPolicy {
    /// The token of an `Authorization: Bearer …` header (scheme case-insensitive,
    /// RFC 6750 token68 characters only), else nil.
    public static func bearerToken(_ header: String?) -> String? {
        guard let header else { return nil }
        let utf8 = Array(header.utf8)
        guard utf8.count > 7, utf8.count <= 512 else { return nil }
        let scheme = String(decoding: utf8[0..<6], as: UTF8.self).lowercased()
        guard scheme == "bearer", utf8[6] == UInt8(ascii: " ") else { return nil }
        var token = utf8[7...]
        while token.first == UInt8(ascii: " ") { token = token.dropFirst() }
        while token.last == UInt8(ascii: " ") { token = token.dropLast() }
        guard !token.isEmpty, token.allSatisfy(isToken68) else { return nil }
        return String(decoding: token, as: UTF8.self)
    }

    private static func isToken68(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "a")...UInt8(ascii: "z"), UInt8(ascii: "A")...UInt8(ascii: "Z"),
            UInt8(ascii: "0")...UInt8(ascii: "9"), UInt8(ascii: "-"), UInt8(ascii: "."), UInt8(ascii: "_"),
            UInt8(ascii: "~"), UInt8(ascii: "+"), UInt8(ascii: "/"), UInt8(ascii: "="):
            true
        default: false
        }
    }

    /// The table, in order: authentication, then scope, then existence. A
    /// user-scoped key gets 403 for another user whether or not that user
    /// exists, so keys cannot probe which users are connected.
    public static func decide(scope: KeyScope?, targetUser: String, userIsConnected: Bool) -> AccessDecision {
        guard let scope else { return .unauthenticated }
        switch scope {
        case .service: break
        case .user(let owner): guard owner == targetUser else { return .forbidden }
        }
        return userIsConnected ? .allowed : .userNotFound
    }
}
