import Testing
import WithingsAPI

struct RequestBuilderTests {
    private func names(_ fields: [(String, String)]) -> [String] { fields.map(\.0) }
    private func value(_ fields: [(String, String)], _ name: String) -> String? { fields.first { $0.0 == name }?.1 }

    @Test func authorizationCodeGrant() {
        let fields = WithingsRequests.authorizationCode(
            code: "c0de", clientID: "demo-client", clientSecret: "demo-secret",
            redirectURI: "http://localhost:8080/oauth/callback")
        #expect(
            fields.map { "\($0.0)=\($0.1)" } == [
                "action=requesttoken", "grant_type=authorization_code", "client_id=demo-client",
                "client_secret=demo-secret", "code=c0de", "redirect_uri=http://localhost:8080/oauth/callback",
            ])
    }

    @Test func refreshGrant() {
        let fields = WithingsRequests.refresh(refreshToken: "rt", clientID: "id", clientSecret: "s")
        #expect(
            fields.map { "\($0.0)=\($0.1)" } == [
                "action=requesttoken", "grant_type=refresh_token", "client_id=id", "client_secret=s",
                "refresh_token=rt",
            ])
    }

    /// Expected signatures computed with `openssl dgst -sha256 -hmac demo-secret`.
    @Test func getnonceIsSignedOverSortedValues() {
        let fields = WithingsRequests.getnonce(
            clientID: "demo-client", clientSecret: "demo-secret", timestamp: 1_700_000_000)
        #expect(names(fields) == ["action", "client_id", "timestamp", "signature"])
        #expect(value(fields, "signature") == "ed8bb390250b1ffe0821b7135946072cd741845e044f87a0238d2d3100571b10")
    }

    @Test func signedGrantsReplaceTheSecretWithNonceAndSignature() {
        let expected = "17064e96b2da4e483ad684f51246b88ae65e24f1644a9aaf6e807d5357f176e4"
        let code = WithingsRequests.authorizationCodeSigned(
            code: "c", clientID: "demo-client", clientSecret: "demo-secret", redirectURI: "http://x/cb", nonce: "abc123"
        )
        #expect(value(code, "signature") == expected)
        #expect(value(code, "client_secret") == nil)
        #expect(value(code, "grant_type") == "authorization_code")
        #expect(value(code, "nonce") == "abc123")
        let refresh = WithingsRequests.refreshSigned(
            refreshToken: "r", clientID: "demo-client", clientSecret: "demo-secret", nonce: "abc123")
        #expect(value(refresh, "signature") == expected)
        #expect(value(refresh, "client_secret") == nil)
        #expect(value(refresh, "refresh_token") == "r")
        // Order of the signed fields does not matter: they are sorted by name.
        #expect(
            WithingsSignature.sign(
                [("nonce", "abc123"), ("client_id", "demo-client"), ("action", "requesttoken")],
                clientSecret: "demo-secret") == expected)
    }

    @Test(arguments: [
        (GetmeasQuery(), ["action=getmeas", "category=1"]),
        (GetmeasQuery(meastypes: [1]), ["action=getmeas", "meastype=1", "category=1"]),
        (GetmeasQuery(meastypes: [1, 6, 12], category: 2), ["action=getmeas", "meastypes=1,6,12", "category=2"]),
        (
            GetmeasQuery(startDate: 100, endDate: 200, offset: 400),
            ["action=getmeas", "category=1", "startdate=100", "enddate=200", "offset=400"]
        ),
        (GetmeasQuery(startDate: 100), ["action=getmeas", "category=1", "startdate=100"]),
        (
            GetmeasQuery(startDate: 100, endDate: 200, lastUpdate: 50),
            ["action=getmeas", "category=1", "lastupdate=50"]
        ),
        (GetmeasQuery(lastUpdate: 0, offset: 0), ["action=getmeas", "category=1", "lastupdate=0", "offset=0"]),
    ])
    func getmeasFields(query: GetmeasQuery, expected: [String]) {
        #expect(WithingsRequests.getmeas(query).map { "\($0.0)=\($0.1)" } == expected)
    }

    @Test func authorizeURL() {
        let url = WithingsRequests.authorizeURL(
            accountBase: "https://account.withings.com/", clientID: "demo client",
            redirectURI: "http://localhost:8080/oauth/callback", scope: "user.info,user.metrics,user.activity",
            state: "a+b/c=")
        #expect(
            url == "https://account.withings.com/oauth2_user/authorize2?response_type=code&client_id=demo%20client"
                + "&scope=user.info,user.metrics,user.activity"
                + "&redirect_uri=http%3A%2F%2Flocalhost%3A8080%2Foauth%2Fcallback&state=a%2Bb%2Fc%3D")
    }
}
