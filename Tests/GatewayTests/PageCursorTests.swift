import Gateway
import Testing

struct PageCursorTests {
    let codec = PageCursorCodec(key: [UInt8](repeating: 1, count: 32))

    @Test(arguments: [0, 1, 200, 4000, Int(Int32.max)])
    func roundTrip(offset: Int) {
        let cursor = codec.encode(offset: offset, userID: "42", query: "types=1,6")
        #expect(codec.decode(cursor, userID: "42", query: "types=1,6") == offset)
        #expect(cursor.utf8.allSatisfy { $0 > 0x20 && $0 != UInt8(ascii: "=") && $0 != UInt8(ascii: "+") })
    }

    @Test func boundToUserAndQuery() {
        let cursor = codec.encode(offset: 200, userID: "42", query: "types=1")
        #expect(codec.decode(cursor, userID: "43", query: "types=1") == nil)
        #expect(codec.decode(cursor, userID: "42", query: "types=1,6") == nil)
        #expect(codec.decode(cursor, userID: "4", query: "2types=1") == nil)
        #expect(PageCursorCodec(key: [UInt8](repeating: 2, count: 32)).decode(cursor, userID: "42", query: "types=1") == nil)
    }

    @Test func tamperingIsDetected() {
        let cursor = Array(codec.encode(offset: 200, userID: "42", query: ""))
        for index in cursor.indices {
            var edited = cursor
            edited[index] = cursor[index] == "A" ? "B" : "A"
            #expect(codec.decode(String(edited), userID: "42", query: "") == nil)
        }
    }

    @Test(arguments: ["", "A", "====", "not a cursor", String(repeating: "A", count: 500), "AAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAAA"])
    func garbageIsRejected(cursor: String) {
        #expect(codec.decode(cursor, userID: "42", query: "") == nil)
    }
}
