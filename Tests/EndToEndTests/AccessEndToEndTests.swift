import Foundation
import JSON
import Testing

/// Keys, users and the OAuth connection flow of a real `withings-gateway
/// serve`, with the `keys` and `users` commands run against its database
/// while it serves.
@Suite(.serialized, .gatewayStack(StackOptions(
    sim: ["users": "5"], gateway: ["GATEWAY_ALLOWED_REDIRECTS": "https://app.example.test/connected"])))
struct AccessEndToEndTests {
    static let appReturn = "https://app.example.test/connected"
    /// How long a key revoked by the CLI (another process) may still be honoured: the
    /// gateway remembers a successful key lookup for 10 s (KeyAuthenticator).
    static let revocationDelay: Double = 15

    @Test func missingMalformedOrUnknownKeyIs401WithChallenge() throws {
        let stack = try GatewayStack.shared()
        let user = try #require(stack.connected.first)
        let path = "/users/\(user.id)/measures"
        let attempts: [[String: String]] = [
            [:],
            ["Authorization": "Bearer"],
            ["Authorization": "Bearer wgk_0000000000000000_AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"],
            ["Authorization": "Bearer " + String(user.key.dropLast()) + (user.key.hasSuffix("A") ? "B" : "A")],
            ["Authorization": "Basic " + Data("user:pass".utf8).base64EncodedString()],
            ["Authorization": user.key],
        ]
        for headers in attempts {
            let answer = try stack.request(path, headers: headers)
            expectProblem(answer, status: 401, name: "unauthorized")
            #expect(answer.headers["www-authenticate"]?.hasPrefix("Bearer") == true, "\(headers)")
        }
        let delete = try stack.request("/users/\(user.id)", method: "DELETE")
        expectProblem(delete, status: 401, name: "unauthorized")
    }

    @Test func userKeyOnAnotherUserIs403() throws {
        let stack = try GatewayStack.shared()
        let a = stack.connected[0], b = stack.connected[1]
        expectProblem(try stack.request("/users/\(b.id)/measures", key: a.key), status: 403, name: "forbidden")
        expectProblem(try stack.request("/users/\(a.id)/measures", key: b.key), status: 403, name: "forbidden")
        expectProblem(try stack.request("/users/\(b.id)", method: "DELETE", key: a.key), status: 403, name: "forbidden")
        // Each still reads its own, and the service key reads both.
        #expect(try stack.request("/users/\(a.id)/measures", key: a.key).status == 200)
        #expect(try stack.request("/users/\(b.id)/measures", key: stack.serviceKey).status == 200)
    }

    @Test func userNeverConnectedIs404() throws {
        let stack = try GatewayStack.shared()
        let neverConnected = stack.simUsers[4]
        for id in ["12345", neverConnected] {
            expectProblem(try stack.request("/users/\(id)/measures", key: stack.serviceKey),
                          status: 404, name: "user-not-found")
            expectProblem(try stack.request("/users/\(id)", method: "DELETE", key: stack.serviceKey),
                          status: 404, name: "user-not-found")
        }
    }

    @Test func deleteForgetsTheUserAndRevokesTheirKeys() throws {
        let stack = try GatewayStack.shared()
        let id = stack.simUsers[2]
        // The user's own key may delete the user.
        let own = try stack.connect(userID: id)
        #expect(try stack.request("/users/\(id)/measures", key: own.key).status == 200)
        let deleted = try stack.request("/users/\(id)", method: "DELETE", key: own.key)
        #expect(deleted.status == 204)
        #expect(deleted.body.isEmpty)
        expectProblem(try stack.request("/users/\(id)/measures", key: stack.serviceKey),
                      status: 404, name: "user-not-found")
        expectProblem(try stack.request("/users/\(id)", method: "DELETE", key: stack.serviceKey),
                      status: 404, name: "user-not-found")
        expectProblem(try stack.request("/users/\(id)/measures", key: own.key), status: 401, name: "unauthorized")

        // Connected again, then deleted with the service key: the new user key dies too.
        let again = try stack.connect(userID: id)
        #expect(try stack.request("/users/\(id)/measures", key: again.key).status == 200)
        #expect(try stack.request("/users/\(id)", method: "DELETE", key: stack.serviceKey).status == 204)
        expectProblem(try stack.request("/users/\(id)/measures", key: again.key), status: 401, name: "unauthorized")
        expectProblem(try stack.request("/users/\(id)/measures", key: stack.serviceKey),
                      status: 404, name: "user-not-found")
        #expect(!(try stack.cli(["users", "list"]).stdout.contains(id)))
    }

