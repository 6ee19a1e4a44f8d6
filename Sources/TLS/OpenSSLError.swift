import COpenSSL

/// Reads OpenSSL's per-thread error queue. Every OpenSSL call site clears
/// the queue first, so what is found belongs to the failing call.
enum OpenSSLError {
    /// Empties the queue; returns the reason of the earliest entry (the
    /// root cause), or nil when the queue was empty.
    static func drain() -> (code: UInt, text: String)? {
        var first: (code: UInt, text: String)?
        while true {
            let code = ERR_get_error()
            if code == 0 { break }
            if first == nil { first = (code, reasonText(code)) }
        }
        return first
    }

    static func reasonText(_ code: UInt) -> String {
        if let reason = ERR_reason_error_string(code) { return String(cString: reason) }
        return "OpenSSL error \(code)"
    }

    /// The queued reason (emptying the queue) or `fallback`.
    static func drainText(or fallback: String) -> String {
        drain()?.text ?? fallback
    }

    /// Translates an X509_V_ERR_* code into a kind and a clear reason.
    static func verification(_ result: Int) -> TLSError {
        let text = X509_verify_cert_error_string(result).map { String(cString: $0) } ?? "error \(result)"
        let prefix = "certificate verify failed: "
        switch Int32(result) {
        case X509_V_ERR_HOSTNAME_MISMATCH:
            return TLSError(.hostnameMismatch, prefix + "hostname mismatch")
        case X509_V_ERR_IP_ADDRESS_MISMATCH:
            return TLSError(.hostnameMismatch, prefix + "IP address mismatch")
        case X509_V_ERR_CERT_HAS_EXPIRED:
            return TLSError(.expired, prefix + "certificate has expired")
        case X509_V_ERR_CERT_NOT_YET_VALID:
            return TLSError(.expired, prefix + "certificate is not yet valid")
        case X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT_LOCALLY, X509_V_ERR_UNABLE_TO_GET_ISSUER_CERT,
            X509_V_ERR_SELF_SIGNED_CERT_IN_CHAIN, X509_V_ERR_DEPTH_ZERO_SELF_SIGNED_CERT,
            X509_V_ERR_UNABLE_TO_VERIFY_LEAF_SIGNATURE:
            return TLSError(.unknownCA, prefix + "unknown CA (\(text))")
        default:
            return TLSError(.certificateInvalid, prefix + text)
        }
    }
}
