import Foundation
import JSON
import Testing

/// How the gateway answers when Withings misbehaves, with faults scheduled
/// through the simulator's control interface. No caching (each request
/// goes upstream) and a 1 s upstream deadline.
@Suite(.serialized, .gatewayStack(StackOptions(
    sim: ["users": "5"], gateway: ["WITHINGS_TIMEOUT": "1", "GATEWAY_CACHE_TTL": "0"], connectedUsers: 5)))
struct UpstreamFailureEndToEndTests {
    /// Runs `body` with a fault scheduled, and clears every fault afterwards.
    private func withFault<T>(_ stack: GatewayStack, _ fault: [(String, String)], _ body: () throws -> T) throws -> T {
        try stack.simControl("/_sim/faults", fault)
        defer { try? stack.simControl("/_sim/faults", method: "DELETE") }
        return try body()
    }

    @Test func rejectedAccessTokenIsRefreshedOnceAndTheCallRetried() throws {
        let stack = try GatewayStack.shared()
        let user = stack.connected[0]
        let before = try stack.simCounters()
        try stack.simControl("/_sim/invalidate-access-tokens")
        let answer = try stack.request("/users/\(user.id)/measures?types=weight", key: user.key)
        #expect(answer.status == 200, "\(answer.text)")
        let after = try stack.simCounters()
        func refreshes(_ counters: JSONValue) -> Int { counters["refreshes_by_user"]?[user.id]?.int ?? 0 }
        #expect(refreshes(after) - refreshes(before) == 1)
        #expect(after["dead_refresh_tokens_presented"]?.int == 0)
        // The rotated pair was kept: the next call needs no refresh.
        #expect(try stack.request("/users/\(user.id)/measures?types=fat_ratio", key: user.key).status == 200)
        #expect(refreshes(try stack.simCounters()) == refreshes(after))
    }

    @Test func rejectedRefreshIs409UntilTheUserConnectsAgain() throws {
        let stack = try GatewayStack.shared()
        let user = stack.connected[2]
        try stack.simControl("/_sim/invalidate-access-tokens")
        // Withings' "invalid refresh_token" answer (status 503, invalid-params family).
        try withFault(stack, [("kind", "status"), ("status", "503"), ("action", "requesttoken"), ("count", "50")]) {
            let answer = try stack.request("/users/\(user.id)/measures", key: user.key)
            let problem = expectProblem(answer, status: 409, name: "reauthorization-required")
            #expect(problem?["authorize_url"]?.string == stack.base + "/oauth/authorize")
        }
        // Marked, not deleted: still 409 with Withings healthy again, and listed as such.
        expectProblem(try stack.request("/users/\(user.id)/measures?types=weight", key: user.key),
                      status: 409, name: "reauthorization-required")
        let row = try stack.cli(["users", "list"]).stdout.split(separator: "\n").first { $0.hasPrefix(user.id + "\t") }
        #expect(row?.contains("reauthorization_required") == true, "\(String(describing: row))")

        // Connecting again through the flow repairs the user.
        let renewed = try stack.connect(userID: user.id)
        #expect(try stack.request("/users/\(user.id)/measures", key: renewed.key).status == 200)
        #expect(try stack.request("/users/\(user.id)/measures", key: user.key).status == 200, "old key still valid")
    }

    @Test(arguments: [401, 100])
    func authFailureThatPersistsAfterOneRefreshIs409(status: Int) throws {
        let stack = try GatewayStack.shared()
        let user = stack.connected[status == 401 ? 3 : 4]
        let before = try stack.simCounters()["refreshes_by_user"]?[user.id]?.int ?? 0
        try withFault(stack, [("kind", "status"), ("status", String(status)), ("action", "getmeas"), ("count", "2")]) {
            let answer = try stack.request("/users/\(user.id)/measures", key: user.key)
            let problem = expectProblem(answer, status: 409, name: "reauthorization-required")
            #expect(problem?["authorize_url"]?.string == stack.base + "/oauth/authorize")
        }
        let after = try stack.simCounters()["refreshes_by_user"]?[user.id]?.int ?? 0
        #expect(after - before == 1, "exactly one refresh before giving up")
        _ = try stack.connect(userID: user.id)
    }

