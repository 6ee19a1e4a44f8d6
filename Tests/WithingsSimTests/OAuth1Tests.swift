import Crypto
import Foundation
import HTTP1
import Testing

@testable import WithingsSim

/// A client-side RFC 5849 signer written independently of the simulator's
/// (own encoding, Foundation's base64), so the two check each other.
private struct TestSigner {
    var consumerKey = "demo-client"
    var consumerSecret = "demo-secret"
    var host = "127.0.0.1:8765"

    static func encode(_ text: String) -> String {
        var out = ""
        for byte in text.utf8 {
            let scalar = Unicode.Scalar(byte)
            if (byte >= 0x30 && byte <= 0x39) || (byte >= 0x41 && byte <= 0x5A) || (byte >= 0x61 && byte <= 0x7A)
                || "-._~".unicodeScalars.contains(scalar)
            {
                out.unicodeScalars.append(scalar)
            } else {
                out += String(format: "%%%02X", byte)
            }
        }
        return out
    }

    func signature(method: String, path: String, params: [(String, String)], tokenSecret: String) -> String {
        var encoded: [(String, String)] = params.map { (Self.encode($0.0), Self.encode($0.1)) }
        encoded.sort { (a: (String, String), b: (String, String)) -> Bool in a.0 != b.0 ? a.0 < b.0 : a.1 < b.1 }
        let normalized = encoded.map { "\($0.0)=\($0.1)" }.joined(separator: "&")
        let base = [method, Self.encode("http://" + host + path), Self.encode(normalized)].joined(separator: "&")
        let key = Self.encode(consumerSecret) + "&" + Self.encode(tokenSecret)
        return Data(Digest.hmac(.sha1, key: key, data: base)).base64EncodedString()
    }

    /// A GET with every parameter, oauth ones included, in the query.
    func request(
        path: String, params: [(String, String)], token: (key: String, secret: String)? = nil, timestamp: Int64,
        nonce: String, tamper: Bool = false
    ) -> HTTPRequest {
        var all = params + [
            ("oauth_consumer_key", consumerKey), ("oauth_nonce", nonce), ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", String(timestamp)), ("oauth_version", "1.0"),
        ]
        if let token { all.append(("oauth_token", token.key)) }
        var signature = self.signature(method: "GET", path: path, params: all, tokenSecret: token?.secret ?? "")
        if tamper { signature = "A" + signature.dropFirst() }
        all.append(("oauth_signature", signature))
        let query = all.map { Self.encode($0.0) + "=" + Self.encode($0.1) }.joined(separator: "&")
        return HTTPRequest(method: .get, target: path + "?" + query, headers: ["Host": host])
    }
}

struct OAuth1Tests {
    // MARK: RFC 5849's own examples

