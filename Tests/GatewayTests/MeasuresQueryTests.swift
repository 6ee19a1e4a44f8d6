import Gateway
import JSON
import Testing
import WithingsAPI

struct MeasuresQueryTests {
    private func parse(_ items: [(String, String)]) -> Result<MeasuresQuery, MeasuresQueryError> {
        MeasuresQuery.parse(items.map { (name: $0.0, value: $0.1) })
    }

    @Test func defaults() throws {
        let query = try parse([]).get()
        #expect(
            query == MeasuresQuery(types: [], start: nil, end: nil, updatedSince: nil, category: .real, cursor: nil))
        #expect(query.getmeasQuery(offset: nil) == GetmeasQuery(meastypes: [], category: 1))
    }

    @Test func everyParameter() throws {
        let query = try parse([
            ("types", "weight,6, Fat_Ratio ,unknown_4242,1"), ("start", "2024-03-01T00:00:00Z"),
            ("end", "1709337600"), ("category", "goal"), ("cursor", "abc-DEF_123.sig"), ("unrelated", "x"),
        ]).get()
        #expect(query.types == [1, 6, 4242])
        #expect(query.start == 1_709_251_200)
        #expect(query.end == 1_709_337_600)
        #expect(query.category == .goal)
        #expect(query.cursor == "abc-DEF_123.sig")
        #expect(
            query.getmeasQuery(offset: 400)
                == GetmeasQuery(
                    meastypes: [1, 6, 4242], category: 2, startDate: 1_709_251_200, endDate: 1_709_337_600,
                    offset: 400))
    }

    @Test func updatedSinceNeverTravelsWithDates() throws {
        let query = try parse([("updated_since", "1700000000"), ("start", "0"), ("end", "10")]).get()
        let upstream = query.getmeasQuery(offset: nil)
        #expect(upstream.lastUpdate == 1_700_000_000)
        #expect(upstream.startDate == nil && upstream.endDate == nil)
        #expect(WithingsRequests.getmeas(upstream).map(\.0) == ["action", "category", "lastupdate"])
    }

    @Test(arguments: [
        ("types", "", "types"),
        ("types", "weight,", "types"),
        ("types", "weight,,fat_ratio", "types"),
        ("types", "weigth", "types"),
        ("types", "0", "types"),
        ("types", "1234567", "types"),
        ("types", "-1", "types"),
        ("types", "unknown_1", "types"),
        ("start", "", "start"),
        ("start", "yesterday", "start"),
        ("start", "-5", "start"),
        ("start", "1.5", "start"),
        ("start", "2024-02-30T00:00:00Z", "start"),
        ("start", "1969-12-31T23:59:59Z", "start"),
        ("end", "99999999999999", "end"),
        ("updated_since", "2024-03-02", "updated_since"),
        ("category", "REAL", "category"),
        ("category", "", "category"),
        ("cursor", "", "cursor"),
        ("cursor", "has space", "cursor"),
        ("cursor", String(repeating: "a", count: 1025), "cursor"),
    ])
    func badValuesNameTheParameter(name: String, value: String, parameter: String) throws {
        guard case .failure(let error) = parse([(name, value)]) else {
            Issue.record("\(name)=\(value) accepted")
            return
        }
        #expect(error.parameter == parameter)
        #expect(!error.detail.isEmpty)
        if value.count > 3 { #expect(!error.detail.contains(value)) }
        let response = error.response
        #expect(response.status == 400)
        let problem = try JSONParser.parse(response.body)
        #expect(problem["detail"]?.string?.contains(parameter) == true)
        #expect(problem["parameter"]?.string == parameter)
    }

    @Test func repeatedParameterIsRefused() {
        guard case .failure(let error) = parse([("types", "weight"), ("types", "height")]) else {
            Issue.record("accepted")
            return
        }
        #expect(error.parameter == "types")
    }

    @Test func endBeforeStartIsRefused() {
        guard case .failure(let error) = parse([("start", "200"), ("end", "100")]) else {
            Issue.record("accepted")
            return
        }
        #expect(error.parameter == "end")
        #expect((try? parse([("start", "100"), ("end", "100")]).get()) != nil)
    }

    @Test func tooManyTypes() {
        let many = (1...65).map { String($0 + 1000) }.joined(separator: ",")
        guard case .failure(let error) = parse([("types", many)]) else {
            Issue.record("accepted")
            return
        }
        #expect(error.parameter == "types")
        // Duplicates do not count twice.
        #expect(
            (try? parse([("types", Array(repeating: "weight", count: 100).joined(separator: ","))]).get())?.types == [1]
        )
    }

    @Test func canonicalKeyIgnoresSpellingAndCursor() throws {
        let a = try parse([("types", "weight,fat_ratio"), ("start", "2024-03-01T01:00:00+01:00"), ("cursor", "x")])
            .get()
        let b = try parse([("start", "1709251200"), ("types", "1,6")]).get()
        let c = try parse([("types", "6,1"), ("start", "1709251200")]).get()
        #expect(a.canonicalKey == b.canonicalKey)
        #expect(a.canonicalKey == c.canonicalKey)
        #expect(c.types == [6, 1])  // the query itself keeps the order asked
        let d = try parse([("types", "6,1"), ("start", "1709251200"), ("category", "goal")]).get()
        #expect(c.canonicalKey != d.canonicalKey)
        #expect(b.canonicalKey == "types=1,6&start=1709251200&end=&updated_since=&category=real")
    }
}