    @Test func withingsRateLimitIs429WithRetryAfter() throws {
        let stack = try GatewayStack.shared()
        let user = stack.connected[1]
        try withFault(stack, [("kind", "status"), ("status", "601"), ("action", "getmeas"), ("count", "3")]) {
            let answer = try stack.request("/users/\(user.id)/measures", key: user.key)
            expectProblem(answer, status: 429, name: "rate-limited")
            let retryAfter = try #require(answer.headers["retry-after"].flatMap { Int($0) })
            #expect(retryAfter >= 1 && retryAfter <= 3600)
        }
    }

    @Test(arguments: [
        ("outage", [("kind", "outage"), ("status", "503")], 502),
        ("reset", [("kind", "reset")], 502),
        ("truncated body", [("kind", "truncate")], 502),
        ("other Withings status", [("kind", "status"), ("status", "2554")], 502),
        ("Withings timeout status", [("kind", "status"), ("status", "522")], 504),
        ("too slow", [("kind", "latency"), ("ms", "2500")], 504),
    ])
    func upstreamFailureMapsToItsStatus(name: String, fault: [(String, String)], status: Int) throws {
        let stack = try GatewayStack.shared()
        let user = stack.connected[1]
        // Enough uses that a retry inside the gateway would meet the fault too.
        let answer = try withFault(stack, fault + [("action", "getmeas"), ("count", "3")]) {
            try stack.request("/users/\(user.id)/measures", key: user.key)
        }
        #expect(answer.status == status, "\(name): \(answer.text)")
        #expect(answer.headers["content-type"]?.hasPrefix("application/problem+json") == true)
        let type = (try? answer.jsonValue()["type"]?.string) ?? nil
        #expect(type?.contains("/problems/upstream-") == true, "\(name): \(type ?? "no type")")
        #expect(!answer.text.contains("<html"), "no upstream body in the problem")
        // The user is not harmed by a transient failure.
        #expect(try stack.request("/users/\(user.id)/measures?types=weight", key: user.key).status == 200)
    }
}

/// The gateway's own upstream allowance (WITHINGS_RATE_LIMIT): it answers
/// 429 itself instead of letting Withings answer 601.
@Suite(.serialized, .gatewayStack(StackOptions(
    gateway: ["WITHINGS_RATE_LIMIT": "6", "GATEWAY_CACHE_TTL": "0"], connectedUsers: 1)))
struct OwnBudgetEndToEndTests {
    @Test func exhaustedBudgetIs429WithRetryAfterAndNothingReachesWithings() throws {
        let stack = try GatewayStack.shared()
        let user = try #require(stack.connected.first)
        let before = try stack.getmeasCalls()
        var statuses: [Int] = []
        var retryAfter: Int?
        for day in 1...12 {
            let answer = try stack.request("/users/\(user.id)/measures?start=\(1_600_000_000 + day * 86_400)",
                                           key: user.key)
            statuses.append(answer.status)
            if answer.status == 429 {
                expectProblem(answer, status: 429, name: "rate-limited")
                retryAfter = answer.headers["retry-after"].flatMap { Int($0) }
                break
            }
        }
        #expect(statuses.last == 429, "statuses: \(statuses)")
        #expect(statuses.dropLast().allSatisfy { $0 == 200 })
        let seconds = try #require(retryAfter)
        #expect(seconds >= 1 && seconds <= 60)
        let counters = try stack.simCounters()
        #expect(counters["rate_limited"]?.int == 0, "Withings never had to say 601")
        #expect(try stack.getmeasCalls() - before <= 6)
        #expect(try stack.request("/metrics").text.contains("gateway_upstream_budget_denied_total 1"))
    }
}