    /// RFC 5849 §1.2, the temporary-credentials request of the worked example (sent over HTTPS).
    @Test func rfcSection1_2TemporaryCredentialsRequest() {
        let params: [(name: String, value: String)] = [
            ("oauth_consumer_key", "dpf43f3p2l4k3l03"), ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "137131200"), ("oauth_nonce", "wIjqoS"),
            ("oauth_callback", "http://printer.example.com/ready"),
        ]
        let base = OAuth1.baseString(
            method: "POST", baseURI: OAuth1.baseURI(scheme: "https", host: "photos.example.net", path: "/initiate"),
            parameters: params)
        #expect(OAuth1.signature(baseString: base, consumerSecret: "kd94hf93k423kf44", tokenSecret: "")
            == "74KNZJeDHnMBp0EMJ9ZHt/XKycU=")
    }

    /// OAuth Core 1.0 Appendix A.5, the same photo example signed with an access token.
    @Test func oauthCoreAppendixA5ProtectedResource() {
        let params: [(name: String, value: String)] = [
            ("file", "vacation.jpg"), ("size", "original"), ("oauth_consumer_key", "dpf43f3p2l4k3l03"),
            ("oauth_token", "nnch734d00sl2jdk"), ("oauth_signature_method", "HMAC-SHA1"),
            ("oauth_timestamp", "1191242096"), ("oauth_nonce", "kllo9940pd9333jh"), ("oauth_version", "1.0"),
        ]
        let base = OAuth1.baseString(
            method: "GET", baseURI: OAuth1.baseURI(scheme: "http", host: "photos.example.net", path: "/photos"),
            parameters: params)
        #expect(base == "GET&http%3A%2F%2Fphotos.example.net%2Fphotos&file%3Dvacation.jpg%26oauth_consumer_key%3Ddpf43f3p2l4k3l03%26oauth_nonce%3Dkllo9940pd9333jh%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D1191242096%26oauth_token%3Dnnch734d00sl2jdk%26oauth_version%3D1.0%26size%3Doriginal")
        #expect(OAuth1.signature(baseString: base, consumerSecret: "kd94hf93k423kf44", tokenSecret: "pfkkdhi9sl3r4s00")
            == "tR3+Ty81lMeYAr/Fid0kMTYa/WM=")
    }

    @Test func rfcSection1_2RequestVerifiesThroughTheSimulator() {
        let clock = TestClock(137_131_200)
        var configuration = SimulatorConfiguration()
        configuration.clientID = "dpf43f3p2l4k3l03"
        configuration.clientSecret = "kd94hf93k423kf44"
        configuration.scheme = "https"
        let sim = WithingsSimulator(configuration: configuration, now: clock.closure)
        let request = HTTPRequest(
            method: .post, target: "/initiate",
            headers: [
                "Host": "photos.example.net:443",
                "Authorization": "OAuth realm=\"Photos\", oauth_consumer_key=\"dpf43f3p2l4k3l03\", oauth_signature_method=\"HMAC-SHA1\", oauth_timestamp=\"137131200\", oauth_nonce=\"wIjqoS\", oauth_callback=\"http%3A%2F%2Fprinter.example.com%2Fready\", oauth_signature=\"74KNZJeDHnMBp0EMJ9ZHt%2FXKycU%3D\"",
            ])
        guard case .success(let signed) = sim.verifyOAuth1(request, expecting: .none, now: clock.now) else {
            Issue.record("RFC 5849 example did not verify")
            return
        }
        #expect(signed.parameters["oauth_callback"] == "http://printer.example.com/ready")
        // The same nonce again is a replay.
        guard case .failure(let problem) = sim.verifyOAuth1(request, expecting: .none, now: clock.now) else {
            Issue.record("a replayed nonce verified")
            return
        }
        #expect(problem == .nonceUsed)
        #expect(sim.counters().signatureFailures == 1)
    }

    @Test func rfcSection3_4_1BaseStringWithHeaderQueryAndBody() throws {
        let request = HTTPRequest(
            method: .post, target: "/request?b5=%3D%253D&a3=a&c%40=&a2=r%20b",
            headers: [
                "Host": "example.com", "Content-Type": "application/x-www-form-urlencoded",
                "Authorization": "OAuth realm=\"Example\", oauth_consumer_key=\"9djdj82h48djs9d2\", oauth_token=\"kkk9d7dh3k39sjv7\", oauth_signature_method=\"HMAC-SHA1\", oauth_timestamp=\"137131201\", oauth_nonce=\"7d8f3e4a\", oauth_signature=\"bYT5CMsGcbgUdFHObYMEfcx6bsw%3D\"",
            ], body: Array("c2&a3=2+q".utf8))
        let params = try #require(OAuth1.collectParameters(request))
        #expect(!params.contains { $0.name == "realm" })
        let base = OAuth1.baseString(
            method: "POST", baseURI: OAuth1.baseURI(scheme: "HTTP", host: "Example.com", path: "/request"), parameters: params)
        #expect(base == "POST&http%3A%2F%2Fexample.com%2Frequest&a2%3Dr%2520b%26a3%3D2%2520q%26a3%3Da%26b5%3D%253D%25253D%26c%2540%3D%26c2%3D%26oauth_consumer_key%3D9djdj82h48djs9d2%26oauth_nonce%3D7d8f3e4a%26oauth_signature_method%3DHMAC-SHA1%26oauth_timestamp%3D137131201%26oauth_token%3Dkkk9d7dh3k39sjv7")
    }

    @Test(arguments: [
        ("http", "example.com:80", "http://example.com/p"), ("https", "example.com:443", "https://example.com/p"),
        ("http", "example.com:8080", "http://example.com:8080/p"), ("https", "EXAMPLE.com:80", "https://example.com:80/p"),
    ])
    func baseURIDropsOnlyTheDefaultPort(scheme: String, host: String, expected: String) {
        #expect(OAuth1.baseURI(scheme: scheme, host: host, path: "/p") == expected)
    }

    @Test(arguments: ["OAuth oauth_nonce=\"a", "OAuth oauth_nonce", "OAuth oauth_nonce=\"%zz\"", "OAuth x=y"])
    func malformedAuthorizationHeadersAreRefused(header: String) {
        #expect(OAuth1.parseAuthorizationHeader(header) == nil)
    }

    @Test func base64MatchesFoundation() {
        for length in 0..<40 {
            let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
            #expect(OAuth1.base64(bytes) == Data(bytes).base64EncodedString())
        }
    }

    // MARK: The legacy flow against the simulator

    private func flow(_ harness: Harness, signer: TestSigner) async throws -> (token: String, secret: String, userID: String) {
        let callback = harness.config.redirectURIs[0] + "?state=xyz"
        let requestToken = await harness.sim.handle(signer.request(
            path: "/account/request_token", params: [("oauth_callback", callback)], timestamp: harness.clock.now,
            nonce: "n1"))
        #expect(requestToken.status == 200)
        let issued = try #require(URLEncoding.parseForm(requestToken.body)).reduce(into: [String: String]()) { $0[$1.name] = $1.value }
        let token = try #require(issued["oauth_token"])
        let tokenSecret = try #require(issued["oauth_token_secret"])
        #expect(issued["oauth_callback_confirmed"] == "true")

        let chosen = harness.sim.userIDs[1]
        let authorize = await harness.get("/account/authorize?oauth_token=\(token)&userid=\(chosen)")
        #expect(authorize.status == 302)
        #expect(authorize.headers["location"]?.hasPrefix(callback + "&userid=") == true)
        let redirect = try redirectParameters(authorize)
        #expect(redirect["userid"] == chosen)
        #expect(redirect["oauth_token"] == token)
        let verifier = try #require(redirect["oauth_verifier"])

        let access = await harness.sim.handle(signer.request(
            path: "/account/access_token", params: [("oauth_verifier", verifier)], token: (token, tokenSecret),
            timestamp: harness.clock.now, nonce: "n2"))
        #expect(access.status == 200)
        let accessFields = try #require(URLEncoding.parseForm(access.body)).reduce(into: [String: String]()) { $0[$1.name] = $1.value }
        #expect(accessFields["userid"] == chosen)
        return (try #require(accessFields["oauth_token"]), try #require(accessFields["oauth_token_secret"]), chosen)
    }

    @Test func threeLeggedFlowThenSignedGetmeas() async throws {
        let harness = Harness()
        let signer = TestSigner()
        let access = try await flow(harness, signer: signer)
        let response = await harness.sim.handle(signer.request(
            path: "/measure", params: [("action", "getmeas"), ("userid", access.userID), ("meastype", "1"), ("limit", "50")],
            token: (access.token, access.secret), timestamp: harness.clock.now, nonce: "n3"))
        let answer = try envelope(response)
        #expect(statusOf(answer) == 0)
        let body = try #require(answer["body"] as? [String: Any])
        #expect((body["measuregrps"] as? [Any])?.count == 50)
        #expect(body["more"] as? Int == 1)
        #expect(harness.sim.counters().signatureFailures == 0)
        #expect(harness.sim.counters().calls("oauth1_request_token") == 1)
    }

    @Test func badSignatureStaleTimestampAndReusedNonceAreStatus342() async throws {
        let harness = Harness()
        let signer = TestSigner()
        let access = try await flow(harness, signer: signer)
        let params = [("action", "getmeas"), ("userid", access.userID)]
        func call(nonce: String, timestamp: Int64? = nil, tamper: Bool = false, secret: String? = nil) async throws -> Int? {
            statusOf(try envelope(await harness.sim.handle(signer.request(
                path: "/measure", params: params, token: (access.token, secret ?? access.secret),
                timestamp: timestamp ?? harness.clock.now, nonce: nonce, tamper: tamper))))
        }
        #expect(try await call(nonce: "a", tamper: true) == 342)
        #expect(try await call(nonce: "b", secret: "not-the-secret") == 342)
        #expect(try await call(nonce: "c", timestamp: harness.clock.now - 301) == 342)
        #expect(try await call(nonce: "d", timestamp: harness.clock.now + 301) == 342)
        #expect(try await call(nonce: "e", timestamp: harness.clock.now - 300) == 0)
        #expect(try await call(nonce: "e", timestamp: harness.clock.now - 300) == 342)
        // A forged request did not burn its nonce.
        #expect(try await call(nonce: "a") == 0)
        #expect(harness.sim.counters().signatureFailures == 5)
        let wrongKey = TestSigner(consumerKey: "someone", consumerSecret: "demo-secret")
        let foreign = await harness.sim.handle(wrongKey.request(
            path: "/measure", params: params, token: (access.token, access.secret), timestamp: harness.clock.now, nonce: "f"))
        #expect(statusOf(try envelope(foreign)) == 342)
    }

    @Test func userIDMustBeTheTokensUser() async throws {
        let harness = Harness()
        let signer = TestSigner()
        let access = try await flow(harness, signer: signer)
        for userID in [harness.sim.userIDs[0], ""] {
            let response = await harness.sim.handle(signer.request(
                path: "/measure", params: [("action", "getmeas"), ("userid", userID)], token: (access.token, access.secret),
                timestamp: harness.clock.now, nonce: "u" + userID))
            #expect(statusOf(try envelope(response)) == 247)
        }
    }

    @Test func flowStepsRefuseBadInput() async throws {
        let harness = Harness()
        let signer = TestSigner()
        let foreignCallback = await harness.sim.handle(signer.request(
            path: "/account/request_token", params: [("oauth_callback", "http://evil.test/cb")],
            timestamp: harness.clock.now, nonce: "x1"))
        #expect(foreignCallback.status == 400)
        let tampered = await harness.sim.handle(signer.request(
            path: "/account/request_token", params: [("oauth_callback", harness.config.redirectURIs[0])],
            timestamp: harness.clock.now, nonce: "x2", tamper: true))
        #expect(tampered.status == 401)
        #expect(String(decoding: tampered.body, as: UTF8.self) == "oauth_problem=signature_invalid")

        let requestToken = await harness.sim.handle(signer.request(
            path: "/account/request_token", params: [("oauth_callback", harness.config.redirectURIs[0])],
            timestamp: harness.clock.now, nonce: "x3"))
        let issued = try #require(URLEncoding.parseForm(requestToken.body)).reduce(into: [String: String]()) { $0[$1.name] = $1.value }
        let token = try #require(issued["oauth_token"]), secret = try #require(issued["oauth_token_secret"])
        // Not yet authorized: no verifier matches.
        let early = await harness.sim.handle(signer.request(
            path: "/account/access_token", params: [("oauth_verifier", "guess")], token: (token, secret),
            timestamp: harness.clock.now, nonce: "x4"))
        #expect(early.status == 401)
        let unknown = await harness.get("/account/authorize?oauth_token=nope")
        #expect(unknown.status == 400)
        let redirect = try redirectParameters(await harness.get("/account/authorize?oauth_token=" + token))
        #expect(redirect["userid"] == harness.sim.userIDs[0])
        let wrongVerifier = await harness.sim.handle(signer.request(
            path: "/account/access_token", params: [("oauth_verifier", "guess")], token: (token, secret),
            timestamp: harness.clock.now, nonce: "x5"))
        #expect(String(decoding: wrongVerifier.body, as: UTF8.self) == "oauth_problem=verifier_invalid")
    }
}
