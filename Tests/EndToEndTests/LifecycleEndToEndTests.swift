import Foundation
import JSON
import Testing

/// Token lifecycle and process lifecycle of a real `withings-gateway serve`:
/// one refresh for many concurrent callers, rotated tokens kept across a
/// restart, graceful SIGTERM, and the `healthcheck` command.
@Suite(.serialized, .gatewayStack(StackOptions(gateway: ["GATEWAY_CACHE_TTL": "0"], connectedUsers: 2)))
struct LifecycleEndToEndTests {
    private func refreshes(_ stack: GatewayStack, _ userID: String) throws -> Int {
        try stack.simCounters()["refreshes_by_user"]?[userID]?.int ?? 0
    }

    @Test func fiftyConcurrentCallersAfterRevocationCauseExactlyOneRefresh() throws {
        let stack = try GatewayStack.shared()
        let user = stack.connected[0]
        let before = try refreshes(stack, user.id)
        try stack.simControl("/_sim/invalidate-access-tokens")
        // Fifty different queries (no request-level coalescing): they share only the token.
        // Small windows of recent days keep fifty upstream pages cheap on a slow machine.
        let now = Int64(Date().timeIntervalSince1970)
        let urls = (0..<50).map {
            stack.base + "/users/\(user.id)/measures?start=\(now - 3 * 86_400)&end=\(now - Int64($0))"
        }
        let answers = try curlParallel(urls, headers: ["Authorization": "Bearer \(user.key)"], timeout: 60)
        #expect(answers.map(\.status) == Array(repeating: 200, count: 50))
        #expect(try refreshes(stack, user.id) - before == 1)
        #expect(try stack.simCounters()["dead_refresh_tokens_presented"]?.int == 0)
    }

    @Test func rotatedTokensArePersistedAcrossARestart() throws {
        let stack = try GatewayStack.shared()
        let user = stack.connected[1]
        try stack.simControl("/_sim/invalidate-access-tokens")
        #expect(try stack.request("/users/\(user.id)/measures?types=weight", key: user.key).status == 200)
        let rotated = try refreshes(stack, user.id)

        try stack.restartGateway()
        // The new process reads the committed pair: no refresh needed, no dead token presented.
        #expect(try stack.request("/users/\(user.id)/measures?types=fat_ratio", key: user.key).status == 200)
        #expect(try refreshes(stack, user.id) == rotated)
        // And it can rotate again from what it read.
        try stack.simControl("/_sim/invalidate-access-tokens")
        #expect(try stack.request("/users/\(user.id)/measures?types=height", key: user.key).status == 200)
        #expect(try refreshes(stack, user.id) == rotated + 1)
        #expect(try stack.simCounters()["dead_refresh_tokens_presented"]?.int == 0)
    }

    @Test func sigtermLetsTheRequestInFlightFinishThenExitsZero() throws {
        let stack = try GatewayStack.shared()
        let user = stack.connected[0]
        try stack.simControl("/_sim/latency", [("ms", "1500")])
        defer { try? stack.simControl("/_sim/latency", [("ms", "0")]) }
        let gateway = stack.gateway
        let inFlight = DispatchQueue(label: "in-flight")
        nonisolated(unsafe) var answer: CurlResponse?
        let group = DispatchGroup()
        group.enter()
        inFlight.async {
            answer = try? stack.request("/users/\(user.id)/measures?types=weight,height", key: user.key)
            group.leave()
        }
        usleep(500_000)  // the request is waiting on the simulator
        kill(gateway.process.processIdentifier, SIGTERM)
        #expect(group.wait(timeout: .now() + 30) == .success)
        #expect(answer?.status == 200, "the request in flight was answered: \(answer?.text ?? "no answer")")
        #expect(gateway.waitForExit(timeout: 30) == 0)
        try gateway.waitFor("shutting down", timeout: 1)
        try stack.restartGateway()
    }

    @Test func healthcheckCommandSeesTheServingGateway() throws {
        let stack = try GatewayStack.shared()
        let healthy = try run("withings-gateway", ["healthcheck", "--listen", "127.0.0.1:\(stack.port)"])
        #expect(healthy.status == 0, "\(healthy.stderr)")
        let nobody = try PortReservation()  // bound, not listening: nothing answers there
        let unhealthy = try run("withings-gateway", ["healthcheck", "--listen", "127.0.0.1:\(nobody.port)"])
        #expect(unhealthy.status != 0)
        #expect(unhealthy.stderr.contains("unhealthy"))
    }
}
