import Testing
import WithingsAPI

struct OAuth1SignerTests {
    // RFC 5849 §1.2: client credentials of printer.example.com.
    private let consumerKey = "dpf43f3p2l4k3l03"
    private let consumerSecret = "kd94hf93k423kf44"

    private func value(_ fields: [(String, String)]?, _ name: String) -> String? { fields?.first { $0.0 == name }?.1 }

    @Test func rfc5849Section1_2TemporaryCredentialRequest() {
        let signer = OAuth1Signer(consumerKey: consumerKey, consumerSecret: consumerSecret, includeVersion: false)
        let fields = signer.sign(
            method: "POST", url: "https://photos.example.net/initiate", nonce: "wIjqoS", timestamp: 137_131_200,
            extraProtocolParameters: [("oauth_callback", "http://printer.example.com/ready")])
        #expect(value(fields, "oauth_signature") == "74KNZJeDHnMBp0EMJ9ZHt/XKycU=")
    }

    @Test func rfc5849Section1_2TokenRequest() {
        let signer = OAuth1Signer(
            consumerKey: consumerKey, consumerSecret: consumerSecret, token: "hh5s93j4hdidpola",
            tokenSecret: "hdhd0244k9j7ao03", includeVersion: false)
        let fields = signer.sign(
            method: "POST", url: "https://photos.example.net/token", nonce: "walatlh", timestamp: 137_131_201,
            extraProtocolParameters: [("oauth_verifier", "hfdp7dh39dks9884")])
        #expect(value(fields, "oauth_signature") == "gKgrFCywp7rO0OXSjdot/IHF7IU=")
    }

    @Test func rfc5849Section1_2ProtectedResource() {
        let signer = OAuth1Signer(
            consumerKey: consumerKey, consumerSecret: consumerSecret, token: "nnch734d00sl2jdk",
            tokenSecret: "pfkkdhi9sl3r4s00", includeVersion: false)
        let fields = signer.sign(
            method: "GET", url: "http://photos.example.net/photos?file=vacation.jpg&size=original", nonce: "chapoH",
            timestamp: 137_131_202)
        #expect(value(fields, "oauth_signature") == "MdpQcU8iPSUjWoN/UDMsK2sui9I=")
        #expect(
            OAuth1Signer.authorizationHeader(fields ?? [], realm: "Photos")
                == #"OAuth realm="Photos", oauth_consumer_key="dpf43f3p2l4k3l03", oauth_token="nnch734d00sl2jdk", "#
                + #"oauth_signature_method="HMAC-SHA1", oauth_timestamp="137131202", oauth_nonce="chapoH", "#
                + #"oauth_signature="MdpQcU8iPSUjWoN%2FUDMsK2sui9I%3D""#)
    }

