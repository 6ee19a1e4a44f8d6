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

struct JSONWriterFastPathTests {
    @Test func concreteOverloadsMatchTheGenericOnes() {
        var writer = JSONWriter()
        writer.beginArray()
        writer.int(Int64.min)
        writer.int(Int64.max)
        writer.int(0 as Int)
        writer.int(-7 as Int)
        writer.int(UInt64.max)
        writer.int(42 as UInt8)
        writer.raw(Array("1.50".utf8))
        writer.endArray()
        #expect(
            String(decoding: writer.bytes, as: UTF8.self)
                == "[-9223372036854775808,9223372036854775807,0,-7,18446744073709551615,42,1.50]")
    }

    @Test func preRenderedKeys() {
        let key = JSONWriter.Key("a\"b")
        var writer = JSONWriter()
        writer.beginObject()
        writer.key(key)
        writer.int(1 as Int)
        writer.key(key)
        writer.null()
        writer.field("d", 5 as Int64?)
        writer.field("e", nil as Int64?)
        writer.field("f", 6 as Int?)
        writer.endObject()
        #expect(String(decoding: writer.bytes, as: UTF8.self) == #"{"a\"b":1,"a\"b":null,"d":5,"e":null,"f":6}"#)
    }
}

struct JSONWriterGrowthTests {
    /// Many small writes and long escaped strings across buffer growth give the
    /// same text as a simple reference rendering.
    @Test func growthKeepsEveryByte() throws {
        var writer = JSONWriter(capacity: 1)
        var expected = "["
        for index in 0..<2000 {
            if index > 0 { expected += "," }
            switch index % 4 {
            case 0:
                writer.int(index)
                expected += String(index)
            case 1:
                let text = String(repeating: "a\"\u{1}é\n", count: index % 50)
                writer.string(text)
                expected += "\"" + String(repeating: "a\\\"\\u0001é\\n", count: index % 50) + "\""
            case 2:
                writer.raw("1.25".utf8)
                expected += "1.25"
            default:
                writer.beginObject()
                writer.field("k\(index)", nil as String?)
                writer.endObject()
                expected += "{\"k\(index)\":null}"
            }
            if index == 0 { writer = Self.prepend(writer) }
        }
        writer.endArray()
        expected += "]"
        #expect(String(decoding: writer.bytes, as: UTF8.self) == expected)
        #expect(try JSONParser.parse(writer.bytes).array?.count == 2000)
    }

    /// Opens the array after the first element was written, keeping the test
    /// loop simple (the writer only appends).
    private static func prepend(_ writer: JSONWriter) -> JSONWriter {
        var fresh = JSONWriter(capacity: 1)
        fresh.beginArray()
        fresh.raw(writer.bytes)
        return fresh
    }

    @Test func copiesAreIndependent() {
        var first = JSONWriter(capacity: 4)
        first.beginArray()
        var second = first
        first.int(1 as Int)
        second.int(2 as Int)
        first.endArray()
        second.endArray()
        #expect(String(decoding: first.bytes, as: UTF8.self) == "[1]")
        #expect(String(decoding: second.bytes, as: UTF8.self) == "[2]")
    }
}
