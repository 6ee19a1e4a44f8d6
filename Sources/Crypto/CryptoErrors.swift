/// Why a `GATEWAY_SECRET` value was refused. The description names the
/// variable and the rule it broke, never the value (not even a fragment).
public struct SecretError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: Equatable, Sendable {
        case empty
        case notHex
        case tooShort(hexDigits: Int)
    }

    private let code: Code

    /// Minimum secret length in bytes (64 hex digits).
    public static let minimumByteCount = 32

    public static let empty = SecretError(code: .empty)
    public static let notHex = SecretError(code: .notHex)
    public static func tooShort(hexDigits: Int) -> SecretError { SecretError(code: .tooShort(hexDigits: hexDigits)) }

    public var description: String {
        switch code {
        case .empty:
            "GATEWAY_SECRET is empty: set it to at least \(Self.minimumByteCount * 2) hex digits (e.g. from `openssl rand -hex 32`)"
        case .notHex:
            "GATEWAY_SECRET is not hexadecimal: use an even number of digits 0-9/a-f (e.g. from `openssl rand -hex 32`)"
        case .tooShort(let digits):
            "GATEWAY_SECRET is too short: \(digits) hex digits, at least \(Self.minimumByteCount * 2) required (e.g. from `openssl rand -hex 32`)"
        }
    }
}

/// A failure of a cryptographic operation. Authentication failures do not say
/// whether the key, the associated data or the ciphertext was wrong: GCM
/// cannot tell them apart, and an attacker should not learn which.
public struct CryptoError: Error, Sendable, Equatable, CustomStringConvertible {
    private enum Code: Equatable, Sendable {
        case authenticationFailed
        case truncated
        case invalidKeyLength(Int)
        case backend(String)
    }

    private let code: Code

    /// Tampered ciphertext, wrong key or wrong associated data.
    public static let authenticationFailed = CryptoError(code: .authenticationFailed)
    /// Shorter than a nonce plus a tag: not something `seal` produced.
    public static let truncated = CryptoError(code: .truncated)
    public static func invalidKeyLength(_ count: Int) -> CryptoError { CryptoError(code: .invalidKeyLength(count)) }
    /// OpenSSL refused a call that should not fail (allocation, broken install).
    public static func backend(_ call: String) -> CryptoError { CryptoError(code: .backend(call)) }

    public var description: String {
        switch code {
        case .authenticationFailed: "decryption failed: authentication tag mismatch (wrong key, wrong associated data or tampered data)"
        case .truncated: "decryption failed: sealed data shorter than nonce and tag"
        case .invalidKeyLength(let count): "invalid AES-256 key length \(count) bytes (32 required)"
        case .backend(let call): "OpenSSL call \(call) failed"
        }
    }
}
