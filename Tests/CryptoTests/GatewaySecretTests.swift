import Crypto
import Testing

struct GatewaySecretTests {
    static let valid = String(repeating: "0123456789abcdef", count: 4)  // 64 hex digits

    @Test(arguments: [
        valid,
        valid.uppercased(),
        valid + "\n",
        "  " + valid + "\r\n",
        valid + valid,  // longer secrets are fine
    ])
    func acceptsHexOfAtLeast32Bytes(text: String) throws {
        let secret = try GatewaySecret(hex: text)
        #expect(secret.derivedKey(purpose: "tokens").count == 32)
    }

    struct Rejection: Sendable, CustomTestStringConvertible {
        var name: String
        var input: String
        var expected: SecretError
        var testDescription: String { name }
    }

    static let rejections: [Rejection] = [
        Rejection(name: "empty", input: "", expected: .empty),
        Rejection(name: "whitespace only", input: " \n\t", expected: .empty),
        Rejection(name: "31 bytes", input: String(valid.dropLast(2)), expected: .tooShort(hexDigits: 62)),
        Rejection(name: "short word", input: "hunter2hunter2", expected: .notHex),
        Rejection(name: "odd length", input: String(valid.dropLast()), expected: .notHex),
        Rejection(name: "non-hex digit", input: "g" + String(valid.dropFirst()), expected: .notHex),
        Rejection(name: "inner space", input: String(valid.prefix(32)) + " " + String(valid.suffix(32)), expected: .notHex),
        Rejection(name: "base64", input: "c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0c2VjcmV0", expected: .notHex),
        Rejection(name: "non-ASCII", input: String(valid.dropLast(2)) + "é", expected: .notHex),
        Rejection(name: "0x prefix", input: "0x" + valid, expected: .notHex),
    ]

    @Test(arguments: rejections)
    func rejectsWithAMessageNamingTheVariableButNotTheValue(rejection: Rejection) {
        do {
            _ = try GatewaySecret(hex: rejection.input)
            Issue.record("accepted \(rejection.name)")
        } catch {
            #expect(error == rejection.expected)
            #expect(error.description.contains("GATEWAY_SECRET"))
            let trimmed = rejection.input.filter { !$0.isWhitespace }
            if trimmed.count >= 4 {
                #expect(!error.description.contains(trimmed))
                #expect(!error.description.contains(String(trimmed.prefix(8))))
            }
        }
    }

    @Test func derivedKeysAreStablePerPurposeAndIndependentAcrossPurposesAndSecrets() throws {
        let secret = try GatewaySecret(hex: Self.valid)
        let again = try GatewaySecret(hex: Self.valid.uppercased())
        let other = try GatewaySecret(hex: String(Self.valid.reversed()))
        #expect(secret.derivedKey(purpose: "tokens") == again.derivedKey(purpose: "tokens"))
        #expect(secret.derivedKey(purpose: "tokens") != secret.derivedKey(purpose: "oauth-state"))
        #expect(secret.derivedKey(purpose: "tokens") != other.derivedKey(purpose: "tokens"))
        // The derived key is not the secret itself.
        #expect(ByteEncoding.hex(secret.derivedKey(purpose: "tokens")) != String(Self.valid.prefix(64)))
    }

    @Test func descriptionIsRedacted() throws {
        let secret = try GatewaySecret(hex: Self.valid)
        let rendered = "\(secret) \(String(describing: secret)) \(String(reflecting: secret))"
        #expect(!rendered.contains("0123456789"))
    }
}
