import Crypto
import HTTP1

/// Legacy OAuth 1.0 (retired by Withings in 2018, still spoken by
/// `WITHINGS_AUTH_MODE=oauth1`): the three-legged flow on the oauth host and
/// signed getmeas. Every request's signature, timestamp and nonce is verified.
extension WithingsSimulator {
    enum OAuth1Problem: String, Error {
        case parameterAbsent = "parameter_absent"
        case signatureMethodRejected = "signature_method_rejected"
        case versionRejected = "version_rejected"
        case consumerKeyUnknown = "consumer_key_unknown"
        case timestampRefused = "timestamp_refused"
        case nonceUsed = "nonce_used"
        case tokenRejected = "token_rejected"
        case signatureInvalid = "signature_invalid"
        case verifierInvalid = "verifier_invalid"
        case callbackRejected = "parameter_rejected"
    }

    /// Which token secret completes the signing key.
    enum OAuth1TokenKind { case none, request, access }

    struct SignedRequest {
        var parameters: RequestParameters
        var token: String?
    }

    /// Verifies a signed request (§3.2): consumer key, method, timestamp
    /// window, token, signature, then that the nonce is new. Failures are counted.
    func verifyOAuth1(_ request: HTTPRequest, expecting kind: OAuth1TokenKind, now: Int64)
        -> Result<SignedRequest, OAuth1Problem>
    {
        let result = checkOAuth1(request, expecting: kind, now: now)
        if case .failure = result { state.withLock { $0.counters.signatureFailures += 1 } }
        return result
    }

    private func checkOAuth1(_ request: HTTPRequest, expecting kind: OAuth1TokenKind, now: Int64)
        -> Result<SignedRequest, OAuth1Problem>
    {
        guard let pairs = OAuth1.collectParameters(request) else { return .failure(.parameterAbsent) }
        let params = RequestParameters(pairs)
        guard let consumerKey = params["oauth_consumer_key"], let signature = params["oauth_signature"],
            let method = params["oauth_signature_method"], let timestampText = params["oauth_timestamp"],
            let nonce = params["oauth_nonce"], !nonce.isEmpty
        else { return .failure(.parameterAbsent) }
        guard consumerKey == configuration.clientID else { return .failure(.consumerKeyUnknown) }
        guard method == "HMAC-SHA1" else { return .failure(.signatureMethodRejected) }
        if let version = params["oauth_version"], version != "1.0" { return .failure(.versionRejected) }
        guard let timestamp = parseInteger(timestampText), abs(timestamp - now) <= configuration.timestampWindow else {
            return .failure(.timestampRefused)
        }
        let token = params["oauth_token"]
        let tokenSecret: String? = state.withLock { state in
            switch kind {
            case .none: return ""
            case .request:
                guard let token, let record = state.oauth1RequestTokens[token], now - record.issuedAt <= 600 else {
                    return nil
                }
                return record.secret
            case .access:
                return token.flatMap { state.oauth1AccessTokens[$0]?.secret }
            }
        }
        guard let tokenSecret else { return .failure(.tokenRejected) }
        let host = request.headers["host"] ?? "localhost"
        let baseString = OAuth1.baseString(
            method: request.method.name, baseURI: OAuth1.baseURI(scheme: configuration.scheme, host: host, path: request.path),
            parameters: pairs)
        let expected = OAuth1.signature(
            baseString: baseString, consumerSecret: configuration.clientSecret, tokenSecret: tokenSecret)
        guard Digest.constantTimeEquals(Array(signature.utf8), Array(expected.utf8)) else {
            return .failure(.signatureInvalid)
        }
        // Nonces are remembered only for signed requests, so forgeries cannot burn them.
        let nonceKey = timestampText + ":" + nonce + ":" + (token ?? "")
        let fresh = state.withLock { state -> Bool in
            guard state.oauth1Nonces[nonceKey] == nil else { return false }
            state.pruneIfLarge(
                now: now, codeLifetime: configuration.codeLifetime, timestampWindow: configuration.timestampWindow)
            state.oauth1Nonces[nonceKey] = timestamp
            return true
        }
        guard fresh else { return .failure(.nonceUsed) }
        return .success(SignedRequest(parameters: params, token: token))
    }

    /// `/account/request_token`: signed with the consumer secret alone; the
    /// callback must be a registered redirect URI (its query may differ).
    func oauth1RequestToken(_ request: HTTPRequest, now: Int64) -> HTTPResponse {
        let signed: SignedRequest
        switch verifyOAuth1(request, expecting: .none, now: now) {
        case .success(let value): signed = value
        case .failure(let problem): return OAuth1Answer.problem(problem.rawValue)
        }
        guard let callback = signed.parameters["oauth_callback"], isRegisteredCallback(callback) else {
            return OAuth1Answer.problem(OAuth1Problem.callbackRejected.rawValue, status: 400)
        }
        let token = Self.randomToken(bytes: 16)
        let secret = Self.randomToken(bytes: 16)
        state.withLock { state in
            state.pruneIfLarge(
                now: now, codeLifetime: configuration.codeLifetime, timestampWindow: configuration.timestampWindow)
            state.oauth1RequestTokens[token] = SimulatorState.OAuth1RequestToken(
                secret: secret, callback: callback, issuedAt: now)
        }
        return OAuth1Answer.form([
            ("oauth_token", token), ("oauth_token_secret", secret), ("oauth_callback_confirmed", "true"),
        ])
    }

