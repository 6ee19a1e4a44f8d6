import HTTP1
import Testing

@testable import WithingsSim

struct GetmeasTests {
    private func ids(_ groups: [[String: Any]]) -> [Int] { groups.compactMap { $0["grpid"] as? Int } }

    private func types(_ group: [String: Any]) -> [Int] {
        (group["measures"] as? [[String: Any]] ?? []).compactMap { $0["type"] as? Int }
    }

    @Test func pagingCoversEveryGroupExactlyOnceInOrder() async throws {
        let harness = Harness { $0.pageSize = 97 }
        let token = try await harness.connect().accessToken
        let groups = try await harness.allGroups(token)
        let expected = harness.sim.dataset(index: 0).groups.filter { $0.category == 1 }
        #expect(groups.count == expected.count)
        #expect(ids(groups) == expected.map { Int($0.id) })
        #expect(Set(ids(groups)).count == groups.count)
        let dates = groups.compactMap { $0["date"] as? Int }
        #expect(dates == dates.sorted(by: >))
        #expect(groups.count > 3 * 97)
    }

    @Test func pageShapeMatchesWithings() async throws {
        let harness = Harness()
        let token = try await harness.connect().accessToken
        let answer = try await harness.getmeas(token)
        let body = try #require(answer["body"] as? [String: Any])
        #expect(body["updatetime"] as? Int == Int(harness.clock.now))
        #expect(body["timezone"] as? String == harness.sim.dataset(index: 0).timezone)
        #expect(body["more"] as? Int == 1)
        #expect(body["offset"] as? Int == 200)
        let groups = try #require(body["measuregrps"] as? [[String: Any]])
        #expect(groups.count == 200)
        for key in ["grpid", "attrib", "date", "created", "modified", "category", "deviceid", "hash_deviceid",
            "measures", "modelid", "model", "comment"] {
            #expect(groups.allSatisfy { $0.keys.contains(key) }, "missing \(key)")
        }
        let measure = try #require((groups[0]["measures"] as? [[String: Any]])?.first)
        #expect(Set(measure.keys).isSuperset(of: ["value", "type", "unit", "algo", "fm"]))
    }

    @Test func lastPageSaysNoMoreWithOffsetZero() async throws {
        let harness = Harness()
        let token = try await harness.connect().accessToken
        let total = harness.sim.dataset(index: 0).groups.filter { $0.category == 1 }.count
        let answer = try await harness.getmeas(token, [("offset", String(total - 3))])
        let body = try #require(answer["body"] as? [String: Any])
        #expect((body["measuregrps"] as? [Any])?.count == 3)
        #expect(body["more"] as? Int == 0)
        #expect(body["offset"] as? Int == 0)
        let beyond = try await harness.getmeas(token, [("offset", String(total + 50))])
        #expect(((beyond["body"] as? [String: Any])?["measuregrps"] as? [Any])?.isEmpty == true)
    }

    @Test func typeFiltersKeepOnlyMatchingGroupsAndMeasures() async throws {
        let harness = Harness { $0.pageSize = 500 }
        let token = try await harness.connect().accessToken
        let blood = try await harness.allGroups(token, [("meastypes", "9,10")])
        #expect(!blood.isEmpty)
        #expect(blood.allSatisfy { Set(types($0)).isSubset(of: [9, 10]) && !types($0).isEmpty })
        let weight = try await harness.allGroups(token, [("meastype", "1")])
        #expect(weight.allSatisfy { types($0) == [1] })
        let expected = harness.sim.dataset(index: 0).groups.filter { $0.category == 1 && $0.measures.contains { $0.type == 1 } }
        #expect(weight.count == expected.count)
        let both = try await harness.allGroups(token, [("meastype", "1"), ("meastypes", "71")])
        #expect(both.count == weight.count + harness.sim.dataset(index: 0).groups.filter { g in g.measures.contains { $0.type == 71 } }.count)
    }

    @Test func goalsAreCategoryTwo() async throws {
        let harness = Harness()
        let token = try await harness.connect().accessToken
        let goals = try await harness.allGroups(token, [("category", "2")])
        #expect(goals.count == 2)
        #expect(goals.allSatisfy { $0["category"] as? Int == 2 && types($0) == [1] })
        let real = try await harness.allGroups(token, [("category", "1"), ("meastype", "1")])
        #expect(real.allSatisfy { $0["category"] as? Int == 1 })
    }

    @Test func dateWindowIsInclusive() async throws {
        let harness = Harness()
        let token = try await harness.connect().accessToken
        let all = harness.sim.dataset(index: 0).groups.filter { $0.category == 1 }
        let start = all[40].date
        let end = all[10].date
        let window = try await harness.allGroups(token, [("startdate", String(start)), ("enddate", String(end))])
        #expect(ids(window) == all.filter { $0.date >= start && $0.date <= end }.map { Int($0.id) })
        #expect(window.count >= 31)
    }

