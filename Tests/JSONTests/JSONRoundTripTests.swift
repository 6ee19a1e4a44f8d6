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

    static let alphabet: [Unicode.Scalar] = [
        "a", "Z", "0", " ", "\"", "\\", "/", "\n", "\r", "\t", "\u{0}", "\u{1F}", "\u{7F}", "é", "µ", "°",
        "\u{2028}", "日", "\u{FFFF}", "😀", "\u{10FFFF}",
    ]

    static func randomString(_ rng: inout SeededGenerator) -> String {
        var text = String.UnicodeScalarView()
        for _ in 0..<Int.random(in: 0...12, using: &rng) {
            text.append(Self.alphabet.randomElement(using: &rng) ?? "a")
        }
        return String(text)
    }

    static func randomNumber(_ rng: inout SeededGenerator) -> String {
        switch Int.random(in: 0..<4, using: &rng) {
        case 0: return String(Int64.random(in: Int64.min...Int64.max, using: &rng))
        case 1: return String(Int.random(in: -1000...1000, using: &rng))
        case 2: return "\(Int.random(in: -99...99, using: &rng)).\(Int.random(in: 0...9999, using: &rng))"
        default:
            return "\(Int.random(in: 1...9, using: &rng))e\(["", "+", "-"].randomElement(using: &rng)!)"
                + "\(Int.random(in: 0...400, using: &rng))"
        }
    }

    static func randomValue(_ rng: inout SeededGenerator, depth: Int) -> JSONValue {
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
            let value = Self.randomValue(&rng, depth: 0)
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
        #expect(
            String(decoding: writer.bytes, as: UTF8.self) == "{\"a\":[1,2.50,-0,1E5],\"b\":{\"c\":\"é\\n\"},\"d\":null}"
        )
    }
}

/// Hostile input: random mutations of a real document never crash the
/// parser, and whatever it accepts survives a write/parse round trip.
struct JSONMutationTests {
    private static let seedDocument = Array(
        #"""
        {"status":0,"body":{"updatetime":1690491663,"timezone":"Europe/Berlin","measuregrps":[
         {"grpid":4716596696,"attrib":0,"date":1690491576,"deviceid":"c405\u00e9b8e","comment":null,
          "measures":[{"value":89,"type":9,"unit":0},{"value":-1.5e-3,"type":10,"unit":0}],"ok":true}],
         "more":false,"offset":0,"s":"😀\n\ud83d\ude00"}}
        """#.utf8)

    @Test(arguments: 0..<4)
    func mutatedDocumentsFailCleanlyOrRoundTrip(seed: Int) {
        var rng = JSONRoundTripTests.SeededGenerator(state: UInt64(seed) &+ 0xDEAD_BEEF)
        let interesting: [UInt8] = Array(#"{}[]",:\u0-+.eE01 9ntfl"#.utf8) + [0x00, 0x1F, 0x7F, 0x80, 0xC3, 0xED, 0xFF]
        for _ in 0..<3000 {
            var bytes = Self.seedDocument
            for _ in 0..<Int.random(in: 1...4, using: &rng) {
                let position = Int.random(in: 0..<bytes.count, using: &rng)
                switch Int.random(in: 0..<3, using: &rng) {
                case 0: bytes[position] = interesting.randomElement(using: &rng) ?? 0
                case 1: bytes.remove(at: position)
                default: bytes.insert(interesting.randomElement(using: &rng) ?? 0, at: position)
                }
                if bytes.isEmpty { break }
            }
            guard let value = try? JSONParser.parse(bytes) else { continue }
            var writer = JSONWriter()
            writer.value(value)
            #expect((try? JSONParser.parse(writer.bytes)) == value)
        }
    }
}
