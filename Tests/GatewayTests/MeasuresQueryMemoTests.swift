@testable import Gateway
import Testing

struct MeasuresQueryMemoTests {
    static func entry(_ types: [Int]) -> MeasuresQueryMemo.Entry {
        let query = MeasuresQuery(types: types)
        return .init(query: query, canonicalKey: query.canonicalKey)
    }

    @Test func remembersByExactRawText() {
        let memo = MeasuresQueryMemo()
        memo.remember(Self.entry([1]), forRawQuery: "types=weight")
        #expect(memo.entry(forRawQuery: "types=weight") == Self.entry([1]))
        // Spelled differently: not the same raw text, so parsed again by the caller.
        for other in ["types=Weight", "types=weight&", "types%3Dweight", "", "types=weight "] {
            #expect(memo.entry(forRawQuery: other) == nil, "\(other)")
        }
    }

    @Test func longQueriesAreNeverKept() {
        let memo = MeasuresQueryMemo()
        let long = "types=weight&x=" + String(repeating: "a", count: MeasuresQueryMemo.maxRawQueryLength)
        memo.remember(Self.entry([1]), forRawQuery: long)
        #expect(memo.entry(forRawQuery: long) == nil)
        #expect(memo.count == 0)
    }

    @Test func staysWithinItsCapacity() {
        let memo = MeasuresQueryMemo(capacity: 4)
        for index in 0..<10 {
            memo.remember(Self.entry([index + 1]), forRawQuery: "types=\(index + 1)")
            #expect(memo.count <= 4)
            #expect(memo.entry(forRawQuery: "types=\(index + 1)") == Self.entry([index + 1]))
        }
        // Re-remembering a present query does not flush the others.
        memo.remember(Self.entry([10]), forRawQuery: "types=10")
        #expect(memo.entry(forRawQuery: "types=9") != nil)
    }
}
