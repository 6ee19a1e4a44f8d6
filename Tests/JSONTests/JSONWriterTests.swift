import JSON
import Testing

struct JSONWriterTests {
    private func render(_ build: (inout JSONWriter) -> Void) -> String {
        var writer = JSONWriter()
        build(&writer)
        return String(decoding: writer.bytes, as: UTF8.self)
    }

    @Test func nestedStructureGetsCommasInTheRightPlaces() {
        let json = render { w in
            w.beginObject()
            w.field("a", 1 as Int)
            w.key("list")
            w.beginArray()
            w.int(-2)
            w.beginObject()
            w.endObject()
            w.null()
            w.endArray()
            w.field("b", "x" as String?)
            w.field("c", nil as String?)
            w.field("d", true)
            w.endObject()
        }
        #expect(json == #"{"a":1,"list":[-2,{},null],"b":"x","c":null,"d":true}"#)
    }

    @Test(arguments: [
        ("plain", #""plain""#),
        ("quote\"back\\slash", #""quote\"back\\slash""#),
        ("line\nfeed\ttab\r", #""line\nfeed\ttab\r""#),
        ("\u{01}\u{1F}", #""\u0001\u001f""#),
        ("Europe/Paris µS °C", #""Europe/Paris µS °C""#),
    ])
    func stringsAreEscapedPerRFC8259(input: String, expected: String) {
        #expect(render { $0.string(input) } == expected)
    }

    @Test func integersCoverTheExtremes() {
        #expect(render { $0.int(Int64.min) } == "-9223372036854775808")
        #expect(render { $0.int(Int64.max) } == "9223372036854775807")
        #expect(render { $0.int(0) } == "0")
        #expect(render { $0.int(UInt64.max) } == "18446744073709551615")
    }
}
