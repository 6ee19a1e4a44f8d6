/// A TLS failure. `reason` is a short text safe to log: OpenSSL's reason
/// string or the certificate check that failed, never key material.
public struct TLSError: Error, Sendable, Equatable, CustomStringConvertible {
    /// What went wrong, for callers that react differently (e.g. an
    /// unexpected EOF is a truncation, not a broken peer).
    public enum Kind: Sendable, Equatable {
        /// A context could not be built (unreadable certificate, key or CA file).
        case configuration
        /// The peer's certificate names another host or IP address.
        case hostnameMismatch
        /// The chain does not lead to a trusted CA.
        case unknownCA
        /// The certificate (or one in its chain) is expired or not yet valid.
        case expired
        /// Any other certificate verification failure.
        case certificateInvalid
        /// The handshake failed for another reason (alert from the peer,
        /// no common protocol version or cipher...).
        case handshake
        /// The transport closed without a close_notify: data may be missing.
        case unexpectedEOF
        /// A protocol violation after the handshake.
        case protocolError
    }

    public var kind: Kind
    public var reason: String

    public init(_ kind: Kind, _ reason: String) {
        self.kind = kind
        self.reason = reason
    }

    public var description: String { "TLS error: \(reason)" }
}
