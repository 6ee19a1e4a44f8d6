import COpenSSL

/// Client-side TLS settings shared by every upstream connection: TLS 1.2+,
/// peer verification against the system trust store and/or a CA file.
///
/// `@unchecked Sendable`: the SSL_CTX is fully configured in `init` and only
/// read afterwards (SSL_new takes its own reference under OpenSSL's lock),
/// which OpenSSL documents as safe across threads.
public final class TLSClientContext: @unchecked Sendable {
    let context: OpaquePointer

    /// - Parameters:
    ///   - caFile: an extra PEM bundle of trusted CAs (e.g. a test CA).
    ///   - useSystemTrust: also trust the system's default CA store.
    public init(caFile: String? = nil, useSystemTrust: Bool = true) throws(TLSError) {
        ERR_clear_error()
        guard caFile != nil || useSystemTrust else {
            throw TLSError(.configuration, "no trust anchors: neither a CA file nor the system trust store")
        }
        guard let context = SSL_CTX_new(TLS_client_method()) else {
            throw TLSError(.configuration, "cannot create client context: " + OpenSSLError.drainText(or: "SSL_CTX_new"))
        }
        self.context = context
        // From here `deinit` frees the context if a later step throws.
        try configureCommon(context)
        SSL_CTX_set_verify(context, SSL_VERIFY_PEER, nil)
        if useSystemTrust, SSL_CTX_set_default_verify_paths(context) != 1 {
            throw TLSError(.configuration, "cannot load the system trust store: " + OpenSSLError.drainText(or: "unknown"))
        }
        if let caFile, SSL_CTX_load_verify_locations(context, caFile, nil) != 1 {
            throw TLSError(
                .configuration, "cannot load CA file \(caFile): " + OpenSSLError.drainText(or: "no certificate in it"))
        }
    }

    deinit { SSL_CTX_free(context) }
}

/// Settings both sides share: TLS 1.2 minimum, no compression (CRIME), no
/// renegotiation (so a write never has to wait for a read), buffers released
/// while a connection is idle.
func configureCommon(_ context: OpaquePointer) throws(TLSError) {
    guard cgw_SSL_CTX_set_min_proto_version(context, cgw_TLS1_2_VERSION()) == 1 else {
        throw TLSError(.configuration, "cannot require TLS 1.2: " + OpenSSLError.drainText(or: "unknown"))
    }
    _ = cgw_SSL_CTX_set_options(context, cgw_SSL_OP_NO_COMPRESSION() | cgw_SSL_OP_NO_RENEGOTIATION())
    _ = cgw_SSL_CTX_set_mode(context, cgw_SSL_MODE_RELEASE_BUFFERS() | cgw_SSL_MODE_ACCEPT_MOVING_WRITE_BUFFER())
}
