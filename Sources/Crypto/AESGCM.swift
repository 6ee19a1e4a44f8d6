import COpenSSL

/// AES-256-GCM with a random 96-bit nonce per message.
/// Sealed format: nonce (12 bytes) | ciphertext | tag (16 bytes).
///
/// Random nonces are safe for far more messages than a token store will ever
/// seal under one key (the NIST bound is 2^32 per key).
public enum AESGCM {
    public static let keyByteCount = 32
    public static let nonceByteCount = 12
    public static let tagByteCount = 16

    /// Encrypts and authenticates `plaintext`, binding `aad` (e.g. the user id,
    /// so a ciphertext moved to another row fails to open).
    /// The key length is a programming error, not an input error: keys come
    /// from `GatewaySecret.derivedKey`, which always yields 32 bytes.
    public static func seal(_ plaintext: [UInt8], key: [UInt8], aad: [UInt8]) -> [UInt8] {
        precondition(key.count == keyByteCount, "AES-256-GCM needs a 32-byte key")
        let nonce = Digest.randomBytes(nonceByteCount)
        do {
            return try seal(plaintext, key: key, nonce: nonce, aad: aad)
        } catch {
            // Only allocation failure or a broken OpenSSL install gets here.
            preconditionFailure("\(error)")
        }
    }

    /// Sealing with a caller-chosen nonce, for known-answer tests only: reusing
    /// a nonce under one key destroys GCM's security.
    static func seal(_ plaintext: [UInt8], key: [UInt8], nonce: [UInt8], aad: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard let context = EVP_CIPHER_CTX_new() else { throw .backend("EVP_CIPHER_CTX_new") }
        defer { EVP_CIPHER_CTX_free(context) }
        guard EVP_EncryptInit_ex(context, EVP_aes_256_gcm(), nil, nil, nil) == 1,
              EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_IVLEN, Int32(nonce.count), nil) == 1,
              EVP_EncryptInit_ex(context, nil, nil, key, nonce) == 1
        else { throw .backend("EVP_EncryptInit_ex") }

        try update(context, aad: aad, encrypt: true)
        var ciphertext = [UInt8](repeating: 0, count: plaintext.count + tagByteCount)
        var written: Int32 = 0
        if !plaintext.isEmpty {
            let ok = ciphertext.withUnsafeMutableBufferPointer { out in
                EVP_EncryptUpdate(context, out.baseAddress, &written, plaintext, Int32(plaintext.count))
            }
            guard ok == 1, Int(written) == plaintext.count else { throw .backend("EVP_EncryptUpdate") }
        }
        var finalWritten: Int32 = 0
        var tag = [UInt8](repeating: 0, count: tagByteCount)
        let finished = ciphertext.withUnsafeMutableBufferPointer { out in
            EVP_EncryptFinal_ex(context, out.baseAddress.map { $0 + Int(written) }, &finalWritten)
        }
        guard finished == 1, finalWritten == 0 else { throw .backend("EVP_EncryptFinal_ex") }
        guard tag.withUnsafeMutableBytes({
            EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_GET_TAG, Int32(tagByteCount), $0.baseAddress)
        }) == 1 else { throw .backend("EVP_CTRL_GCM_GET_TAG") }
        ciphertext.replaceSubrange(plaintext.count..., with: tag)
        return nonce + ciphertext
    }

    /// Verifies and decrypts what `seal` produced with the same key and `aad`.
    /// Any mismatch is `.authenticationFailed`; no plaintext is released then.
    public static func open(_ sealed: [UInt8], key: [UInt8], aad: [UInt8]) throws(CryptoError) -> [UInt8] {
        guard key.count == keyByteCount else { throw .invalidKeyLength(key.count) }
        guard sealed.count >= nonceByteCount + tagByteCount else { throw .truncated }
        let nonce = Array(sealed[..<nonceByteCount])
        let ciphertext = Array(sealed[nonceByteCount..<(sealed.count - tagByteCount)])
        var tag = Array(sealed[(sealed.count - tagByteCount)...])

        guard let context = EVP_CIPHER_CTX_new() else { throw .backend("EVP_CIPHER_CTX_new") }
        defer { EVP_CIPHER_CTX_free(context) }
        guard EVP_DecryptInit_ex(context, EVP_aes_256_gcm(), nil, nil, nil) == 1,
              EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_IVLEN, Int32(nonceByteCount), nil) == 1,
              EVP_DecryptInit_ex(context, nil, nil, key, nonce) == 1
        else { throw .backend("EVP_DecryptInit_ex") }

        try update(context, aad: aad, encrypt: false)
        // One spare block: OpenSSL may not write past `count` for GCM, but the
        // API contract only promises `inl + block_size - 1`.
        var plaintext = [UInt8](repeating: 0, count: ciphertext.count + 16)
        var written: Int32 = 0
        if !ciphertext.isEmpty {
            let ok = plaintext.withUnsafeMutableBufferPointer { out in
                EVP_DecryptUpdate(context, out.baseAddress, &written, ciphertext, Int32(ciphertext.count))
            }
            guard ok == 1 else { throw .backend("EVP_DecryptUpdate") }
        }
        guard tag.withUnsafeMutableBytes({
            EVP_CIPHER_CTX_ctrl(context, EVP_CTRL_GCM_SET_TAG, Int32(tagByteCount), $0.baseAddress)
        }) == 1 else { throw .backend("EVP_CTRL_GCM_SET_TAG") }
        var finalWritten: Int32 = 0
        let verified = plaintext.withUnsafeMutableBufferPointer { out in
            EVP_DecryptFinal_ex(context, out.baseAddress.map { $0 + Int(written) }, &finalWritten)
        }
        guard verified == 1 else {
            // Do not leave unauthenticated plaintext around longer than needed.
            for index in plaintext.indices { plaintext[index] = 0 }
            throw .authenticationFailed
        }
        return Array(plaintext.prefix(Int(written + finalWritten)))
    }

    /// Feeds associated data (GCM treats an update with no output buffer as AAD).
    private static func update(_ context: OpaquePointer, aad: [UInt8], encrypt: Bool) throws(CryptoError) {
        guard !aad.isEmpty else { return }
        var ignored: Int32 = 0
        let ok = encrypt
            ? EVP_EncryptUpdate(context, nil, &ignored, aad, Int32(aad.count))
            : EVP_DecryptUpdate(context, nil, &ignored, aad, Int32(aad.count))
        guard ok == 1 else { throw .backend(encrypt ? "EVP_EncryptUpdate(aad)" : "EVP_DecryptUpdate(aad)") }
    }
}
