import Gateway
import Testing

struct AccessPolicyTests {
    @Test(arguments: [
        ("Bearer wgk_abc_123", "wgk_abc_123"), ("bearer   tok.en~+/=  ", "tok.en~+/="), ("BEARER x", "x"),
    ])
    func bearerTokens(header: String, token: String) {
        #expect(AccessPolicy.bearerToken(header) == token)
    }

    @Test(arguments: ["", "Bearer", "Bearer ", "Basic dXNlcjpwdw==", "Bearerx abc", "Bearer a b", "Bearer a\u{0}b",
                      "Bearer ä", "Token abc", "Bearer " + String(repeating: "a", count: 600)])
    func notBearerTokens(header: String) {
        #expect(AccessPolicy.bearerToken(header) == nil)
    }

    @Test func missingHeaderIsNoToken() {
        #expect(AccessPolicy.bearerToken(nil) == nil)
    }

    @Test(arguments: [
        (nil, "42", true, AccessDecision.unauthenticated),
        (nil, "42", false, .unauthenticated),
        (KeyScope.service, "42", true, .allowed),
        (.service, "42", false, .userNotFound),
        (.user("42"), "42", true, .allowed),
        (.user("42"), "42", false, .userNotFound),
        (.user("42"), "43", true, .forbidden),
        (.user("42"), "43", false, .forbidden),     // no probing which users exist
        (.user("4"), "42", true, .forbidden),
    ])
    func designTable(scope: KeyScope?, target: String, connected: Bool, expected: AccessDecision) {
        #expect(AccessPolicy.decide(scope: scope, targetUser: target, userIsConnected: connected) == expected)
    }
}
