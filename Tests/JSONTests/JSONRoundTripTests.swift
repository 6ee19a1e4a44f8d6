import JSON
import Testing

/// Property test: any value written by `JSONWriter` parses back to itself.
struct JSONRoundTripTests {
    /// SplitMix64: a tiny deterministic generator, so a failure reproduces from its seed.
    struct SeededGenerator: RandomNumberGenerator {
        var state: UInt64
        mutating func next() -> UInt64 {
            state &+= 0x9E37_79B9_7F4A_7C15
            var z = state
            z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
            z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
            return z ^ (z >> 31)
        }
    }

    private static let alphabet: [Unicode.Scalar] = [
        "a", "Z", "0", " ", "\"", "\\", "/", "\n", "\r", "\t", "\u{0}", "\u{1F}", "\u{7F}", "é", "µ", "°",
        "\u{2028}", "日", "\u{FFFF}", "😀", "\u{10FFFF}",
    ]

    private func randomString(_ rng: inout SeededGenerator) -> String {
        var text = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 0...12, using: &rng) {
            text.append(Self.alphabet.randomElement(using: &rng) ?? "a")
        }
        return String(text)
    }

    private func randomNumber(_ rng: inout SeededGenerator) -> String {
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: return String(Int64.random(in: Int64.min...Int64.max, using: &rng))
        case 1: return String(Int.random(in: -1000...1000, using: &rng))
        case 2: return "\(Int.random(in: -99...99, using: &rng)).\(Int.random(in: 0...9999, using: &rng))"
        default:
            return "\(Int.random(in: 1...9, using: &rng))e\(["", "+", "-"].randomElement(using: &rng)!)"
                + "\(Int.random(in: 0...400, using: &rng))"
        }
    }

    private func randomValue(_ rng: inout SeededGenerator, depth: Int) -> JSONValue {
        let kinds = depth >= 5 ? 4 : 6
        switch Int.random(in: 0..<kinds, using: &rng) {
        case 0: return Bool.random(using: &rng) ? .null : .bool(Bool.random(using: &rng))
        case 1, 2: return .number(randomNumber(&rng))
        case 3: return .string(randomString(&rng))
        case 4:
            return .array((0..<Int.random(in: 0...5, using: &rng)).map { _ in randomValue(&rng, depth: depth + 1) })
        default:
            return .object(
                (0..<Int.random(in: 0...5, using: &rng)).map { _ in
                    (randomString(&rng), randomValue(&rng, depth: depth + 1))
                })
        }
    }

    @Test(arguments: 0..<8)
    func writtenValuesParseBackEqual(seed: Int) throws {
        var rng = SeededGenerator(state: UInt64(seed) &* 0x1234_5678_9ABC)
        for _ in 0..<250 {
            let value = randomValue(&rng, depth: 0)
            var writer = JSONWriter()
            writer.value(value)
            let parsed = try JSONParser.parse(writer.bytes)
            #expect(parsed == value, "seed \(seed): \(String(decoding: writer.bytes, as: UTF8.self))")
        }
    }

    @Test func writerOutputForParsedDocumentIsStable() throws {
        let text = #"{"a":[1,2.50,-0,1E5],"b":{"c":"\u00e9\n"},"d":null}"#
        var writer = JSONWriter()
        writer.value(try JSONParser.parse(text))
        #expect(String(decoding: writer.bytes, as: UTF8.self) == "{\"a\":[1,2.50,-0,1E5],\"b\":{\"c\":\"é\\n\"},\"d\":null}")
    }
}