    /// RFC 5849 §3.1 request, §3.4.1.3.2 normalized parameters and §3.4.1.1 base string.
    @Test func rfc5849Section3BaseString() {
        let oauth = [
            ("oauth_consumer_key", "9djdj82h48djs9d2"), ("oauth_token", "kkk9d7dh3k39sjv7"),
            ("oauth_signature_method", "HMAC-SHA1"), ("oauth_timestamp", "137131201"), ("oauth_nonce", "7d8f3e4a"),
        ]
        let body = [("c2", ""), ("a3", "2 q")]  // "c2&a3=2+q", decoded
        let base = OAuth1Signer.signatureBaseString(
            method: "post", url: "HTTP://EXAMPLE.COM:80/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b#frag",
            parameters: body + oauth)
        #expect(
            base == "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D"
                + "%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a"
                + "%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7"
        )
        #expect(
            OAuth1Signer.normalizedParameters(
                [("b5", "=%3D"), ("a3", "a"), ("c@", ""), ("a2", "r b")] + body + oauth)
                == "a2=r%20b&a3=2%20q&a3=a&b5=%3D%253D&c%40=&c2=&oauth_consumer_key=9djdj82h48djs9d2"
                + "&oauth_nonce=7d8f3e4a&oauth_signature_method=HMAC-SHA1&oauth_timestamp=137131201"
                + "&oauth_token=kkk9d7dh3k39sjv7")
        // The RFC prints a signature for this request without its secrets; with the
        // commonly used j49sk3j29djd / dh893hdasih9 openssl gives this value.
        let signer = OAuth1Signer(
            consumerKey: "9djdj82h48djs9d2", consumerSecret: "j49sk3j29djd", token: "kkk9d7dh3k39sjv7",
            tokenSecret: "dh893hdasih9")
        #expect(signer.signature(baseString: base ?? "") == "r6/TJjbCOr97/+UU0NsvSne7s5g=")
    }

    @Test(arguments: [
        ("https://Api.Example.com:443/a/b?x=1", "https://api.example.com/a/b"),
        ("http://example.com:8080", "http://example.com:8080/"),
        ("https://example.com:80/p", "https://example.com:80/p"),
        ("http://[::1]:8080/p", "http://[::1]:8080/p"),
        ("http://[::1]/p", "http://[::1]/p"),
    ])
    func baseStringURI(url: String, expected: String) {
        let base = OAuth1Signer.signatureBaseString(method: "GET", url: url, parameters: [])
        let encoded = expected.utf8.map { byte -> String in
            let isUnreserved =
                (byte >= 0x30 && byte <= 0x39) || (byte | 0x20 >= 0x61 && byte | 0x20 <= 0x7A)
                || byte == 0x2D || byte == 0x2E || byte == 0x5F || byte == 0x7E
            return isUnreserved ? String(UnicodeScalar(byte)) : "%" + String(byte, radix: 16, uppercase: true)
        }.joined()
        #expect(base?.hasPrefix("GET&" + encoded + "&") == true, "\(base ?? "nil")")
    }

    @Test(arguments: ["example.com/x", "ftp://example.com/", "http://user@example.com/", "http:///x", "http://h:8x/"])
    func invalidURLsAreRefused(url: String) {
        #expect(OAuth1Signer.signatureBaseString(method: "GET", url: url, parameters: []) == nil)
    }

    @Test func legacyFlowURLsAreSigned() throws {
        let requestURL = try #require(
            WithingsOAuth1Requests.requestTokenURL(
                oauth1Base: "https://oauth.withings.com/", consumerKey: "ck", consumerSecret: "cs",
                callback: "http://localhost:8080/oauth/callback", nonce: "n1", timestamp: 1_300_000_000))
        #expect(requestURL.hasPrefix("https://oauth.withings.com/account/request_token?oauth_consumer_key=ck&"))
        #expect(requestURL.contains("oauth_callback=http%3A%2F%2Flocalhost%3A8080%2Foauth%2Fcallback"))
        #expect(requestURL.contains("oauth_version=1.0"))
        // The signature in the URL is the one the signer computes for the same inputs.
        let expected = OAuth1Signer(consumerKey: "ck", consumerSecret: "cs").sign(
            method: "GET", url: "https://oauth.withings.com/account/request_token", nonce: "n1",
            timestamp: 1_300_000_000,
            extraProtocolParameters: [("oauth_callback", "http://localhost:8080/oauth/callback")])
        let signature = try #require(value(expected, "oauth_signature"))
        #expect(requestURL.hasSuffix("&oauth_signature=" + percentEncoded(signature)))

        let temporary = OAuth1Credentials(token: "tt", tokenSecret: "ts")
        let access = try #require(
            WithingsOAuth1Requests.accessTokenURL(
                oauth1Base: "https://oauth.withings.com", consumerKey: "ck", consumerSecret: "cs",
                requestToken: temporary, verifier: "v", nonce: "n2", timestamp: 1))
        #expect(access.contains("oauth_token=tt&"))
        #expect(access.contains("oauth_verifier=v&"))
        #expect(!access.contains("ts"))  // secrets never travel

        let data = try #require(
            WithingsOAuth1Requests.getmeasURL(
                apiBase: "http://wbsapi.withings.net", consumerKey: "ck", consumerSecret: "cs",
                accessToken: OAuth1Credentials(token: "at", tokenSecret: "as"), userID: "36686",
                query: GetmeasQuery(meastypes: [1], lastUpdate: 5), nonce: "n3", timestamp: 2))
        #expect(
            data.hasPrefix(
                "http://wbsapi.withings.net/measure?action=getmeas&userid=36686&meastype=1&category=1&lastupdate=5&oauth_consumer_key=ck&oauth_token=at&"
            ))
        let verify = OAuth1Signer(consumerKey: "ck", consumerSecret: "cs", token: "at", tokenSecret: "as").sign(
            method: "GET", url: "http://wbsapi.withings.net/measure",
            parameters: WithingsOAuth1Requests.getmeasParameters(
                userID: "36686", query: GetmeasQuery(meastypes: [1], lastUpdate: 5)),
            nonce: "n3", timestamp: 2)
        #expect(data.hasSuffix("&oauth_signature=" + percentEncoded(value(verify, "oauth_signature") ?? "")))
    }

    @Test func credentialsAnswer() {
        #expect(
            WithingsOAuth1Requests.credentials(Array("oauth_token=a%2Bb&oauth_token_secret=s&userid=766103".utf8))
                == OAuth1Credentials(token: "a+b", tokenSecret: "s", userID: "766103"))
        #expect(WithingsOAuth1Requests.credentials(Array("oauth_token=a".utf8)) == nil)
        #expect(WithingsOAuth1Requests.credentials(Array("oauth_token=a&oauth_token_secret=%zz".utf8)) == nil)
    }

    private func percentEncoded(_ text: String) -> String {
        text.replacingAll("+", "%2B").replacingAll("/", "%2F").replacingAll("=", "%3D")
    }
}

extension String {
    fileprivate func replacingAll(_ target: Character, _ replacement: String) -> String {
        var out = ""
        for character in self { if character == target { out += replacement } else { out.append(character) } }
        return out
    }
}
