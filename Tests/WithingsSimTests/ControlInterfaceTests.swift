import HTTP1
import Testing

@testable import WithingsSim

struct ControlInterfaceTests {
    @Test func refusedUnlessEnabled() async throws {
        let harness = Harness { $0.control = false }
        for (method, path) in [(HTTPMethod.get, "/_sim/counters"), (.post, "/_sim/faults"), (.get, "/_sim")] {
            let response = await harness.sim.handle(HTTPRequest(method: method, target: path))
            #expect(response.status == 403)
        }
        // The in-process API stays available to the embedding program.
        let token = try await harness.connect().accessToken
        harness.sim.schedule(.status(522))
        #expect(statusOf(try await harness.getmeas(token)) == 522)
        #expect(harness.sim.counters().faultsInjected == 1)
        #expect(statusOf(try await harness.getmeas(token)) == 0)
    }

    @Test func statusFaultAnswersTheNextNCallsThenStops() async throws {
        let harness = Harness()
        let token = try await harness.connect().accessToken
        #expect(await harness.post("/_sim/faults", [("kind", "status"), ("status", "2555"), ("count", "2")]).status == 200)
        #expect(statusOf(try await harness.getmeas(token)) == 2555)
        #expect(statusOf(try await harness.getmeas(token)) == 2555)
        #expect(statusOf(try await harness.getmeas(token)) == 0)
        #expect(harness.sim.counters().faultsInjected == 2)
        #expect(harness.sim.counters().calls("getmeas") == 3)
    }

