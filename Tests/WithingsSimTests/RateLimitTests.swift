import HTTP1
import Testing

@testable import WithingsSim

struct RateLimitTests {
    @Test func perMinuteLimitIsAppWideAndReportsTheWait() async throws {
        let harness = Harness { $0.rateLimitPerMinute = 5 }
        let zero = try await harness.connect(index: 0)  // one token call
        let one = try await harness.connect(index: 1)  // two
        harness.clock.advance(10)
        for offset in 0..<3 {
            #expect(statusOf(try await harness.getmeas(offset % 2 == 0 ? zero.accessToken : one.accessToken, [("offset", String(offset))])) == 0)
        }
        let limited = try await harness.getmeas(zero.accessToken, [("offset", "9")])
        #expect(statusOf(limited) == 601)
        // The oldest admitted call (t=0) leaves the window at t=60.
        #expect((limited["body"] as? [String: Any])?["wait_seconds"] as? Int == 50)
        harness.clock.advance(49)
        #expect(statusOf(try await harness.getmeas(zero.accessToken, [("offset", "9")])) == 601)
        harness.clock.advance(1)
        #expect(statusOf(try await harness.getmeas(zero.accessToken, [("offset", "9")])) == 0)
        #expect(harness.sim.counters().rateLimited == 2)
    }

    @Test func sameArgumentsWithinTheWindowAnswer601() async throws {
        let harness = Harness { $0.sameArgsWindow = 10 }
        let token = try await harness.connect().accessToken
        #expect(statusOf(try await harness.getmeas(token, [("meastype", "1")])) == 0)
        harness.clock.advance(3)
        let repeated = try await harness.getmeas(token, [("meastype", "1")])
        #expect(statusOf(repeated) == 601)
        #expect(repeated["error"] as? String == "Same arguments in less than 10 seconds")
        #expect((repeated["body"] as? [String: Any])?["wait_seconds"] as? Int == 7)
        // Other arguments, or the same ones via POST in another order, are judged by their content.
        #expect(statusOf(try await harness.getmeas(token, [("meastype", "4")])) == 0)
        let reordered = try envelope(await harness.post(
            "/measure", [("meastype", "1"), ("action", "getmeas")], headers: ["Authorization": "Bearer " + token]))
        #expect(statusOf(reordered) == 601)
        harness.clock.advance(7)
        #expect(statusOf(try await harness.getmeas(token, [("meastype", "1")])) == 0)
    }

    @Test func aNewTokenIsANewArgument() async throws {
        // The refresh-then-retry pattern must not trip the rule.
        let harness = Harness { $0.sameArgsWindow = 10 }
        let first = try await harness.connect()
        #expect(statusOf(try await harness.getmeas(first.accessToken)) == 0)
        let second = try TokenBody(try await harness.refresh(first.refreshToken))
        #expect(statusOf(try await harness.getmeas(second.accessToken)) == 0)
    }

    @Test func repeatedRefreshIsLimitedButADeadTokenStillCounts() async throws {
        let harness = Harness { $0.sameArgsWindow = 10 }
        let first = try await harness.connect()
        let second = try TokenBody(try await harness.refresh(first.refreshToken))
        _ = try await harness.getmeas(second.accessToken)  // retires the first refresh token
        let again = try await harness.refresh(first.refreshToken)
        #expect(statusOf(again) == 601)
        #expect(harness.sim.counters().deadRefreshTokensPresented == 1)
    }

    @Test func windowZeroTurnsTheRuleOffAndTheControlInterfaceSetsIt() async throws {
        let harness = Harness()
        let token = try await harness.connect().accessToken
        #expect(statusOf(try await harness.getmeas(token)) == 0)
        #expect(statusOf(try await harness.getmeas(token)) == 0)
        #expect(await harness.post("/_sim/same-args-window", [("seconds", "30")]).status == 200)
        #expect(statusOf(try await harness.getmeas(token)) == 0)
        harness.clock.advance(29)
        let limited = try await harness.getmeas(token)
        #expect((limited["body"] as? [String: Any])?["wait_seconds"] as? Int == 1)
        #expect(await harness.post("/_sim/same-args-window", [("seconds", "-1")]).status == 400)
    }

    @Test func rateLimitCanBeSetThroughTheControlInterface() async throws {
        let harness = Harness()
        let token = try await harness.connect().accessToken
        #expect(await harness.post("/_sim/rate-limit", [("per_minute", "1")]).status == 200)
        #expect(statusOf(try await harness.getmeas(token)) == 0)
        #expect(statusOf(try await harness.getmeas(token, [("meastype", "1")])) == 601)
    }

    @Test func limiterUnit() {
        var limiter = RateLimiter(perMinute: 2, sameArgsWindow: 5)
        #expect(limiter.admit(argumentsKey: "a", now: 100) == .admitted)
        #expect(limiter.admit(argumentsKey: "a", now: 101) == .sameArguments(waitSeconds: 4))
        #expect(limiter.admit(argumentsKey: nil, now: 101) == .admitted)
        #expect(limiter.admit(argumentsKey: "b", now: 120) == .perMinute(waitSeconds: 40))
        #expect(limiter.admit(argumentsKey: "a", now: 160) == .admitted)
        // Refused calls do not count against the minute.
        #expect(limiter.admit(argumentsKey: nil, now: 161) == .admitted)
        #expect(limiter.admit(argumentsKey: nil, now: 162) == .perMinute(waitSeconds: 58))
    }
}
