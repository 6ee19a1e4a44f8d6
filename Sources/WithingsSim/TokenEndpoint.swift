import Crypto
import HTTP1
import JSON

/// `POST /v2/oauth2 action=requesttoken` and `POST /v2/signature action=getnonce`.
///
/// Rotation follows Withings' guide: every refresh returns a new pair; the
/// refresh token it consumed stays usable until the new access token is
/// first used, or for `previousRefreshTokenGrace` seconds, whichever comes first.
extension WithingsSimulator {
    func tokenEndpoint(_ params: RequestParameters, now: Int64) -> HTTPResponse {
        if let action = params["action"], action != "requesttoken" {
            return Envelope.failure(status: 2554, error: "Not implemented: unknown action")
        }
        // A GET, or params sent outside the body, arrive here empty: Withings' FAQ error.
        guard let grant = params["grant_type"], grant == "authorization_code" || grant == "refresh_token" else {
            return Envelope.invalidParams("invalid grant_type")
        }
        guard params["action"] != nil else { return Envelope.invalidParams("missing action") }
        if let limited = admit(argumentsKey: params.argumentsKey(path: "/v2/oauth2", credential: nil), now: now) {
            return limited
        }
        if let refused = authenticateClient(params, signedAction: "requesttoken", now: now) { return refused }
        if grant == "authorization_code" {
            return exchangeCode(params, now: now)
        }
        return refresh(params, now: now)
    }

    /// Checks `client_id` with either `client_secret` or `nonce` + `signature`;
    /// nil when the client is authenticated.
    func authenticateClient(_ params: RequestParameters, signedAction: String, now: Int64) -> HTTPResponse? {
        guard let clientID = params["client_id"], clientID == configuration.clientID else {
            return Envelope.invalidParams("invalid client_id")
        }
        if let secret = params["client_secret"] {
            guard Digest.constantTimeEquals(Array(secret.utf8), Array(configuration.clientSecret.utf8)) else {
                return Envelope.invalidParams("invalid client_secret")
            }
            return nil
        }
        guard let nonce = params["nonce"], let signature = params["signature"] else {
            return Envelope.invalidParams("missing client_secret or signature")
        }
        let expected = signatureHex([signedAction, clientID, nonce])
        let nonceValid = state.withLock { state -> Bool in
            // A nonce is single use whatever the outcome.
            guard let expiry = state.nonces.removeValue(forKey: nonce) else { return false }
            return expiry > now
        }
        guard nonceValid, Digest.constantTimeEquals(Array(signature.lowercased().utf8), Array(expected.utf8)) else {
            state.withLock { $0.counters.signatureFailures += 1 }
            return Envelope.invalidParams(nonceValid ? "invalid signature" : "invalid nonce")
        }
        return nil
    }

    /// Hex HMAC-SHA256 over the values joined by commas (callers pass them in key order).
    func signatureHex(_ values: [String]) -> String {
        ByteEncoding.hex(Digest.hmac(.sha256, key: configuration.clientSecret, data: values.joined(separator: ",")))
    }

    private func exchangeCode(_ params: RequestParameters, now: Int64) -> HTTPResponse {
        guard let code = params["code"], let redirectURI = params["redirect_uri"] else {
            return Envelope.invalidParams("invalid code")
        }
        let lifetime = configuration.codeLifetime
        let grant = state.withLock { state -> TokenPair? in
            // Single use: a presented code is gone, whether or not it matched.
            guard let record = state.codes.removeValue(forKey: code), now - record.issuedAt <= lifetime,
                record.clientID == params["client_id"], record.redirectURI == redirectURI
            else { return nil }
            state.counters.codeExchanges += 1
            return mintPair(userID: record.userID, scope: record.scope, predecessor: nil, in: &state, now: now)
        }
        guard let grant else { return Envelope.invalidParams("invalid code") }
        return grant.response()
    }

