import Crypto
import Gateway
import Testing

struct OAuthStateTests {
    let codec = OAuthStateCodec(key: [UInt8](repeating: 7, count: 32), lifetimeSeconds: 600)
    let nonce = [UInt8](0..<16)

    @Test func roundTripCarriesRedirectAndExpiry() throws {
        let token = codec.issue(redirectTo: "https://app.example.com/done?x=1", now: 1_000, nonce: nonce)
        let claims = try codec.verify(token, now: 1_599).get()
        #expect(claims.redirectTo == "https://app.example.com/done?x=1")
        #expect(claims.expiresAt == 1_600)
        #expect(claims.nonce == ByteEncoding.hex(nonce))
        #expect(try codec.verify(codec.issue(redirectTo: nil, now: 0), now: 1).get().redirectTo == nil)
    }

    @Test func expiresAtTheEndOfItsLifetime() {
        let token = codec.issue(redirectTo: nil, now: 1_000, nonce: nonce)
        #expect(codec.verify(token, now: 1_600) == .failure(.expired))
        #expect(codec.verify(token, now: 99_999) == .failure(.expired))
    }

    @Test func otherSecretsAndTamperingAreRejected() {
        let token = codec.issue(redirectTo: "https://a.example/", now: 1_000, nonce: nonce)
        let other = OAuthStateCodec(key: [UInt8](repeating: 8, count: 32))
        #expect(other.verify(token, now: 1_001) == .failure(.badSignature))
        // Flip each character of the token in turn: never accepted.
        var characters = Array(token)
        for index in characters.indices where characters[index] != "." {
            let original = characters[index]
            characters[index] = original == "A" ? "B" : "A"
            if case .success = codec.verify(String(characters), now: 1_001) { Issue.record("accepted tampered at \(index)") }
            characters[index] = original
        }
    }

    @Test(arguments: ["", ".", "abc", "a.b.c", "!!!.???", String(repeating: "A", count: 5000) + ".AA", "AAAA."])
    func garbageIsMalformedOrBadlySigned(token: String) {
        switch codec.verify(token, now: 1) {
        case .failure(.malformed), .failure(.badSignature): break
        default: Issue.record("unexpected result for \(token.prefix(20))")
        }
    }

    @Test func replayGuardRedeemsOnce() throws {
        let guardian = OAuthStateReplayGuard()
        let claims = try codec.verify(codec.issue(redirectTo: nil, now: 10, nonce: nonce), now: 11).get()
        #expect(guardian.redeem(claims, now: 11))
        #expect(!guardian.redeem(claims, now: 12))
        let fresh = try codec.verify(codec.issue(redirectTo: nil, now: 10), now: 11).get()
        #expect(guardian.redeem(fresh, now: 11))
    }

    @Test func replayGuardForgetsExpiredWhenFullAndFailsClosed() {
        let guardian = OAuthStateReplayGuard(capacity: 2)
        let a = OAuthStateClaims(nonce: "a", expiresAt: 100, redirectTo: nil)
        let b = OAuthStateClaims(nonce: "b", expiresAt: 200, redirectTo: nil)
        let c = OAuthStateClaims(nonce: "c", expiresAt: 300, redirectTo: nil)
        #expect(guardian.redeem(a, now: 50))
        #expect(guardian.redeem(b, now: 50))
        #expect(!guardian.redeem(c, now: 60))      // full of live entries
        #expect(guardian.redeem(c, now: 150))      // a expired and is dropped
        #expect(guardian.count == 2)
        #expect(!guardian.redeem(b, now: 150))     // b still remembered
    }
}
