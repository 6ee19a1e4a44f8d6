import JSON
import Testing

struct JSONParserTests {
    @Test(
        arguments: [
            ("null", JSONValue.null),
            ("true", .bool(true)),
            (" \t\r\nfalse \n", .bool(false)),
            ("0", .number("0")),
            ("-0", .number("-0")),
            ("12.50", .number("12.50")),
            ("-1.5E+10", .number("-1.5E+10")),
            ("1e-7", .number("1e-7")),
            ("9223372036854775808123", .number("9223372036854775808123")),
            (#""""#, .string("")),
            (#""abc""#, .string("abc")),
            (#""\"\\\/\b\f\n\r\t""#, .string("\"\\/\u{08}\u{0C}\n\r\t")),
            (#""\u00e9\u00C9""#, .string("éÉ")),
            (#""\ud83d\ude00 ok""#, .string("😀 ok")),
            (#""\u0000""#, .string("\u{0}")),
            ("\"µS °C 日本\"", .string("µS °C 日本")),
            ("[]", .array([])),
            ("[1,[2,[]],{}]", .array([.number("1"), .array([.number("2"), .array([])]), .object([])])),
            (
                #"{"a":1,"b":[true,null],"a":"dup"}"#,
                .object([("a", .number("1")), ("b", .array([.bool(true), .null])), ("a", .string("dup"))])
            ),
            (#" { "k" : { } } "#, .object([("k", .object([]))])),
        ] as [(String, JSONValue)])
    func validDocumentsParse(text: String, expected: JSONValue) throws {
        #expect(try JSONParser.parse(text) == expected)
    }

    @Test(
        arguments: [
            ("", JSONError.Kind.unexpectedEnd),
            ("   ", .unexpectedEnd),
            ("nul", .invalidLiteral),
            ("nulL", .invalidLiteral),
            ("True", .unexpectedCharacter),
            ("01", .invalidNumber),
            ("-01", .invalidNumber),
            ("00", .invalidNumber),
            ("+1", .unexpectedCharacter),
            ("-", .invalidNumber),
            ("1.", .invalidNumber),
            (".5", .unexpectedCharacter),
            ("1e", .invalidNumber),
            ("1e+", .invalidNumber),
            ("0x10", .trailingData),
            ("NaN", .unexpectedCharacter),
            ("Infinity", .unexpectedCharacter),
            ("1 2", .trailingData),
            ("{} x", .trailingData),
            ("[1,]", .unexpectedCharacter),
            ("[1 2]", .unexpectedCharacter),
            ("{\"a\":1,}", .unexpectedCharacter),
            ("{\"a\" 1}", .unexpectedCharacter),
            ("{a:1}", .unexpectedCharacter),
            ("{'a':1}", .unexpectedCharacter),
            ("[1", .unexpectedEnd),
            ("{\"a\":", .unexpectedEnd),
            ("\"abc", .unexpectedEnd),
            ("\"a\tb\"", .controlCharacter),
            ("\"a\nb\"", .controlCharacter),
            ("\"é\n\"", .controlCharacter),
            (#""\x""#, .invalidEscape),
            (#""\'""#, .invalidEscape),
            (#""\u12""#, .invalidEscape),
            (#""\u12G4""#, .invalidEscape),
            (#""\ud800""#, .loneSurrogate),
            (#""\ud800x""#, .loneSurrogate),
            (#""\ud800\u0041""#, .loneSurrogate),
            (#""\udc00\ud800""#, .loneSurrogate),
            ("\u{FEFF}{}", .unexpectedCharacter),
            ("/* c */ 1", .unexpectedCharacter),
            ("[1] // c", .trailingData),
        ] as [(String, JSONError.Kind)])
    func invalidDocumentsAreRejected(text: String, kind: JSONError.Kind) {
        #expect(throws: JSONError.self) { try JSONParser.parse(text) }
        do {
            _ = try JSONParser.parse(text)
        } catch {
            #expect(error.kind == kind, "\(text): \(error)")
        }
    }

    @Test(
        arguments: [
            [0x22, 0xC3, 0x22],  // truncated two-byte sequence
            [0x22, 0xC0, 0xAF, 0x22],  // overlong "/"
            [0x22, 0xED, 0xA0, 0x80, 0x22],  // UTF-8 encoded surrogate
            [0x22, 0xFF, 0x22],
            [0x22, 0xC3, 0x5C, 0x6E, 0x22],  // lead byte then an escape
        ] as [[UInt8]])
    func invalidUTF8InStringsIsRejected(bytes: [UInt8]) {
        #expect(throws: JSONError(.invalidUTF8, at: 1)) { try JSONParser.parse(bytes) }
    }

    @Test func nonASCIIOutsideStringsIsRejected() {
        #expect(throws: JSONError.self) { try JSONParser.parse([0x5B, 0xC3, 0xA9, 0x5D]) }
    }

    @Test func depthIsLimited() throws {
        let ok = String(repeating: "[", count: 64) + String(repeating: "]", count: 64)
        #expect(try JSONParser.parse(ok).array != nil)
        let tooDeep = String(repeating: "[", count: 65) + String(repeating: "]", count: 65)
        #expect(throws: JSONError.self) { try JSONParser.parse(tooDeep) }
        let deepObjects = String(repeating: #"{"a":"#, count: 5) + "1" + String(repeating: "}", count: 5)
        #expect(throws: JSONError.self) { try JSONParser.parse(deepObjects, maxDepth: 4) }
        #expect(try JSONParser.parse(deepObjects, maxDepth: 5)["a"]?["a"] != nil)
        // A hostile 100 000-deep document fails cleanly instead of blowing the stack.
        let hostile = String(repeating: "[", count: 100_000)
        #expect(throws: JSONError(.tooDeep, at: 64)) { try JSONParser.parse(hostile) }
    }

    @Test func repeatedKeysAndShortNumbersParseExactly() throws {
        // Same positions, different keys (cache must compare bytes), escaped keys, > 32 members.
        let wide = (0..<40).map { "\"k\($0)\":\($0 - 20)" }.joined(separator: ",")
        let text = #"[{"ab":1,"cd":-2},{"ab":10,"ce":99},{"a\u0062":-0,"cd":0},{"ac":5,"cd":-9},{"# + wide + "}]"
        let value = try JSONParser.parse(text)
        #expect(value[0] == .object([("ab", .number("1")), ("cd", .number("-2"))]))
        #expect(value[1] == .object([("ab", .number("10")), ("ce", .number("99"))]))
        #expect(value[2] == .object([("ab", .number("-0")), ("cd", .number("0"))]))
        #expect(value[3] == .object([("ac", .number("5")), ("cd", .number("-9"))]))
        let members = try #require(value[4]?.object)
        #expect(members.count == 40)
        for (offset, member) in members.enumerated() {
            #expect(member.key == "k\(offset)")
            #expect(member.value == .number(String(offset - 20)))
        }
    }

    @Test func errorsCarryTheOffset() {
        #expect(throws: JSONError(.unexpectedCharacter, at: 7)) { try JSONParser.parse(#"{"a":1 "b":2}"#) }
        #expect(throws: JSONError(.trailingData, at: 3)) { try JSONParser.parse("[] ]") }
    }
}

struct JSONAccessorTests {
    private let document: JSONValue = {
        do {
            return try JSONParser.parse(
                #"""
                {"status":0,"id":4716596696,"neg":-9223372036854775808,"big":9223372036854775808,
                 "frac":1.5,"exp":1e3,"userid":"363","more":1,"flag":false,"name":"x","list":[10,"20"],"nothing":null}
                """#)
        } catch {
            return .null
        }
    }()

    @Test func strictAccessors() {
        #expect(document["status"]?.int64 == 0)
        #expect(document["id"]?.int64 == 4_716_596_696)
        #expect(document["neg"]?.int64 == Int64.min)
        #expect(document["big"]?.int64 == nil)
        #expect(document["big"]?.numberText == "9223372036854775808")
        #expect(document["frac"]?.int64 == nil)
        #expect(document["exp"]?.int64 == nil)
        #expect(document["userid"]?.int64 == nil)
        #expect(document["userid"]?.string == "363")
        #expect(document["flag"]?.bool == false)
        #expect(document["nothing"]?.isNull == true)
        #expect(document["missing"] == nil)
        #expect(document["list"]?[0]?.int == 10)
        #expect(document["list"]?[2] == nil)
        #expect(document["list"]?[-1] == nil)
        #expect(document["name"]?["x"] == nil)
        #expect(document["list"]?.array?.count == 2)
        #expect(document.object?.count == 12)
    }

    @Test func lenientAccessors() {
        #expect(document["userid"]?.lenientInt64 == 363)
        #expect(document["id"]?.lenientString == "4716596696")
        #expect(document["list"]?[1]?.lenientInt == 20)
        #expect(document["more"]?.lenientBool == true)
        #expect(document["status"]?.lenientBool == false)
        #expect(document["flag"]?.lenientBool == false)
        #expect(document["name"]?.lenientBool == nil)
        #expect(document["name"]?.lenientInt64 == nil)
        #expect(document["nothing"]?.lenientString == nil)
    }

    @Test func duplicateKeysReturnTheFirst() throws {
        #expect(try JSONParser.parse(#"{"a":1,"a":2}"#)["a"]?.int == 1)
    }
}
