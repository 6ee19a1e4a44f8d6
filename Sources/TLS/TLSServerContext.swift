import COpenSSL

/// Server-side TLS settings: a certificate chain and its private key (PEM).
///
/// `@unchecked Sendable`: configured once in `init`, then only read by
/// SSL_new, which OpenSSL documents as safe across threads.
public final class TLSServerContext: @unchecked Sendable {
    let context: OpaquePointer

    public init(certificateFile: String, privateKeyFile: String) throws(TLSError) {
        ERR_clear_error()
        guard let context = SSL_CTX_new(TLS_server_method()) else {
            throw TLSError(.configuration, "cannot create server context: " + OpenSSLError.drainText(or: "SSL_CTX_new"))
        }
        self.context = context
        try configureCommon(context)
        guard SSL_CTX_use_certificate_chain_file(context, certificateFile) == 1 else {
            throw TLSError(
                .configuration,
                "cannot load certificate \(certificateFile): " + OpenSSLError.drainText(or: "unreadable"))
        }
        // The key file's contents never appear in the message, only its path.
        guard SSL_CTX_use_PrivateKey_file(context, privateKeyFile, SSL_FILETYPE_PEM) == 1 else {
            throw TLSError(
                .configuration,
                "cannot load private key \(privateKeyFile): " + OpenSSLError.drainText(or: "unreadable"))
        }
        guard SSL_CTX_check_private_key(context) == 1 else {
            throw TLSError(.configuration, "private key does not match the certificate")
        }
    }

    deinit { SSL_CTX_free(context) }
}
