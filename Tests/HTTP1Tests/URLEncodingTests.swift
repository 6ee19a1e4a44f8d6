import HTTP1
import Testing

struct URLEncodingTests {
    @Test func percentEncodingLeavesOnlyUnreservedCharacters() {
        #expect(URLEncoding.percentEncode("a b+c/d~e_f.g-h") == "a%20b%2Bc%2Fd~e_f.g-h")
        #expect(URLEncoding.percentEncode("µ") == "%C2%B5")
    }

    @Test func decodingHandlesPlusAndEscapes() {
        #expect(URLEncoding.percentDecode("a+b%2Bc") == "a b+c")
        #expect(URLEncoding.percentDecode("a+b", plusIsSpace: false) == "a+b")
        #expect(URLEncoding.percentDecode("%C2%b5") == "µ")
    }

    @Test(arguments: ["%", "%4", "%zz", "%G1", "%FF"])
    func malformedEscapesAreRefused(input: String) {
        #expect(URLEncoding.percentDecode(input) == nil)
    }

    @Test func formsParseInOrderWithEmptyValues() throws {
        let pairs = try #require(URLEncoding.parseForm("a=1&&b=&c&d=x%3Dy"))
        #expect(pairs.map(\.name) == ["a", "b", "c", "d"])
        #expect(pairs.map(\.value) == ["1", "", "", "x=y"])
    }

    @Test func encodeThenParseRoundTrips() throws {
        let input: [(name: String, value: String)] = [("redirect_uri", "https://x.test/cb?a=1&b=2"), ("s", "a b+c")]
        let parsed = try #require(URLEncoding.parseForm(URLEncoding.encodeForm(input)))
        #expect(parsed.map(\.name) == input.map(\.name))
        #expect(parsed.map(\.value) == input.map(\.value))
    }
}
