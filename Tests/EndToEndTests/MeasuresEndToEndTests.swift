import Compression
import Foundation
import JSON
import Testing

/// `GET /users/{id}/measures` through the real binaries, checked against
/// the simulator's raw getmeas answers (fetched directly with a token of
/// the test's own). The simulator pages by 7 groups so every listing spans
/// many upstream pages.
@Suite(.serialized, .gatewayStack(StackOptions(sim: ["page-size": "7"])))
struct MeasuresEndToEndTests {
    /// The date window most tests use: recent enough to be a few dozen groups.
    static let windowStart = Int64(Date().timeIntervalSince1970) - 40 * 86_400

    @Test func followingNextCursorGivesEveryGroupOnceWithExactValues() throws {
        let stack = try GatewayStack.shared()
        let user = try #require(stack.connected.first)
        let direct = try DirectWithings(stack: stack, userID: user.id)
        let truth = try direct.allGroups([("startdate", String(Self.windowStart))])
        let listed = try stack.allPages(user: user, query: "start=\(Self.windowStart)")

        #expect(truth.groups.count > 3 * 7, "the window should span several upstream pages")
        #expect(listed.pages >= truth.groups.count / 7, "pages: \(listed.pages) for \(truth.groups.count) groups")
        let ids = listed.groups.compactMap { $0["id"]?.int64 }
        #expect(Set(ids).count == ids.count, "a group came twice")
        #expect(ids == truth.groups.compactMap { $0["grpid"]?.lenientInt64 })
        var differences: [String] = []
        for (group, raw) in zip(listed.groups, truth.groups) {
            differences += MeasuresOracle.differences(public: group, raw: raw, pageTimezone: truth.timezone)
        }
        #expect(differences.isEmpty, "\(differences.prefix(20))")

        // The order is stable: a second walk gives the same sequence.
        let again = try stack.allPages(user: user, query: "start=\(Self.windowStart)")
        #expect(again.groups.compactMap { $0["id"]?.int64 } == ids)
    }

    @Test func firstPageWithoutFiltersMatchesUpstreamExactly() throws {
        let stack = try GatewayStack.shared()
        let user = try #require(stack.connected.last)
        let direct = try DirectWithings(stack: stack, userID: user.id)
        let answer = try stack.request("/users/\(user.id)/measures", key: user.key)
        #expect(answer.status == 200)
        #expect(answer.headers["content-type"]?.hasPrefix("application/json") == true)
        let json = try answer.jsonValue()
        #expect(json["user_id"]?.string == user.id)
        #expect(json["next_cursor"]?.string != nil)
        let groups = try #require(json["measure_groups"]?.array)
        let raw = try stack.simRequest("/measure", method: "POST", form: [("action", "getmeas")],
                                       headers: ["Authorization": "Bearer \(direct.accessToken)"]).jsonValue()
        let rawGroups = try #require(raw["body"]?["measuregrps"]?.array)
        #expect(groups.count == rawGroups.count)
        var differences: [String] = []
        for (group, rawGroup) in zip(groups, rawGroups) {
            differences += MeasuresOracle.differences(
                public: group, raw: rawGroup, pageTimezone: raw["body"]?["timezone"]?.string)
        }
        #expect(differences.isEmpty, "\(differences.prefix(20))")
    }

    @Test func typesFilterByNamesOrCodesKeepsOnlyThoseTypes() throws {
        let stack = try GatewayStack.shared()
        let user = try #require(stack.connected.first)
        let byName = try stack.allPages(user: user, query: "types=weight,fat_ratio&start=\(Self.windowStart)")
        let byCode = try stack.allPages(user: user, query: "types=1,6&start=\(Self.windowStart)")
        #expect(!byName.groups.isEmpty)
        #expect(byName.groups == byCode.groups)
        let types = Set(byName.groups.flatMap { $0["measures"]?.array ?? [] }.compactMap { $0["type"]?.string })
        #expect(types == ["weight", "fat_ratio"])

        let truth = try DirectWithings(stack: stack, userID: user.id)
            .allGroups([("meastypes", "1,6"), ("startdate", String(Self.windowStart))])
        #expect(byName.groups.compactMap { $0["id"]?.int64 } == truth.groups.compactMap { $0["grpid"]?.lenientInt64 })
    }