    @Test func lastUpdateSelectsByModificationAndNarrowsWithDates() async throws {
        let harness = Harness()
        let token = try await harness.connect().accessToken
        let all = harness.sim.dataset(index: 0).groups.filter { $0.category == 1 }
        // A confirmed (attrib 7) group is modified long after it was taken.
        let edited = try #require(all.first { $0.attrib == 7 })
        let since = try await harness.allGroups(token, [("lastupdate", String(edited.modified))])
        #expect(ids(since) == all.filter { $0.modified >= edited.modified }.map { Int($0.id) })
        #expect(ids(since).contains(Int(edited.id)))
        // Together with a date window both apply: the pitfall clients hit upstream.
        let narrowed = try await harness.allGroups(
            token, [("lastupdate", String(edited.modified)), ("startdate", String(edited.date + 1))])
        #expect(!ids(narrowed).contains(Int(edited.id)))
    }

    @Test(arguments: [
        ("meastype", "x"), ("meastypes", "1,,6"), ("meastypes", "1;6"), ("category", "3"), ("startdate", "1e9"),
        ("enddate", "-5"), ("lastupdate", ""), ("offset", "-1"), ("offset", "99999999999"),
    ])
    func badParametersAreInvalidParams(name: String, value: String) async throws {
        let harness = Harness()
        let token = try await harness.connect().accessToken
        let answer = try await harness.getmeas(token, [(name, value)])
        #expect(statusOf(answer) == 503)
        #expect(answer["error"] as? String == "Invalid Params: invalid \(name)")
    }

    @Test func expiredUnknownAndInvalidatedTokensGetTheRealError() async throws {
        let harness = Harness()
        let token = try await harness.connect().accessToken
        harness.clock.advance(10799)
        #expect(statusOf(try await harness.getmeas(token)) == 0)
        harness.clock.advance(1)
        let expired = try await harness.getmeas(token)
        #expect(statusOf(expired) == 401)
        #expect(expired["error"] as? String == "XRequestID: Not provided invalid_token: The access token provided is invalid")
        #expect((expired["body"] as? [String: Any])?.isEmpty == true)
        #expect(statusOf(try await harness.getmeas("nope")) == 401)
        let missing = try envelope(await harness.get("/measure?action=getmeas"))
        #expect(statusOf(missing) == 401)
        #expect(harness.sim.counters().invalidAccessTokensPresented == 3)
    }

    @Test func missingMetricsScopeIsTheUnauthorizedFamily() async throws {
        let harness = Harness()
        let token = try await harness.connect(scope: "user.info,user.activity").accessToken
        let answer = try await harness.getmeas(token)
        #expect(statusOf(answer) == 277)
        #expect([214, 277, 2553, 2555].contains(statusOf(answer) ?? 0))
    }

    @Test func postFormAndLegacyAccessTokenParameterWork() async throws {
        let harness = Harness()
        let token = try await harness.connect().accessToken
        let viaPost = try envelope(await harness.post(
            "/measure", [("action", "getmeas"), ("meastype", "1")], headers: ["Authorization": "Bearer " + token]))
        #expect(statusOf(viaPost) == 0)
        let viaParam = try envelope(await harness.get("/measure?action=getmeas&meastype=1&access_token=" + token))
        #expect(statusOf(viaParam) == 0)
        let viaPostQuery = try envelope(await harness.post(
            "/measure?action=getmeas", [("meastype", "1")], headers: ["authorization": "bearer " + token]))
        #expect(statusOf(viaPostQuery) == 0)
        let wrongAction = try await harness.getmeas(token, [("action", "getactivity")])
        #expect(statusOf(wrongAction) == 0)  // first `action` wins: getmeas
        let unknown = try envelope(await harness.get("/measure?action=getworkouts", headers: ["Authorization": "Bearer " + token]))
        #expect(statusOf(unknown) == 2554)
    }

    @Test func preparedDataIsWhatGetmeasServes() async throws {
        let harness = Harness()
        harness.sim.prepareData(users: 10)
        let token = try await harness.connect(index: 2).accessToken
        let groups = try await harness.allGroups(token)
        #expect(ids(groups) == harness.sim.dataset(index: 2).groups.filter { $0.category == 1 }.map { Int($0.id) })
    }

    @Test func usersSeeTheirOwnData() async throws {
        let harness = Harness()
        let zero = try await harness.connect(index: 0)
        let one = try await harness.connect(index: 1)
        let first = try await harness.allGroups(zero.accessToken, [("meastype", "1")])
        let second = try await harness.allGroups(one.accessToken, [("meastype", "1")])
        #expect(Set(ids(first)).isDisjoint(with: ids(second)))
    }
}