    private func refresh(_ params: RequestParameters, now: Int64) -> HTTPResponse {
        let token = params["refresh_token"] ?? ""
        let grace = configuration.previousRefreshTokenGrace
        let outcome = state.withLock { state -> (TokenPair?, RefreshRejection) in
            guard var record = state.refreshTokens[token], record.isAlive(now: now) else {
                // Counted on arrival (`notePresented`); only the answer is chosen here.
                return (nil, state.refreshRejection)
            }
            if record.graceEndsAt == nil { record.graceEndsAt = now + grace }
            state.refreshTokens[token] = record
            state.counters.refreshes += 1
            state.counters.refreshesByUser[record.userID, default: 0] += 1
            let pair = mintPair(userID: record.userID, scope: record.scope, predecessor: token, in: &state, now: now)
            return (pair, state.refreshRejection)
        }
        if let pair = outcome.0 { return pair.response() }
        switch outcome.1 {
        case .invalidParams: return Envelope.invalidParams("invalid refresh_token")
        case .auth: return Envelope.failure(status: 401, error: Envelope.invalidRefreshTokenAuth, emptyBody: true)
        }
    }

    private func mintPair(
        userID: String, scope: String, predecessor: String?, in state: inout SimulatorState, now: Int64
    ) -> TokenPair {
        // Expired access tokens answer exactly like unknown ones, so they can go.
        if state.accessTokens.count > 4096 { state.accessTokens = state.accessTokens.filter { $0.value.expiresAt > now } }
        let pair = TokenPair(
            userID: userID, accessToken: Self.randomToken(), refreshToken: Self.randomToken(),
            expiresIn: configuration.tokenTTL, scope: scope, csrfToken: Self.randomToken(bytes: 16))
        state.accessTokens[pair.accessToken] = SimulatorState.AccessToken(
            userID: userID, scope: scope, expiresAt: now + configuration.tokenTTL, predecessor: predecessor)
        state.refreshTokens[pair.refreshToken] = SimulatorState.RefreshToken(
            userID: userID, scope: scope, expiresAt: now + configuration.refreshTokenLifetime)
        return pair
    }

    /// `POST /v2/signature action=getnonce`: `signature` = hex HMAC-SHA256 of
    /// "getnonce,<client_id>,<timestamp>"; the nonce is single use for `nonceLifetime`.
    func signatureEndpoint(_ params: RequestParameters, now: Int64) -> HTTPResponse {
        guard params["action"] == "getnonce" else {
            return Envelope.failure(status: 2554, error: "Not implemented: unknown action")
        }
        if let limited = admit(argumentsKey: nil, now: now) { return limited }
        guard let clientID = params["client_id"], clientID == configuration.clientID else {
            return Envelope.invalidParams("invalid client_id")
        }
        guard let timestampText = params["timestamp"], let timestamp = parseInteger(timestampText),
            abs(timestamp - now) <= configuration.timestampWindow
        else { return Envelope.invalidParams("invalid timestamp") }
        let expected = signatureHex(["getnonce", clientID, timestampText])
        guard let signature = params["signature"],
            Digest.constantTimeEquals(Array(signature.lowercased().utf8), Array(expected.utf8))
        else {
            state.withLock { $0.counters.signatureFailures += 1 }
            return Envelope.invalidParams("invalid signature")
        }
        let nonce = Self.randomToken(bytes: 16)
        let lifetime = configuration.nonceLifetime
        state.withLock { state in
            state.pruneIfLarge(
                now: now, codeLifetime: configuration.codeLifetime, timestampWindow: configuration.timestampWindow)
            state.nonces[nonce] = now + lifetime
        }
        return Envelope.ok { $0.field("nonce", nonce) }
    }
}

/// A freshly minted token pair and how the token endpoint renders it.
struct TokenPair: Sendable {
    var userID: String
    var accessToken: String
    var refreshToken: String
    var expiresIn: Int64
    var scope: String
    var csrfToken: String

    func response() -> HTTPResponse {
        Envelope.ok { writer in
            // Withings' spec types userid as an integer.
            writer.key("userid")
            if let numeric = parseInteger(userID) { writer.int(numeric) } else { writer.string(userID) }
            writer.field("access_token", accessToken)
            writer.field("refresh_token", refreshToken)
            writer.field("expires_in", expiresIn)
            writer.field("scope", scope)
            writer.field("csrf_token", csrfToken)
            writer.field("token_type", "Bearer")
        }
    }
}
