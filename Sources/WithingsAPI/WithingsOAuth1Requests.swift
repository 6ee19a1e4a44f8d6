import HTTP1

/// Credentials a legacy OAuth 1.0 token endpoint answers with
/// (`oauth_token=…&oauth_token_secret=…[&userid=…]`, form-encoded).
public struct OAuth1Credentials: Sendable, Equatable {
    public var token: String
    public var tokenSecret: String
    /// Present in Withings' access-token answer.
    public var userID: String?

    public init(token: String, tokenSecret: String, userID: String? = nil) {
        self.token = token
        self.tokenSecret = tokenSecret
        self.userID = userID
    }
}

/// The legacy (retired 2018) three-legged OAuth 1.0 flow and data calls of
/// withings-api.md §3: every request is a GET whose query carries the
/// parameters and the `oauth_*` signature fields. Endpoints:
/// `{oauth1Base}/account/request_token`, `/account/authorize`,
/// `/account/access_token`; data at `{apiBase}/measure`.
public enum WithingsOAuth1Requests {
    /// Step 1, signed with the consumer credentials only.
    public static func requestTokenURL(
        oauth1Base: String, consumerKey: String, consumerSecret: String, callback: String, nonce: String,
        timestamp: Int64
    ) -> String? {
        let signer = OAuth1Signer(consumerKey: consumerKey, consumerSecret: consumerSecret)
        return signedURL(
            WithingsRequests.trimmingTrailingSlashes(oauth1Base) + "/account/request_token", signer: signer,
            parameters: [], extra: [("oauth_callback", callback)], nonce: nonce, timestamp: timestamp)
    }

    /// Step 2, where the user's browser goes (signed with the temporary credentials, as Withings required).
    public static func authorizeURL(
        oauth1Base: String, consumerKey: String, consumerSecret: String, requestToken: OAuth1Credentials,
        nonce: String, timestamp: Int64
    ) -> String? {
        let signer = OAuth1Signer(
            consumerKey: consumerKey, consumerSecret: consumerSecret, token: requestToken.token,
            tokenSecret: requestToken.tokenSecret)
        return signedURL(
            WithingsRequests.trimmingTrailingSlashes(oauth1Base) + "/account/authorize", signer: signer,
            parameters: [], extra: [], nonce: nonce, timestamp: timestamp)
    }

    /// Step 3: exchanges the authorized temporary credentials (and the callback's
    /// `oauth_verifier`, when the server sent one) for token credentials.
    public static func accessTokenURL(
        oauth1Base: String, consumerKey: String, consumerSecret: String, requestToken: OAuth1Credentials,
        verifier: String?, nonce: String, timestamp: Int64
    ) -> String? {
        let signer = OAuth1Signer(
            consumerKey: consumerKey, consumerSecret: consumerSecret, token: requestToken.token,
            tokenSecret: requestToken.tokenSecret)
        let extra = verifier.map { [("oauth_verifier", $0)] } ?? []
        return signedURL(
            WithingsRequests.trimmingTrailingSlashes(oauth1Base) + "/account/access_token", signer: signer,
            parameters: [], extra: extra, nonce: nonce, timestamp: timestamp)
    }

    /// The legacy getmeas parameters: today's fields plus the explicit `userid`.
    public static func getmeasParameters(userID: String, query: GetmeasQuery) -> [(String, String)] {
        var fields = WithingsRequests.getmeas(query)
        fields.insert(("userid", userID), at: 1)
        return fields
    }

    /// A signed legacy getmeas call with token credentials.
    public static func getmeasURL(
        apiBase: String, consumerKey: String, consumerSecret: String, accessToken: OAuth1Credentials,
        userID: String, query: GetmeasQuery, nonce: String, timestamp: Int64
    ) -> String? {
        let signer = OAuth1Signer(
            consumerKey: consumerKey, consumerSecret: consumerSecret, token: accessToken.token,
            tokenSecret: accessToken.tokenSecret)
        return signedURL(
            WithingsRequests.trimmingTrailingSlashes(apiBase) + "/measure", signer: signer,
            parameters: getmeasParameters(userID: userID, query: query), extra: [], nonce: nonce,
            timestamp: timestamp)
    }

    /// Parses a token endpoint's form-encoded answer; nil when a field is missing.
    public static func credentials(_ body: [UInt8]) -> OAuth1Credentials? {
        guard let pairs = URLEncoding.parseForm(body) else { return nil }
        func field(_ name: String) -> String? {
            pairs.first { $0.name == name }.map(\.value).flatMap { $0.isEmpty ? nil : $0 }
        }
        guard let token = field("oauth_token"), let secret = field("oauth_token_secret") else { return nil }
        return OAuth1Credentials(token: token, tokenSecret: secret, userID: field("userid"))
    }

    private static func signedURL(
        _ url: String, signer: OAuth1Signer, parameters: [(String, String)], extra: [(String, String)],
        nonce: String, timestamp: Int64
    ) -> String? {
        guard
            let oauth = signer.sign(
                method: "GET", url: url, parameters: parameters, nonce: nonce, timestamp: timestamp,
                extraProtocolParameters: extra)
        else { return nil }
        return url + "?" + URLEncoding.encodeForm((parameters + oauth).map { (name: $0.0, value: $0.1) })
    }
}
