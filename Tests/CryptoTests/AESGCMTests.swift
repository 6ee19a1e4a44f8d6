@testable import Crypto
import Testing

struct AESGCMTests {
    static let key = Digest.randomBytes(32)

    // McGrew & Viega GCM spec test cases 13, 14 and 16 (AES-256).
    @Test func matchesTheGCMSpecVectors() throws {
        let zeroKey = [UInt8](repeating: 0, count: 32)
        let zeroNonce = [UInt8](repeating: 0, count: 12)
        #expect(ByteEncoding.hex(try AESGCM.seal([], key: zeroKey, nonce: zeroNonce, aad: []))
            == "000000000000000000000000" + "530f8afbc74536b9a963b4f1c4cb738b")
        #expect(ByteEncoding.hex(try AESGCM.seal([UInt8](repeating: 0, count: 16), key: zeroKey, nonce: zeroNonce, aad: []))
            == "000000000000000000000000" + "cea7403d4d606b6e074ec5d3baf39d18" + "d0d1c8a799996bf0265b98b5d48ab919")

        let key = try #require(ByteEncoding.fromHex("feffe9928665731c6d6a8f9467308308feffe9928665731c6d6a8f9467308308"))
        let nonce = try #require(ByteEncoding.fromHex("cafebabefacedbaddecaf888"))
        let aad = try #require(ByteEncoding.fromHex("feedfacedeadbeeffeedfacedeadbeefabaddad2"))
        let plaintext = try #require(ByteEncoding.fromHex(
            "d9313225f88406e5a55909c5aff5269a86a7a9531534f7da2e4c303d8a318a72"
                + "1c3c0c95956809532fcf0e2449a6b525b16aedf5aa0de657ba637b39"))
        let sealed = try AESGCM.seal(plaintext, key: key, nonce: nonce, aad: aad)
        #expect(ByteEncoding.hex(sealed)
            == "cafebabefacedbaddecaf888"
                + "522dc1f099567d07f47f37a32a84427d643a8cdcbfe5c0c97598a2bd2555d1aa"
                + "8cb08e48590dbb3da7b08b1056828838c5f61e6393ba7a0abcc9f662"
                + "76fc6ece0f4e1768cddf8853bb2d551b")
        #expect(try AESGCM.open(sealed, key: key, aad: aad) == plaintext)
    }

    @Test(arguments: [0, 1, 15, 16, 17, 100, 4096])
    func roundTripsEveryLength(length: Int) throws {
        let plaintext = Digest.randomBytes(length)
        let aad = Array("user-42".utf8)
        let sealed = AESGCM.seal(plaintext, key: Self.key, aad: aad)
        #expect(sealed.count == AESGCM.nonceByteCount + length + AESGCM.tagByteCount)
        #expect(try AESGCM.open(sealed, key: Self.key, aad: aad) == plaintext)
    }

    @Test func eachSealUsesAFreshNonce() {
        let plaintext = Array("the same access token".utf8)
        let first = AESGCM.seal(plaintext, key: Self.key, aad: [])
        let second = AESGCM.seal(plaintext, key: Self.key, aad: [])
        #expect(first.prefix(12) != second.prefix(12))
        #expect(first != second)
    }

    @Test func ciphertextDoesNotContainThePlaintext() {
        let plaintext = Array("a075f8c14fb6a5f8bd1bd2c6e3a3e7d9".utf8)
        let sealed = AESGCM.seal(plaintext, key: Self.key, aad: [])
        let found = sealed.indices.contains { start in
            sealed[start...].starts(with: plaintext.prefix(8))
        }
        #expect(!found)
    }

    @Test func flippingAnyBitFailsAuthentication() throws {
        let aad = Array("user-7".utf8)
        let sealed = AESGCM.seal(Array("refresh-token-value".utf8), key: Self.key, aad: aad)
        for index in sealed.indices {
            for bit in [0, 7] {
                var tampered = sealed
                tampered[index] ^= UInt8(1) << UInt8(bit)
                #expect(throws: CryptoError.authenticationFailed) { try AESGCM.open(tampered, key: Self.key, aad: aad) }
            }
        }
    }

    @Test func wrongKeyOrAADOrTruncationIsAnError() {
        let aad = Array("user-7".utf8)
        let sealed = AESGCM.seal(Array("secret".utf8), key: Self.key, aad: aad)
        var otherKey = Self.key
        otherKey[31] ^= 1
        #expect(throws: CryptoError.authenticationFailed) { try AESGCM.open(sealed, key: otherKey, aad: aad) }
        #expect(throws: CryptoError.authenticationFailed) { try AESGCM.open(sealed, key: Self.key, aad: Array("user-8".utf8)) }
        #expect(throws: CryptoError.authenticationFailed) { try AESGCM.open(sealed, key: Self.key, aad: []) }
        #expect(throws: CryptoError.authenticationFailed) { try AESGCM.open(Array(sealed.dropLast()), key: Self.key, aad: aad) }
        #expect(throws: CryptoError.authenticationFailed) { try AESGCM.open(sealed + [0], key: Self.key, aad: aad) }
        #expect(throws: CryptoError.truncated) { try AESGCM.open(Array(sealed.prefix(27)), key: Self.key, aad: aad) }
        #expect(throws: CryptoError.truncated) { try AESGCM.open([], key: Self.key, aad: aad) }
        #expect(throws: CryptoError.invalidKeyLength(16)) { try AESGCM.open(sealed, key: Array(Self.key.prefix(16)), aad: aad) }
    }

    @Test func errorsDescribeTheFailureWithoutData() {
        let text = CryptoError.authenticationFailed.description
        #expect(text.contains("authentication"))
    }
}
