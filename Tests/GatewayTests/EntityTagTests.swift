import Gateway
import Testing

struct EntityTagTests {
    let tag = EntityTag.strong(for: Array("{\"a\":1}".utf8))

    @Test func strongTagIsStableQuotedAndContentDependent() {
        #expect(tag == EntityTag.strong(for: Array("{\"a\":1}".utf8)))
        #expect(tag != EntityTag.strong(for: Array("{\"a\":2}".utf8)))
        #expect(tag.hasPrefix("\"") && tag.hasSuffix("\"") && !tag.hasPrefix("W/"))
        #expect(tag.count == 24)
    }

    @Test func ifNoneMatchForms() {
        let opaque = String(tag.dropFirst().dropLast())
        let matching = [tag, "W/" + tag, "\"x\", " + tag, "*", " \"x\" ,\t" + tag + " ", "\"" + opaque + "-gzip\""]
        for header in matching { #expect(EntityTag.ifNoneMatch(header, matches: tag), "\(header)") }
        let notMatching = ["", "\"x\"", opaque + "x", "\"x\", \"y\"", "W/\"other\"", "\"" + opaque + "-br\""]
        for header in notMatching { #expect(!EntityTag.ifNoneMatch(header, matches: tag), "\(header)") }
        #expect(!EntityTag.ifNoneMatch(nil, matches: tag))
    }

    @Test func commasInsideQuotesDoNotSplit() {
        let odd = "\"a,b\""
        #expect(EntityTag.ifNoneMatch("\"z\", \"a,b\"", matches: odd))
        #expect(!EntityTag.ifNoneMatch("\"a\", \"b\"", matches: odd))
    }
}
