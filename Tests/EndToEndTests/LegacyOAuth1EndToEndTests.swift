import Foundation
import JSON
import Testing

/// WITHINGS_AUTH_MODE=oauth1: the legacy three-legged flow (request token,
/// authorize, access token) and HMAC-SHA1 signed getmeas, end to end.
@Suite(.serialized, .gatewayStack(StackOptions(
    gateway: ["WITHINGS_AUTH_MODE": "oauth1"], connectedUsers: 2, tapped: false)))
struct LegacyOAuth1EndToEndTests {
    @Test func usersConnectedByTheLegacyFlowReadExactMeasures() throws {
        let stack = try GatewayStack.shared()
        let user = stack.connected[0]
        let answer = try stack.request("/users/\(user.id)/measures", key: user.key)
        #expect(answer.status == 200, "\(answer.text.prefix(300))")
        let groups = try #require(try answer.jsonValue()["measure_groups"]?.array)
        // The same user's raw data, read with an OAuth 2.0 token of the test's own.
        let direct = try DirectWithings(stack: stack, userID: user.id)
        let raw = try stack.simRequest("/measure", method: "POST", form: [("action", "getmeas")],
                                       headers: ["Authorization": "Bearer \(direct.accessToken)"]).jsonValue()
        let rawGroups = try #require(raw["body"]?["measuregrps"]?.array)
        #expect(groups.count == rawGroups.count)
        var differences: [String] = []
        for (group, rawGroup) in zip(groups, rawGroups) {
            differences += MeasuresOracle.differences(
                public: group, raw: rawGroup, pageTimezone: raw["body"]?["timezone"]?.string)
        }
        #expect(differences.isEmpty, "\(differences.prefix(10))")
        let counters = try stack.simCounters()
        #expect(counters["signature_failures"]?.int == 0)
        #expect((counters["calls_by_action"]?["oauth1_access_token"]?.int ?? 0) >= 2)
    }

    @Test func keysAndErrorsBehaveAsInOAuth2Mode() throws {
        let stack = try GatewayStack.shared()
        let a = stack.connected[0], b = stack.connected[1]
        expectProblem(try stack.request("/users/\(b.id)/measures", key: a.key), status: 403, name: "forbidden")
        expectProblem(try stack.request("/users/\(a.id)/measures"), status: 401, name: "unauthorized")
        #expect(try stack.request("/users/\(b.id)/measures?types=weight", key: stack.serviceKey).status == 200)
        let bogus = try stack.request("/users/\(a.id)/measures?types=nothing", key: a.key)
        expectProblem(bogus, status: 400, name: "invalid-parameter")
        #expect(try stack.request("/users/\(b.id)", method: "DELETE", key: b.key).status == 204)
        expectProblem(try stack.request("/users/\(b.id)/measures", key: stack.serviceKey),
                      status: 404, name: "user-not-found")
    }
}