    private func isRegisteredCallback(_ callback: String) -> Bool {
        let withoutQuery = callback.split(separator: "?", maxSplits: 1, omittingEmptySubsequences: false)[0]
        return configuration.redirectURIs.contains(String(withoutQuery))
    }

    /// `/account/authorize`: the user approves (as `userid=` or the default
    /// user); redirects to the callback with `userid`, `oauth_token`, `oauth_verifier`.
    func oauth1Authorize(_ request: HTTPRequest) -> HTTPResponse {
        let now = self.now()
        guard let params = RequestParameters(request, body: false), let token = params["oauth_token"] else {
            return Self.pageError("invalid_request: oauth_token is missing")
        }
        // Withings' legacy clients signed this URL too; when they do, check it.
        // `userid` is the simulator's account chooser, added after signing, so it is left out.
        if params["oauth_signature"] != nil {
            let signedPart = HTTPRequest(
                method: request.method,
                target: request.path + "?" + URLEncoding.encodeForm(params.pairs.filter { $0.name != "userid" }),
                version: request.version, headers: request.headers)
            if case .failure(let problem) = verifyOAuth1(signedPart, expecting: .request, now: now) {
                return OAuth1Answer.problem(problem.rawValue)
            }
        }
        let userIndex: Int
        if let requested = params["userid"] {
            guard let index = self.userIndex(forID: requested) else { return Self.pageError("invalid_request: Unknown user") }
            userIndex = index
        } else {
            guard !userIDs.isEmpty else { return Self.pageError("invalid_request: No user account") }
            userIndex = state.withLock { $0.defaultUserIndex }
        }
        let userID = userIDs[userIndex]
        let verifier = Self.randomToken(bytes: 10)
        let callback = state.withLock { state -> String? in
            guard var record = state.oauth1RequestTokens[token], now - record.issuedAt <= 600 else { return nil }
            record.authorizedUser = userID
            record.verifier = verifier
            state.oauth1RequestTokens[token] = record
            return record.callback
        }
        guard let callback else { return Self.pageError("invalid_request: Unknown or expired oauth_token") }
        return Self.redirect(to: callback, [("userid", userID), ("oauth_token", token), ("oauth_verifier", verifier)])
    }

    /// `/account/access_token`: signed with the request token's secret and
    /// carrying its verifier; the request token is single use.
    func oauth1AccessToken(_ request: HTTPRequest, now: Int64) -> HTTPResponse {
        let signed: SignedRequest
        switch verifyOAuth1(request, expecting: .request, now: now) {
        case .success(let value): signed = value
        case .failure(let problem): return OAuth1Answer.problem(problem.rawValue)
        }
        let verifier = signed.parameters["oauth_verifier"]
        let token = Self.randomToken(bytes: 16)
        let secret = Self.randomToken(bytes: 16)
        let userID = state.withLock { state -> String? in
            guard let requestToken = signed.token, let record = state.oauth1RequestTokens[requestToken],
                let user = record.authorizedUser, let expected = record.verifier, verifier == expected
            else { return nil }
            state.oauth1RequestTokens[requestToken] = nil
            state.oauth1AccessTokens[token] = SimulatorState.OAuth1AccessToken(secret: secret, userID: user)
            return user
        }
        guard let userID else { return OAuth1Answer.problem(OAuth1Problem.verifierInvalid.rawValue) }
        return OAuth1Answer.form([("oauth_token", token), ("oauth_token_secret", secret), ("userid", userID)])
    }

    /// Signed `/measure?action=getmeas&userid=…`: a bad signature, timestamp
    /// or nonce is legacy status 342; `userid` must be the token's user (247).
    func oauth1Getmeas(_ request: HTTPRequest, now: Int64) -> HTTPResponse {
        let signed: SignedRequest
        switch verifyOAuth1(request, expecting: .access, now: now) {
        case .success(let value): signed = value
        case .failure: return Envelope.failure(status: 342, error: "Failed to verify signature")
        }
        let params = signed.parameters
        guard params["action"] == "getmeas" else {
            return Envelope.failure(status: 2554, error: "Not implemented: unknown action")
        }
        let tokenUser = signed.token.flatMap { token in state.withLock { $0.oauth1AccessTokens[token]?.userID } }
        guard let tokenUser, params["userid"] == tokenUser else {
            return Envelope.failure(status: 247, error: "Invalid userid")
        }
        if let limited = admit(argumentsKey: params.argumentsKey(path: "/measure", credential: signed.token), now: now) {
            return limited
        }
        var pageSize = configuration.pageSize
        if let limitText = params["limit"] {
            guard let limit = parseInteger(limitText), limit > 0, limit <= 10_000 else {
                return Envelope.invalidParams("invalid limit")
            }
            pageSize = Int(limit)
        }
        let dataParams = RequestParameters(params.pairs.filter { !$0.name.hasPrefix("oauth_") && $0.name != "userid" })
        return getmeasPage(userID: tokenUser, params: dataParams, pageSize: pageSize, now: now)
    }
}

/// Answers of the legacy `/account/*` endpoints: form-encoded text, and
/// failures per the OAuth Problem Reporting convention.
enum OAuth1Answer {
    static func form(_ pairs: [(name: String, value: String)]) -> HTTPResponse {
        HTTPResponse(status: 200, contentType: "application/x-www-form-urlencoded", body: URLEncoding.encodeForm(pairs))
    }

    static func problem(_ name: String, status: Int = 401) -> HTTPResponse {
        HTTPResponse(status: status, contentType: "application/x-www-form-urlencoded", body: "oauth_problem=" + name)
    }
}
