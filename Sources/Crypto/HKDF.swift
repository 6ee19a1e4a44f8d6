import COpenSSL

/// HKDF (RFC 5869) on OpenSSL's EVP_PKEY HKDF implementation.
public enum HKDF {
    /// Extract-then-expand with SHA-256. `length` may be at most 255 * 32 bytes.
    public static func sha256(key: [UInt8], salt: [UInt8], info: [UInt8], length: Int) -> [UInt8] {
        precondition(length > 0 && length <= 255 * 32, "HKDF-SHA256 output length out of range")
        guard let context = EVP_PKEY_CTX_new_id(EVP_PKEY_HKDF, nil) else {
            preconditionFailure("EVP_PKEY_CTX_new_id(HKDF) failed: allocation failure or OpenSSL without HKDF")
        }
        defer { EVP_PKEY_CTX_free(context) }
        var out = [UInt8](repeating: 0, count: length)
        var outLength = length
        // Every call below only fails on allocation failure or invalid
        // arguments, which the precondition above and the fixed digest rule out.
        var ok = EVP_PKEY_derive_init(context) == 1 && EVP_PKEY_CTX_set_hkdf_md(context, EVP_sha256()) == 1
        ok = ok && key.withUnsafeBufferPointer { EVP_PKEY_CTX_set1_hkdf_key(context, $0.baseAddress, Int32($0.count)) } == 1
        // RFC 5869: an absent salt means HashLen zero bytes; OpenSSL does the same.
        if !salt.isEmpty {
            ok = ok && salt.withUnsafeBufferPointer { EVP_PKEY_CTX_set1_hkdf_salt(context, $0.baseAddress, Int32($0.count)) } == 1
        }
        if !info.isEmpty {
            ok = ok && info.withUnsafeBufferPointer { EVP_PKEY_CTX_add1_hkdf_info(context, $0.baseAddress, Int32($0.count)) } == 1
        }
        ok = ok && out.withUnsafeMutableBufferPointer { EVP_PKEY_derive(context, $0.baseAddress, &outLength) } == 1
        precondition(ok && outLength == length, "HKDF derivation failed")
        return out
    }
}