    @Test func keysCommandsWorkWhileServing() throws {
        let stack = try GatewayStack.shared()
        let user = stack.connected[0], other = stack.connected[1]
        let created = try stack.cli(["keys", "create", "--name", "e2e-scoped", "--user", user.id])
        #expect(created.status == 0, "\(created.stderr)")
        let key = try #require(created.stdout.split(separator: "\n").last.map(String.init))
        stack.noteKeySecret(key)
        #expect(key.hasPrefix("wgk_"))
        #expect(try stack.request("/users/\(user.id)/measures", key: key).status == 200)
        expectProblem(try stack.request("/users/\(other.id)/measures", key: key), status: 403, name: "forbidden")

        let listing = try stack.cli(["keys", "list"])
        #expect(listing.status == 0)
        let row = try #require(listing.stdout.split(separator: "\n").first { $0.contains("e2e-scoped") })
        let keyID = String(try #require(row.split(separator: "\t").first))
        #expect(key.contains(keyID), "the listed id is the key's public part")
        #expect(row.contains("user:\(user.id)"))
        for secret in stack.keySecrets { #expect(!listing.stdout.contains(secret), "keys list shows a secret") }
        #expect(listing.stdout.contains("e2e-service"))

        // A key never used before stops at once; one the gateway has seen, within its remembering window.
        let unused = try stack.cli(["keys", "create", "--name", "e2e-unused", "--user", user.id])
        let unusedKey = try #require(unused.stdout.split(separator: "\n").last.map(String.init))
        stack.noteKeySecret(unusedKey)
        let unusedID = try #require(unusedKey.split(separator: "_").dropFirst().first.map(String.init))
        #expect(try stack.cli(["keys", "revoke", unusedID]).status == 0)
        expectProblem(try stack.request("/users/\(user.id)/measures", key: unusedKey), status: 401, name: "unauthorized")

        let revoked = try stack.cli(["keys", "revoke", keyID])
        #expect(revoked.status == 0, "\(revoked.stdout) \(revoked.stderr)")
        #expect(try waitForStatus(401, of: "/users/\(user.id)/measures", key: key, stack: stack,
                                  within: Self.revocationDelay))
        #expect(try stack.cli(["keys", "list"]).stdout.split(separator: "\n")
            .first { $0.hasPrefix(keyID) }?.hasSuffix("\t-") == false, "the listing shows the revocation")
        #expect(try stack.cli(["keys", "revoke", "0000000000000000"]).status != 0)
    }

    @Test func usersCommandsWorkWhileServing() throws {
        let stack = try GatewayStack.shared()
        let id = stack.simUsers[3]
        let user = try stack.connect(userID: id)
        let listing = try stack.cli(["users", "list"])
        #expect(listing.status == 0)
        let row = try #require(listing.stdout.split(separator: "\n").first { $0.hasPrefix(id + "\t") })
        #expect(row.contains("active"))
        for (_, secret) in stack.secrets { #expect(!listing.stdout.contains(secret)) }

        let forgotten = try stack.cli(["users", "forget", id])
        #expect(forgotten.status == 0, "\(forgotten.stderr)")
        #expect(!(try stack.cli(["users", "list"]).stdout.contains(id)))
        // A query not cached yet finds no tokens; the user's key is revoked.
        expectProblem(try stack.request("/users/\(id)/measures?types=weight,height", key: stack.serviceKey),
                      status: 404, name: "user-not-found")
        #expect(try waitForStatus(401, of: "/users/\(id)/measures?types=height", key: user.key, stack: stack,
                                  within: Self.revocationDelay))
        #expect(try stack.cli(["users", "forget", id]).status != 0, "forgetting twice reports no such user")
    }

    // MARK: - Connecting

    @Test func connectingWithAnAllowedRedirectHandsTheKeyInTheFragment() throws {
        let stack = try GatewayStack.shared()
        let id = stack.simUsers[4]
        let start = try stack.request("/oauth/authorize?redirect_to=" + formEncode(Self.appReturn + "/page?x=1"))
        #expect(start.status == 302)
        let location = try #require(start.headers["location"])
        let components = try #require(URLComponents(string: location))
        let query = Dictionary(uniqueKeysWithValues: (components.queryItems ?? []).map { ($0.name, $0.value ?? "") })
        #expect(query["response_type"] == "code")
        #expect(query["client_id"] == stack.clientID)
        #expect(query["redirect_uri"] == stack.redirectURI)
        #expect(query["scope"] == "user.info,user.metrics,user.activity")
        #expect(query["state"]?.isEmpty == false)

        let approval = try stack.simRequest(location + "&userid=" + id)
        let callback = try #require(approval.headers["location"])
        let finish = try curl(callback)
        #expect(finish.status == 302)
        let back = try #require(finish.headers["location"])
        #expect(back.hasPrefix(Self.appReturn + "/page?x=1#"))
        let fragment = try #require(URLComponents(string: back)?.fragment)
        var values: [String: String] = [:]
        for pair in fragment.split(separator: "&") {
            let parts = pair.split(separator: "=", maxSplits: 1).map { String($0).removingPercentEncoding ?? "" }
            if parts.count == 2 { values[parts[0]] = parts[1] }
        }
        #expect(values["user_id"] == id)
        let key = try #require(values["key"])
        stack.noteKeySecret(key)
        #expect(try stack.request("/users/\(id)/measures", key: key).status == 200)
        // Clean up so other tests see this user as never connected.
        #expect(try stack.request("/users/\(id)", method: "DELETE", key: key).status == 204)
    }

    @Test(arguments: [
        "https://evil.example.test/connected",
        "https://app.example.test/elsewhere",
        "http://app.example.test/connected",
        "https://app.example.test:8443/connected",
        "https://app.example.test/connected#frag",
        "",
    ])
    func redirectOutsideTheAllowedListIs400(target: String) throws {
        let stack = try GatewayStack.shared()
        let answer = try stack.request("/oauth/authorize?redirect_to=" + formEncode(target))
        expectProblem(answer, status: 400, name: "invalid-parameter")
        #expect(answer.headers["location"] == nil)
    }

    @Test func badReusedOrRefusedCallbacksAre400AndStoreNothing() throws {
        let stack = try GatewayStack.shared()
        let usersBefore = try stack.cli(["users", "list"]).stdout
        let id = stack.simUsers[4]

        // A state the gateway never signed.
        expectProblem(try stack.request("/oauth/callback?code=abc&state=forged"), status: 400, name: "invalid-state")
        expectProblem(try stack.request("/oauth/callback?code=abc"), status: 400, name: "invalid-state")

        // The user refused at Withings.
        let refusedStart = try #require(try stack.request("/oauth/authorize").headers["location"])
        let refused = try stack.simRequest(refusedStart + "&userid=\(id)&decision=deny")
        let refusedCallback = try #require(refused.headers["location"])
        #expect(refusedCallback.contains("error=access_denied"))
        expectProblem(try curl(refusedCallback), status: 400, name: "authorization-denied")

        // A genuine state with a code Withings does not know.
        let bogusStart = try #require(try stack.request("/oauth/authorize").headers["location"])
        let state = try #require(URLComponents(string: bogusStart)?.queryItems?.first { $0.name == "state" }?.value)
        expectProblem(try stack.request("/oauth/callback?code=0000&state=\(formEncode(state))"),
                      status: 400, name: "authorization-rejected")

        // A state is single use: replaying a successful callback is refused.
        let start = try #require(try stack.request("/oauth/authorize").headers["location"])
        let callback = try #require(try stack.simRequest(start + "&userid=\(id)").headers["location"])
        let first = try curl(callback)
        #expect(first.status == 200)
        let key = try #require(try first.jsonValue()["key"]?.string)
        stack.noteKeySecret(key)
        expectProblem(try curl(callback), status: 400, name: "invalid-state")
        #expect(try stack.request("/users/\(id)", method: "DELETE", key: key).status == 204)

        #expect(try stack.cli(["users", "list"]).stdout == usersBefore)
    }

    @Test func callbackWhenWithingsFailsIs502AndStoresNothing() throws {
        let stack = try GatewayStack.shared()
        let id = stack.simUsers[4]
        let start = try #require(try stack.request("/oauth/authorize").headers["location"])
        let callback = try #require(try stack.simRequest(start + "&userid=\(id)").headers["location"])
        try stack.simControl("/_sim/faults", [("kind", "outage"), ("status", "503"), ("action", "requesttoken")])
        defer { try? stack.simControl("/_sim/faults", method: "DELETE") }
        let answer = try curl(callback)
        #expect(answer.status == 502, "\(answer.text)")
        #expect(answer.headers["content-type"]?.hasPrefix("application/problem+json") == true)
        #expect(!(try stack.cli(["users", "list"]).stdout.contains(id)))
    }
}

/// Polls until `path` answers `status` (bounded by `within` seconds).
func waitForStatus(_ status: Int, of path: String, key: String, stack: GatewayStack, within seconds: Double) throws
    -> Bool
{
    let end = Date().addingTimeInterval(seconds)
    repeat {
        if try stack.request(path, key: key).status == status { return true }
        usleep(250_000)
    } while Date() < end
    return false
}
