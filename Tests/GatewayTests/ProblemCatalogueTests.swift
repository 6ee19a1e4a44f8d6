import Gateway
import JSON
import Testing

struct ProblemCatalogueTests {
    @Test func namesAreUniqueAndStatusesMatchTheDesignTable() {
        #expect(Set(GatewayProblem.all.map(\.name)).count == GatewayProblem.all.count)
        let statuses = Dictionary(uniqueKeysWithValues: GatewayProblem.all.map { ($0.name, $0.status) })
        #expect(statuses["unauthorized"] == 401)
        #expect(statuses["forbidden"] == 403)
        #expect(statuses["user-not-found"] == 404)
        #expect(statuses["reauthorization-required"] == 409)
        #expect(statuses["invalid-parameter"] == 400)
        #expect(statuses["rate-limited"] == 429)
        #expect(statuses["upstream-unavailable"] == 502)
        #expect(statuses["upstream-timeout"] == 504)
    }

    @Test func unauthorizedCarriesBearerChallenge() {
        let response = GatewayProblem.unauthorizedResponse()
        #expect(response.status == 401)
        #expect(response.headers["www-authenticate"]?.hasPrefix("Bearer") == true)
        #expect(response.headers["content-type"] == "application/problem+json")
    }

    @Test func reauthorizationCarriesAuthorizeURL() {
        let response = GatewayProblem.reauthorizationRequiredResponse(userID: "42", publicURL: "https://gw.example.com")
        let body = String(decoding: response.body, as: UTF8.self)
        #expect(response.status == 409)
        #expect(body.contains("\"type\":\"https://withings-gateway.dev/problems/reauthorization-required\""))
        #expect(body.contains("\"authorize_url\":\"https://gw.example.com/oauth/authorize\""))
        #expect(body.contains("\"status\":409"))
    }

    @Test(arguments: [(0, "1"), (1, "1"), (37, "37"), (-5, "1")])
    func rateLimitedHasRetryAfter(seconds: Int, header: String) {
        let response = GatewayProblem.rateLimitedResponse(retryAfterSeconds: seconds, upstream: false)
        #expect(response.status == 429)
        #expect(response.headers["retry-after"] == header)
    }

    @Test func invalidParameterNamesTheParameter() {
        let response = GatewayProblem.invalidParameterResponse("start", "expected RFC 3339 or Unix seconds")
        let body = String(decoding: response.body, as: UTF8.self)
        #expect(response.status == 400)
        #expect(body.contains("\"detail\":\"start: expected RFC 3339 or Unix seconds\""))
        #expect(body.contains("\"parameter\":\"start\""))
    }
}