    @Test func dateWindowAsRFC3339OrUnixSecondsGivesTheSameGroups() throws {
        let stack = try GatewayStack.shared()
        let user = try #require(stack.connected.first)
        let direct = try DirectWithings(stack: stack, userID: user.id)
        let recent = try direct.allGroups([("startdate", String(Self.windowStart))]).groups
        let dates = recent.compactMap { $0["date"]?.lenientInt64 }
        try #require(dates.count > 10)
        let (end, start) = (dates[2], dates[dates.count - 3])  // newest first
        let unix = try stack.allPages(user: user, query: "start=\(start)&end=\(end)")
        let rfc = try stack.allPages(
            user: user, query: "start=\(MeasuresOracle.rfc3339(start))&end=\(MeasuresOracle.rfc3339(end))")
        #expect(unix.groups == rfc.groups)
        let expected = try direct.allGroups([("startdate", String(start)), ("enddate", String(end))])
        #expect(unix.groups.compactMap { $0["id"]?.int64 } == expected.groups.compactMap { $0["grpid"]?.lenientInt64 })
        for group in unix.groups {
            let taken = group["taken_at"]?.string ?? ""
            #expect(taken >= MeasuresOracle.rfc3339(start) && taken <= MeasuresOracle.rfc3339(end), "\(taken)")
        }
    }

