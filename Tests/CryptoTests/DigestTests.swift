import Crypto
import Testing

struct DigestTests {
    @Test func sha256MatchesTheFIPSVector() {
        #expect(ByteEncoding.hex(Digest.sha256(Array("abc".utf8)))
            == "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
    }

    // RFC 4231 test case 2 and RFC 2202 test case 2.
    @Test func hmacMatchesTheRFCVectors() {
        #expect(ByteEncoding.hex(Digest.hmac(.sha256, key: "Jefe", data: "what do ya want for nothing?"))
            == "5bdcc146bf60754e6a042426089575c75a003f089d2739839dec58b964ec3843")
        #expect(ByteEncoding.hex(Digest.hmac(.sha1, key: "Jefe", data: "what do ya want for nothing?"))
            == "effcdf6ae5eb2fa2d27416d5f184df9c259a7c79")
    }

    @Test func randomBytesDiffer() {
        #expect(Digest.randomBytes(32) != Digest.randomBytes(32))
        #expect(Digest.randomBytes(7).count == 7)
    }

    @Test func constantTimeEqualsComparesContentAndLength() {
        #expect(Digest.constantTimeEquals([1, 2, 3] as [UInt8], [1, 2, 3] as [UInt8]))
        #expect(!Digest.constantTimeEquals([1, 2, 3] as [UInt8], [1, 2, 4] as [UInt8]))
        #expect(!Digest.constantTimeEquals([1, 2] as [UInt8], [1, 2, 3] as [UInt8]))
    }

    @Test(arguments: 0..<40)
    func base64URLRoundTripsEveryLength(length: Int) throws {
        let bytes = (0..<length).map { UInt8(truncatingIfNeeded: $0 &* 37 &+ 11) }
        let text = ByteEncoding.base64URL(bytes)
        #expect(!text.contains("=") && !text.contains("+") && !text.contains("/"))
        #expect(try #require(ByteEncoding.fromBase64URL(text)) == bytes)
    }

    @Test func hexRoundTripsAndRejectsJunk() {
        #expect(ByteEncoding.fromHex("00ffA0") == [0, 255, 160])
        #expect(ByteEncoding.fromHex("abc") == nil)
        #expect(ByteEncoding.fromHex("zz") == nil)
        #expect(ByteEncoding.hex([0, 255, 160]) == "00ffa0")
    }
}
