import Foundation
import Testing

@testable import WithingsSim

struct SyntheticHistoryTests {
    private static let end: Int64 = 1_767_225_600

    private func history(_ index: Int, seed: UInt64 = 1) -> UserDataset {
        SyntheticHistory.generate(index: index, seed: seed, end: Self.end, days: 3 * 365)
    }

    @Test func sameSeedSameHistoryOtherSeedOtherHistory() {
        let a = history(0)
        let b = history(0)
        #expect(a.rendered == b.rendered)
        #expect(a.userID == b.userID)
        let c = history(0, seed: 2)
        #expect(c.userID != a.userID)
        #expect(c.rendered != a.rendered)
    }

    @Test func userIDsAreDistinctEightDigitNumbers() {
        let ids = (0..<500).map { SyntheticHistory.userID(index: $0, seed: 7) }
        #expect(Set(ids).count == ids.count)
        #expect(ids.allSatisfy { $0.utf8.count == 8 && Int($0) != nil })
    }

    @Test func yearsOfDataEndingAtTheEnd() {
        let data = history(1)
        #expect(data.groups.count > 900)
        let dates = data.groups.map(\.date)
        #expect(dates.max()! <= Self.end)
        #expect(dates.min()! < Self.end - 3 * 365 * 86400 + 2 * 86400)
        #expect(data.groups.allSatisfy { $0.created >= $0.date && $0.modified >= $0.created && $0.modified <= Self.end })
        #expect(Set(data.groups.map(\.id)).count == data.groups.count)
    }

    @Test(arguments: 0..<4)
    func everyUserHasTheQuirksClientsMustHandle(index: Int) {
        let data = history(index)
        let attribs = Set(data.groups.map(\.attrib))
        #expect(attribs.isSuperset(of: [0, 1, 2, 4, 5, 7, 8, 10]))
        let types = Set(data.groups.flatMap { $0.measures.map(\.type) })
        #expect(types.isSuperset(of: [1, 4, 5, 6, 8, 9, 10, 11, 71, 73, 76, 77, 88, 130, 135, 136, 137, 138]))
        #expect(types.contains(SyntheticHistory.undocumentedType))
        #expect(data.groups.contains { $0.measures.contains { $0.type == 54 } })
        // Manual entries have no device; travel groups carry their own zone.
        #expect(data.groups.contains { $0.device == nil && $0.attrib == 2 })
        #expect(data.groups.contains { $0.timezone != nil && $0.timezone != data.timezone })
        #expect(data.groups.filter { $0.category == 2 }.count == 2)
    }

    @Test func richestScaleHasSegmentalAndGuidedMeasures() {
        let data = history(0)
        let segmental = data.groups.flatMap(\.measures).filter { (173...175).contains($0.type) }
        #expect(!segmental.isEmpty)
        #expect(segmental.allSatisfy { $0.position != nil && $0.unit == -2 })
        #expect(Set(segmental.compactMap(\.position)) == [2, 3, 10, 11, 12])
        #expect(data.groups.flatMap(\.measures).allSatisfy { (173...175).contains($0.type) || $0.position == nil })
        let attribs = Set(data.groups.map(\.attrib))
        #expect(attribs.isSuperset(of: [15, 17]))
        let types = Set(data.groups.flatMap { $0.measures.map(\.type) })
        #expect(types.isSuperset(of: [91, 155, 167, 168, 169, 170, 196, 226, 227, 229]))
    }

    @Test func valuesAreRealistic() {
        let measures = history(2).groups.filter { $0.category == 1 && $0.attrib != 1 }.flatMap(\.measures)
        func real(_ m: MeasureRecord) -> Double {
            var value = Double(m.value)
            for _ in 0..<abs(m.unit) { value = m.unit < 0 ? value / 10 : value * 10 }
            return value
        }
        let weights = measures.filter { $0.type == 1 }
        #expect(weights.contains { $0.unit == -3 } && weights.contains { $0.unit == -1 })
        #expect(weights.allSatisfy { (40...160).contains(real($0)) })
        #expect(measures.filter { $0.type == 6 }.allSatisfy { (5...50).contains(real($0)) })
        #expect(measures.filter { $0.type == 71 }.allSatisfy { (35...39).contains(real($0)) })
        #expect(measures.filter { $0.type == 10 }.allSatisfy { (90...180).contains(real($0)) })
        let height = measures.filter { $0.type == 4 }
        #expect(height.count == 1 && (1.5...2.0).contains(real(height[0])))
    }

    @Test func renderedSpansAreTheGroupsInOrder() throws {
        let data = history(3)
        #expect(data.spans.count == data.groups.count)
        let first = try jsonObject(Array(data.rendered[data.spans[0].whole]))
        #expect(first["grpid"] as? Int == Int(data.groups[0].id))
        let manual = try #require(data.groups.firstIndex { $0.device == nil })
        let object = try jsonObject(Array(data.rendered[data.spans[manual].whole]))
        #expect(object["deviceid"] is NSNull)
        #expect(object["model"] is NSNull)
        #expect(object["brand"] == nil)
    }

    @Test func filteredGroupsSpliceOnlyMatchingMeasures() throws {
        let data = history(0)
        let scan = try #require(data.groups.firstIndex { $0.measures.contains { $0.type == 174 } })
        for types: Set<Int> in [[1], [174, 6], [999], Set(data.groups[scan].measures.map(\.type))] {
            var bytes: [UInt8] = []
            data.appendGroup(scan, types: types, to: &bytes)
            let object = try jsonObject(bytes)
            let measures = try #require(object["measures"] as? [[String: Any]])
            let expected = data.groups[scan].measures.filter { types.contains($0.type) }
            #expect(measures.map { $0["type"] as? Int } == expected.map(\.type))
            #expect(measures.map { $0["position"] as? Int } == expected.map(\.position))
            #expect(object["grpid"] as? Int == Int(data.groups[scan].id))
            #expect(object["comment"] is NSNull)
        }
    }
}