    @Test func updatedSinceReturnsOnlyGroupsModifiedSince() throws {
        let stack = try GatewayStack.shared()
        let user = try #require(stack.connected.first)
        let direct = try DirectWithings(stack: stack, userID: user.id)
        let recent = try direct.allGroups([("startdate", String(Self.windowStart))]).groups
        let modified = Set(recent.compactMap { $0["modified"]?.lenientInt64 })
        let sorted = modified.sorted()
        try #require(sorted.count > 10)
        // A bound no group sits on, so ">=" and ">" cannot be confused.
        var since = sorted[sorted.count / 2] + 1
        while modified.contains(since) { since += 1 }

        let listed = try stack.allPages(user: user, query: "updated_since=\(MeasuresOracle.rfc3339(since))")
        let expected = try direct.allGroups([("lastupdate", String(since))])
        #expect(!listed.groups.isEmpty)
        #expect(listed.groups.compactMap { $0["id"]?.int64 }
            == expected.groups.compactMap { $0["grpid"]?.lenientInt64 })
        for group in listed.groups {
            #expect((group["modified_at"]?.string ?? "") >= MeasuresOracle.rfc3339(since))
        }
    }

    @Test func goalCategoryListsGoalsOnly() throws {
        let stack = try GatewayStack.shared()
        let user = try #require(stack.connected.first)
        let goals = try stack.allPages(user: user, query: "category=goal")
        let expected = try DirectWithings(stack: stack, userID: user.id).allGroups([("category", "2")])
        #expect(!goals.groups.isEmpty)
        #expect(goals.groups.allSatisfy { $0["category"]?.string == "goal" })
        #expect(goals.groups.compactMap { $0["id"]?.int64 } == expected.groups.compactMap { $0["grpid"]?.lenientInt64 })
    }

    @Test(arguments: [
        ("types=weight,not_a_type", "types"),
        ("types=1,,6", "types"),
        ("types=-4", "types"),
        ("start=yesterday", "start"),
        ("start=2024-13-01T00:00:00Z", "start"),
        ("end=12:00", "end"),
        ("start=1700000000&end=1600000000", "end"),
        ("updated_since=soon", "updated_since"),
        ("category=dreams", "category"),
        ("category=real&category=goal", "category"),
        ("cursor=", "cursor"),
        ("cursor=not-a-cursor", "cursor"),
    ])
    func badParameterIs400NamingIt(query: String, parameter: String) throws {
        let stack = try GatewayStack.shared()
        let user = try #require(stack.connected.first)
        let answer = try stack.request("/users/\(user.id)/measures?\(query)", key: user.key)
        let problem = expectProblem(answer, status: 400, name: "invalid-parameter")
        #expect(problem?["detail"]?.string?.contains(parameter) == true, "detail: \(answer.text)")
    }

    @Test func tamperedOrForeignCursorIs400() throws {
        let stack = try GatewayStack.shared()
        let user = try #require(stack.connected.first)
        let first = try stack.request("/users/\(user.id)/measures?types=weight", key: user.key).jsonValue()
        let cursor = try #require(first["next_cursor"]?.string)

        // Each character changed in turn (bounded to 40 places), the cursor must be refused.
        var characters = Array(cursor)
        for index in stride(from: 0, to: characters.count, by: max(1, characters.count / 40)) {
            let original = characters[index]
            characters[index] = original == "A" ? "B" : "A"
            let tampered = String(characters)
            characters[index] = original
            let answer = try stack.request(
                "/users/\(user.id)/measures?types=weight&cursor=\(formEncode(tampered))", key: user.key)
            let problem = expectProblem(answer, status: 400, name: "invalid-parameter")
            #expect(problem?["detail"]?.string?.contains("cursor") == true)
        }
        // Bound to its query and to its user.
        let otherQuery = try stack.request(
            "/users/\(user.id)/measures?types=fat_ratio&cursor=\(formEncode(cursor))", key: user.key)
        expectProblem(otherQuery, status: 400, name: "invalid-parameter")
        let other = try #require(stack.connected.last)
        let otherUser = try stack.request(
            "/users/\(other.id)/measures?types=weight&cursor=\(formEncode(cursor))", key: stack.serviceKey)
        expectProblem(otherUser, status: 400, name: "invalid-parameter")
        // The genuine cursor still works.
        let genuine = try stack.request(
            "/users/\(user.id)/measures?types=weight&cursor=\(formEncode(cursor))", key: user.key)
        #expect(genuine.status == 200)
    }

    @Test func etagIsStableAndIfNoneMatchGives304InEitherEncoding() throws {
        let stack = try GatewayStack.shared()
        let user = try #require(stack.connected.first)
        let path = "/users/\(user.id)/measures?types=weight,heart_pulse"
        let plain = try stack.request(path, key: user.key)
        let plainTag = try #require(plain.headers["etag"])
        #expect(try stack.request(path, key: user.key).headers["etag"] == plainTag)

        let notModified = try stack.request(path, key: user.key, headers: ["If-None-Match": plainTag])
        #expect(notModified.status == 304)
        #expect(notModified.body.isEmpty)
        #expect(notModified.headers["etag"] != nil)

        let gzipped = try stack.request(path, key: user.key, headers: ["Accept-Encoding": "gzip"])
        let gzipTag = try #require(gzipped.headers["etag"])
        let crossed = try stack.request(path, key: user.key,
                                        headers: ["Accept-Encoding": "gzip", "If-None-Match": plainTag])
        #expect(crossed.status == 304, "identity ETag on a gzip request")
        let crossedBack = try stack.request(path, key: user.key, headers: ["If-None-Match": gzipTag])
        #expect(crossedBack.status == 304, "gzip ETag on an identity request")
        let listed = try stack.request(path, key: user.key, headers: ["If-None-Match": "\"nope\", \(plainTag)"])
        #expect(listed.status == 304, "one of a list matches")

        let stale = try stack.request(path, key: user.key, headers: ["If-None-Match": "\"not-the-tag\""])
        #expect(stale.status == 200)
        // Another query is other data, so another tag.
        let otherTag = try stack.request("/users/\(user.id)/measures?types=weight", key: user.key).headers["etag"]
        #expect(otherTag != nil && otherTag != plainTag)
    }

    @Test func gzipAnswerHasVaryAndTheSameContent() throws {
        let stack = try GatewayStack.shared()
        let user = try #require(stack.connected.first)
        let path = "/users/\(user.id)/measures?start=\(Self.windowStart)"
        let plain = try stack.request(path, key: user.key)
        let gzipped = try stack.request(path, key: user.key, headers: ["Accept-Encoding": "gzip"])
        #expect(plain.status == 200 && gzipped.status == 200)
        #expect(plain.headers["content-encoding"] == nil)
        #expect(gzipped.headers["content-encoding"] == "gzip")
        for answer in [plain, gzipped] {
            #expect(answer.headers["vary"]?.contains("Accept-Encoding") == true)
        }
        #expect(gzipped.body.count < plain.body.count)
        let inflated = try Gzip.decompress(Array(gzipped.body), maxOutputBytes: 64 << 20)
        #expect(inflated == Array(plain.body))
        let refused = try stack.request(path, key: user.key, headers: ["Accept-Encoding": "gzip;q=0"])
        #expect(refused.headers["content-encoding"] == nil)
    }

    @Test func identicalConcurrentRequestsMakeOneUpstreamCall() throws {
        let stack = try GatewayStack.shared()
        let user = try #require(stack.connected.first)
        // A query nobody asked before (not cached), answered slowly so all requests meet in flight.
        let path = "/users/\(user.id)/measures?types=weight&start=\(Self.windowStart + 17)"
        try stack.simControl("/_sim/latency", [("ms", "1500")])
        defer { try? stack.simControl("/_sim/latency", [("ms", "0")]) }
        let before = try stack.getmeasCalls()
        let answers = try curlParallel(Array(repeating: stack.base + path, count: 8),
                                       headers: ["Authorization": "Bearer \(user.key)"])
        let after = try stack.getmeasCalls()
        #expect(answers.map(\.status) == Array(repeating: 200, count: 8))
        #expect(Set(answers.map(\.body)).count == 1, "coalesced callers share one answer")
        #expect(after - before == 1, "upstream getmeas calls for 8 identical requests: \(after - before)")
        let metrics = try stack.request("/metrics").text
        #expect(metrics.contains("gateway_coalesced_requests_total"))
    }
}
