import Gateway
import HTTP1
import Testing

struct CORSPolicyTests {
    let policy = CORSPolicy(origins: ["https://app.example.com", "http://localhost:3000"])

    func preflight(origin: String?, method: String? = "GET") -> HTTPRequest {
        var headers: HTTPHeaders = [:]
        if let origin { headers.add("Origin", origin) }
        if let method { headers.add("Access-Control-Request-Method", method) }
        headers.add("Access-Control-Request-Headers", "authorization")
        return HTTPRequest(method: .options, target: "/users/1/measures", headers: headers)
    }

    @Test func preflightFromAllowedOriginIsAnswered() throws {
        let response = try #require(policy.preflightResponse(for: preflight(origin: "https://app.example.com")))
        #expect(response.status == 204)
        #expect(response.headers["access-control-allow-origin"] == "https://app.example.com")
        #expect(response.headers["access-control-allow-headers"]?.contains("Authorization") == true)
        #expect(response.headers["access-control-allow-methods"]?.contains("DELETE") == true)
        #expect(response.headers["vary"]?.contains("Origin") == true)
        #expect(policy.preflightResponse(for: preflight(origin: "https://app.example.com:443")) != nil)
    }

    @Test(arguments: ["https://evil.example.com", "null", "https://app.example.com.evil.com", "http://app.example.com",
                      "https://app.example.com/path", "*"])
    func preflightFromOtherOriginsFallsThrough(origin: String) {
        #expect(policy.preflightResponse(for: preflight(origin: origin)) == nil)
    }

    @Test func plainOptionsIsNotAPreflight() {
        #expect(policy.preflightResponse(for: preflight(origin: "https://app.example.com", method: nil)) == nil)
        #expect(policy.preflightResponse(for: preflight(origin: nil)) == nil)
    }

    @Test func actualResponsesGetOriginOnlyWhenAllowed() {
        var allowed = HTTPResponse(status: 200, headers: ["Vary": "Accept-Encoding"])
        policy.apply(to: &allowed, requestOrigin: "http://localhost:3000")
        #expect(allowed.headers["access-control-allow-origin"] == "http://localhost:3000")
        #expect(allowed.headers["access-control-expose-headers"]?.contains("ETag") == true)
        #expect(allowed.headers["vary"] == "Accept-Encoding, Origin")

        var denied = HTTPResponse(status: 200)
        policy.apply(to: &denied, requestOrigin: "https://evil.example.com")
        #expect(denied.headers["access-control-allow-origin"] == nil)
        #expect(denied.headers["vary"] == "Origin")

        var untouched = HTTPResponse(status: 200)
        CORSPolicy(origins: []).apply(to: &untouched, requestOrigin: "https://app.example.com")
        #expect(untouched.headers.isEmpty)
    }
}