    @Test(arguments: [(601, "wait_seconds"), (522, nil), (503, nil), (401, nil), (2554, nil)] as [(Int, String?)])
    func statusFaultsLookLikeTheRealAnswers(status: Int, bodyKey: String?) async throws {
        let harness = Harness()
        let token = try await harness.connect().accessToken
        harness.sim.schedule(.status(status))
        let answer = try await harness.getmeas(token)
        #expect(statusOf(answer) == status)
        #expect(answer["error"] is String)
        if let bodyKey { #expect((answer["body"] as? [String: Any])?[bodyKey] != nil) }
    }

    @Test func faultsCanTargetOneAction() async throws {
        let harness = Harness()
        let first = try await harness.connect()
        #expect(await harness.post("/_sim/faults", [("kind", "status"), ("status", "522"), ("action", "requesttoken")]).status == 200)
        #expect(statusOf(try await harness.getmeas(first.accessToken)) == 0)
        #expect(statusOf(try await harness.refresh(first.refreshToken)) == 522)
        // The faulted refresh never ran: the token still works, and nothing was counted as a refresh.
        #expect(harness.sim.counters().refreshes == 0)
        #expect(statusOf(try await harness.refresh(first.refreshToken)) == 0)
    }

    @Test func resetAfterARefreshLosesTheAnswerButNotTheOldToken() async throws {
        let harness = Harness()
        let first = try await harness.connect()
        #expect(await harness.post("/_sim/faults", [("kind", "reset"), ("action", "requesttoken")]).status == 200)
        let lost = await harness.post("/v2/oauth2", [
            ("action", "requesttoken"), ("grant_type", "refresh_token"), ("client_id", "demo-client"),
            ("client_secret", "demo-secret"), ("refresh_token", first.refreshToken),
        ])
        #expect(lost.fault == .resetConnection)
        #expect(harness.sim.counters().refreshes == 1)
        // The client never saw the new pair; retrying with the old token must work.
        #expect(statusOf(try await harness.refresh(first.refreshToken)) == 0)
        #expect(harness.sim.counters().deadRefreshTokensPresented == 0)
    }

    @Test func truncatedBodyKeepsHalf() async throws {
        let harness = Harness()
        let token = try await harness.connect().accessToken
        #expect(await harness.post("/_sim/faults", [("kind", "truncate")]).status == 200)
        let response = await harness.get("/measure?action=getmeas", headers: ["Authorization": "Bearer " + token])
        #expect(response.fault == .truncateBody(afterBytes: response.body.count / 2))
        #expect(response.body.count > 1000)
    }

    @Test func outageIsANonJSONPage() async throws {
        let harness = Harness()
        let token = try await harness.connect().accessToken
        #expect(await harness.post("/_sim/faults", [("kind", "outage"), ("status", "502")]).status == 200)
        let response = await harness.get("/measure?action=getmeas", headers: ["Authorization": "Bearer " + token])
        #expect(response.status == 502)
        #expect(response.headers["content-type"] == "text/html")
        #expect(String(decoding: response.body, as: UTF8.self).contains("<html>"))
    }

    @Test func latencyFaultStillAnswers() async throws {
        let harness = Harness()
        let token = try await harness.connect().accessToken
        #expect(await harness.post("/_sim/faults", [("kind", "latency"), ("ms", "1")]).status == 200)
        #expect(await harness.post("/_sim/latency", [("ms", "1")]).status == 200)
        #expect(statusOf(try await harness.getmeas(token)) == 0)
        #expect(harness.sim.state.withLock { $0.extraLatencyMs } == 1)
    }

    @Test(arguments: [
        [("kind", "status")], [("kind", "status"), ("status", "0x1")], [("kind", "latency")],
        [("kind", "outage"), ("status", "404")], [("kind", "teleport")], [("kind", "reset"), ("count", "0")],
    ])
    func badFaultRequestsAreRefused(form: [(String, String)]) async {
        let harness = Harness()
        #expect(await harness.post("/_sim/faults", form).status == 400)
        #expect(harness.sim.state.withLock { $0.faults.rules.isEmpty })
    }

    @Test func clearingFaults() async throws {
        let harness = Harness()
        let token = try await harness.connect().accessToken
        harness.sim.schedule(.status(601), count: 5)
        #expect(await harness.sim.handle(HTTPRequest(method: .delete, target: "/_sim/faults")).status == 200)
        #expect(statusOf(try await harness.getmeas(token)) == 0)
    }

    @Test func invalidatingAccessTokensForcesARefresh() async throws {
        let harness = Harness()
        let first = try await harness.connect()
        #expect(await harness.post("/_sim/invalidate-access-tokens", []).status == 200)
        #expect(statusOf(try await harness.getmeas(first.accessToken)) == 401)
        let next = try TokenBody(try await harness.refresh(first.refreshToken))
        #expect(statusOf(try await harness.getmeas(next.accessToken)) == 0)
    }

    @Test func countersAsJSON() async throws {
        let harness = Harness()
        let first = try await harness.connect()
        _ = try await harness.refresh(first.refreshToken)
        _ = try await harness.refresh("dead")
        let response = await harness.get("/_sim/counters")
        #expect(response.status == 200)
        let json = try jsonObject(response.body)
        #expect(json["refreshes"] as? Int == 1)
        #expect((json["refreshes_by_user"] as? [String: Int]) == [first.userID: 1])
        #expect(json["dead_refresh_tokens_presented"] as? Int == 1)
        #expect(json["code_exchanges"] as? Int == 1)
        #expect((json["calls_by_action"] as? [String: Int])?["requesttoken"] == 3)
        #expect(await harness.post("/_sim/counters/reset", []).status == 200)
        #expect(harness.sim.counters() == SimulatorCounters())
    }

    @Test func usersAndCodes() async throws {
        let harness = Harness()
        let users = try jsonObject(await harness.get("/_sim/users").body)
        #expect(users["users"] as? [String] == harness.sim.userIDs)
        let issued = try jsonObject(await harness.post("/_sim/codes", [("userid", harness.sim.userIDs[2])]).body)
        let code = try #require(issued["code"] as? String)
        #expect(try TokenBody(try await harness.exchange(code: code)).userID == harness.sim.userIDs[2])
        #expect(await harness.post("/_sim/codes", [("userid", "1")]).status == 400)
        #expect(await harness.get("/_sim/nothing").status == 404)
    }

    @Test func faultScheduleConsumesOldestMatchingRuleFirst() {
        var schedule = FaultSchedule()
        schedule.add(.status(522), count: 1, action: "requesttoken")
        schedule.add(.resetConnection, count: 2, action: nil)
        #expect(schedule.take(action: "getmeas") == .resetConnection)
        #expect(schedule.take(action: "requesttoken") == .status(522))
        #expect(schedule.take(action: "requesttoken") == .resetConnection)
        #expect(schedule.take(action: "getmeas") == nil)
    }

    @Test func everyListedControlRouteIsServed() async {
        let harness = Harness()
        for route in WithingsSimulator.controlRoutes {
            let response = await harness.sim.handle(HTTPRequest(method: route.method, target: route.path))
            #expect(response.status != 404, "\(route.method) \(route.path)")
        }
    }

    @Test func unknownRoutesAndMethods() async {
        let harness = Harness()
        #expect(await harness.get("/v2/measure").status == 404)
        #expect(await harness.sim.handle(HTTPRequest(method: .put, target: "/measure")).status == 405)
    }
}
