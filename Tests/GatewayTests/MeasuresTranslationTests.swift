import Gateway
import JSON
import Testing
import WithingsAPI

struct MeasuresTranslationTests {
    /// Shapes from withings-api.md §4: a BPM Core group (no group timezone), a
    /// Body Cardio group with its own timezone and a segmental measure, a goal,
    /// an unknown type and an undocumented attrib.
    static let answer = #"""
        {"status":0,"body":{"updatetime":1709277200,"timezone":"Europe/Berlin",
         "measuregrps":[
          {"grpid":4212345678,"attrib":0,"date":1709277120,"created":1709277125,"modified":1709277125,
           "category":1,"deviceid":"a0b1c2","hash_deviceid":"a0b1c2","timezone":"Europe/Paris",
           "measures":[{"value":72500,"type":1,"unit":-3,"algo":0,"fm":3},{"value":1825,"type":6,"unit":-2}],
           "modelid":6,"model":"Body Cardio","comment":null},
          {"grpid":4716596696,"attrib":5,"date":1690491576,"created":1690491663,
           "category":1,"deviceid":"c405eb8e","hash_deviceid":"c405eb8e",
           "measures":[{"value":89,"type":9,"unit":0,"algo":0,"fm":3},{"value":109,"type":10,"unit":0,"algo":0,"fm":3},
                       {"value":64,"type":11,"unit":0}],
           "modelid":44,"model":"BPM Core","comment":null},
          {"grpid":17,"attrib":10009,"date":1600000000,"category":1,"deviceid":null,
           "measures":[{"value":1234,"type":174,"unit":-2,"position":3},{"value":20,"type":175,"unit":-1},
                       {"value":-5,"type":4242,"unit":3},{"value":1,"type":130,"unit":0}]},
          {"grpid":18,"attrib":2,"date":1500000000,"category":2,"measures":[{"value":70,"type":1,"unit":0}]}
         ],
         "more":1,"offset":4}}
        """#

    private func page() throws -> GetmeasPage {
        try WithingsDecoding.getmeas(Array(Self.answer.utf8)).get()
    }

    private func render(_ query: MeasuresQuery = MeasuresQuery(), cursor: String? = nil) throws -> String {
        String(
            decoding: MeasuresTranslation.render(
                page: try page(), userID: "12345678", query: query, nextCursor: cursor),
            as: UTF8.self)
    }

    @Test func exactPublicJSON() throws {
        let expected =
            #"{"user_id":"12345678","measure_groups":["#
            + #"{"id":4212345678,"taken_at":"2024-03-01T07:12:00Z","modified_at":"2024-03-01T07:12:05Z","#
            + #""timezone":"Europe/Paris","category":"real","attribution":"device","device_id":"a0b1c2","measures":["#
            + #"{"type":"weight","code":1,"value":72.5,"unit":"kg"},"#
            + #"{"type":"fat_ratio","code":6,"value":18.25,"unit":"%"}]},"#
            + #"{"id":4716596696,"taken_at":"2023-07-27T20:59:36Z","modified_at":"2023-07-27T21:01:03Z","#
            + #""timezone":"Europe/Berlin","category":"real","attribution":"auto_device","device_id":"c405eb8e","measures":["#
            + #"{"type":"diastolic_blood_pressure","code":9,"value":89,"unit":"mmHg"},"#
            + #"{"type":"systolic_blood_pressure","code":10,"value":109,"unit":"mmHg"},"#
            + #"{"type":"heart_pulse","code":11,"value":64,"unit":"bpm"}]},"#
            + #"{"id":17,"taken_at":"2020-09-13T12:26:40Z","modified_at":"2020-09-13T12:26:40Z","#
            + #""timezone":"Europe/Berlin","category":"real","attribution":"unknown_10009","device_id":null,"measures":["#
            + #"{"type":"segmental_fat_mass","code":174,"value":12.34,"unit":"kg","position":"left_arm"},"#
            + #"{"type":"segmental_muscle_mass","code":175,"value":2,"unit":"kg"},"#
            + #"{"type":"unknown_4242","code":4242,"value":-5000,"unit":null},"#
            + #"{"type":"afib_ecg","code":130,"value":1,"unit":null}]}"#
            + #"],"next_cursor":"c1.sig"}"#
        #expect(try render(cursor: "c1.sig") == expected)
    }

    @Test func outputIsValidJSONWithExactNumbers() throws {
        let document = try JSONParser.parse(Array(try render().utf8))
        #expect(document["next_cursor"]?.isNull == true)
        let groups = try #require(document["measure_groups"]?.array)
        #expect(groups.count == 3)
        #expect(groups[0]["id"]?.int64 == 4_212_345_678)
        #expect(groups[0]["measures"]?[0]?["value"]?.numberText == "72.5")
        #expect(groups[1]["measures"]?[2]?["position"] == nil)
        #expect(groups[2]["measures"]?[0]?["position"]?.string == "left_arm")
        #expect(groups[2]["measures"]?[1]?["position"] == nil)
    }

    @Test func typeFilterDropsOtherMeasuresAndEmptiedGroups() throws {
        let document = try JSONParser.parse(Array(try render(MeasuresQuery(types: [1])).utf8))
        let groups = try #require(document["measure_groups"]?.array)
        #expect(groups.map { $0["id"]?.int64 } == [4_212_345_678])
        #expect(groups[0]["measures"]?.array?.count == 1)
        #expect(groups[0]["measures"]?[0]?["type"]?.string == "weight")
    }

    @Test func dateWindowIsAppliedLocallyOnlyWithUpdatedSince() throws {
        let window = MeasuresQuery(start: 1_600_000_000, end: 1_700_000_000)
        // Without updated_since Withings filtered already: nothing is dropped here.
        #expect(try JSONParser.parse(Array(try render(window).utf8))["measure_groups"]?.array?.count == 3)
        var local = window
        local.updatedSince = 1
        let groups = try JSONParser.parse(Array(try render(local).utf8))["measure_groups"]?.array
        #expect(groups?.map { $0["id"]?.int64 } == [4_716_596_696, 17])
    }

    @Test func onlyTheAskedCategoryComesThrough() throws {
        let goals = try JSONParser.parse(Array(try render(MeasuresQuery(category: .goal)).utf8))
        #expect(
            goals["measure_groups"]
                == .array([
                    try JSONParser.parse(
                        #"{"id":18,"taken_at":"2017-07-14T02:40:00Z","modified_at":"2017-07-14T02:40:00Z","#
                            + #""timezone":"Europe/Berlin","category":"goal","attribution":"manual","device_id":null,"#
                            + #""measures":[{"type":"weight","code":1,"value":70,"unit":"kg"}]}"#)
                ]))
        let odd = MeasureGroup(id: 1, attrib: 0, date: 0, category: 7, measures: [Measure(value: 1, type: 1, unit: 0)])
        let bytes = MeasuresTranslation.render(
            page: GetmeasPage(groups: [odd], more: false, offset: 0), userID: "1", query: MeasuresQuery(),
            nextCursor: nil)
        #expect(try JSONParser.parse(bytes)["measure_groups"] == .array([]))
    }

    @Test func emptyPage() {
        let bytes = MeasuresTranslation.render(
            page: GetmeasPage(groups: [], more: false, offset: 0), userID: "u\"1", query: MeasuresQuery(),
            nextCursor: nil)
        #expect(String(decoding: bytes, as: UTF8.self) == #"{"user_id":"u\"1","measure_groups":[],"next_cursor":null}"#)
    }

    @Test func groupWithoutAnyTimezone() throws {
        let group = MeasureGroup(
            id: 1, attrib: 1, date: 0, category: 1, measures: [Measure(value: 1, type: 1, unit: -5)])
        let text = String(
            decoding: MeasuresTranslation.render(
                page: GetmeasPage(groups: [group], more: false, offset: 0), userID: "1", query: MeasuresQuery(),
                nextCursor: nil),
            as: UTF8.self)
        #expect(text.contains(#""timezone":null,"category":"real","attribution":"ambiguous""#))
        #expect(text.contains(#""value":0.00001"#))
    }

    @Test func pagingGuardsAgainstAStuckOffset() throws {
        let more = try page()
        #expect(MeasuresPaging.next(after: more, requestedOffset: nil) == .offset(4))
        #expect(MeasuresPaging.next(after: more, requestedOffset: 2) == .offset(4))
        #expect(MeasuresPaging.next(after: more, requestedOffset: 4) == .stalled)
        #expect(MeasuresPaging.next(after: more, requestedOffset: 9) == .stalled)
        var last = more
        last.more = false
        #expect(MeasuresPaging.next(after: last, requestedOffset: 4) == .done)
    }

    /// A 200-group page, as the simulator serves, decodes and translates; the
    /// result parses back with every group (no timing asserted here).
    @Test func largePageRoundTrips() throws {
        var json = #"{"status":0,"body":{"timezone":"Europe/Paris","more":0,"offset":0,"measuregrps":["#
        for index in 0..<200 {
            if index > 0 { json += "," }
            json +=
                #"{"grpid":\#(5_000_000_000 + index),"attrib":0,"date":\#(1_700_000_000 + index * 3600),"#
                + #""created":\#(1_700_000_100 + index * 3600),"modified":\#(1_700_000_100 + index * 3600),"#
                + #""category":1,"deviceid":"dev\#(index % 3)","modelid":6,"model":"Body Cardio","measures":["#
                + #"{"value":\#(70000 + index),"type":1,"unit":-3},{"value":\#(1800 + index),"type":6,"unit":-2},"#
                + #"{"value":\#(55000 + index),"type":76,"unit":-3},{"value":\#(3000 + index),"type":88,"unit":-3},"#
                + #"{"value":\#(40000 + index),"type":77,"unit":-3}]}"#
        }
        json += "]}}"
        let page = try WithingsDecoding.getmeas(Array(json.utf8)).get()
        let bytes = MeasuresTranslation.render(page: page, userID: "1", query: MeasuresQuery(), nextCursor: nil)
        let groups = try #require(try JSONParser.parse(bytes)["measure_groups"]?.array)
        #expect(groups.count == 200)
        #expect(groups[199]["measures"]?[0]?["value"]?.numberText == "70.199")
        #expect(groups[199]["measures"]?[1]?["value"]?.numberText == "19.99")
    }
}
