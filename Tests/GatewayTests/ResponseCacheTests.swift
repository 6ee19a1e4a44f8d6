import Gateway
import Testing

struct ResponseCacheTests {
    typealias Key = CacheKey

    @Test func entriesExpireAfterTheTTL() {
        let clock = ManualClock()
        let cache = ResponseCache<String>(ttl: .seconds(60), capacity: 10, now: clock.now)
        let key = Key(userID: "1", query: "q")
        cache.store("a", for: key)
        clock.advance(.seconds(59))
        #expect(cache.value(for: key) == "a")
        clock.advance(.seconds(1))
        #expect(cache.value(for: key) == nil)
        #expect(cache.count == 0)
    }

    @Test func keysSeparateUsersAndQueries() {
        let cache = ResponseCache<String>(ttl: .seconds(60))
        cache.store("u1", for: Key(userID: "1", query: "q"))
        cache.store("u2", for: Key(userID: "2", query: "q"))
        cache.store("u1b", for: Key(userID: "1", query: "r"))
        #expect(cache.value(for: Key(userID: "1", query: "q")) == "u1")
        #expect(cache.value(for: Key(userID: "2", query: "q")) == "u2")
        cache.removeAll(userID: "1")
        #expect(cache.value(for: Key(userID: "1", query: "q")) == nil)
        #expect(cache.value(for: Key(userID: "1", query: "r")) == nil)
        #expect(cache.value(for: Key(userID: "2", query: "q")) == "u2")
    }

    @Test func sizeIsBoundedEvictingTheOldest() {
        let cache = ResponseCache<Int>(ttl: .seconds(60), capacity: 3)
        for index in 0..<3 { cache.store(index, for: Key(userID: "u", query: "\(index)")) }
        cache.store(0, for: Key(userID: "u", query: "0"))         // replacing does not evict
        #expect(cache.count == 3)
        cache.store(3, for: Key(userID: "u", query: "3"))
        #expect(cache.count == 3)
        #expect(cache.value(for: Key(userID: "u", query: "1")) == nil)   // "0" was re-stored, "1" is oldest
        #expect(cache.value(for: Key(userID: "u", query: "0")) == 0)
        for index in 4..<5000 { cache.store(index, for: Key(userID: "u", query: "\(index)")) }
        #expect(cache.count == 3)
        #expect(cache.value(for: Key(userID: "u", query: "4999")) == 4999)
    }

    @Test func totalCostIsBounded() {
        let cache = ResponseCache<[UInt8]>(ttl: .seconds(60), capacity: 100, maxCost: 1000, cost: { $0.count })
        for index in 0..<50 { cache.store([UInt8](repeating: 1, count: 200), for: Key(userID: "u", query: "\(index)")) }
        #expect(cache.totalCost <= 1000)
        #expect(cache.count == 5)
        #expect(cache.value(for: Key(userID: "u", query: "49")) != nil)
        #expect(cache.value(for: Key(userID: "u", query: "44")) == nil)
        cache.store([UInt8](repeating: 1, count: 251), for: Key(userID: "u", query: "huge"))   // > maxCost / 4
        #expect(cache.value(for: Key(userID: "u", query: "huge")) == nil)
        cache.store([UInt8](repeating: 1, count: 10), for: Key(userID: "u", query: "49"))      // replacing refunds
        #expect(cache.totalCost == 810)
        cache.removeAll(userID: "u")
        #expect(cache.totalCost == 0 && cache.count == 0)
    }

    @Test func restoringTheSameKeysKeepsMemoryBounded() {
        let clock = ManualClock()
        let cache = ResponseCache<Int>(ttl: .seconds(1), capacity: 1000, now: clock.now)
        for round in 0..<2000 {
            cache.store(round, for: Key(userID: "u", query: "\(round % 3)"))
            clock.advance(.milliseconds(10))
        }
        #expect(cache.count == 3)
        #expect(cache.value(for: Key(userID: "u", query: "1")) == 1999)
    }

    @Test func zeroTTLDisablesCaching() {
        let cache = ResponseCache<String>(ttl: .zero)
        cache.store("a", for: Key(userID: "1", query: ""))
        #expect(!cache.isEnabled)
        #expect(cache.value(for: Key(userID: "1", query: "")) == nil)
    }
}
