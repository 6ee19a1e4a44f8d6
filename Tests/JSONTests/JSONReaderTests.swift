import JSON
import Testing

/// The pull reader accepts exactly what the tree parser accepts, and walking
/// everything with it rebuilds the same tree.
struct JSONReaderTests {
    /// Rebuilds a value through the reader's walking API (not `readValue` for containers).
    private static func rebuild(_ reader: inout JSONReader) throws(JSONError) -> JSONValue {
        switch reader.nextKind {
        case .object:
            var members: [(key: String, value: JSONValue)] = []
            try reader.forEachMember { reader, key throws(JSONError) in
                members.append((key, try rebuild(&reader)))
            }
            return .object(members)
        case .array:
            var elements: [JSONValue] = []
            try reader.forEachElement { reader throws(JSONError) in elements.append(try rebuild(&reader)) }
            return .array(elements)
        case .string, .number, .bool, .null, nil:
            return try reader.readValue()
        }
    }

    private func viaReader(_ bytes: [UInt8], maxDepth: Int = 64) -> Result<JSONValue, JSONError> {
        do throws(JSONError) {
            return .success(
                try JSONParser.read(bytes, maxDepth: maxDepth) { reader throws(JSONError) in try Self.rebuild(&reader) }
            )
        } catch {
            return .failure(error)
        }
    }

    private func viaParser(_ bytes: [UInt8], maxDepth: Int = 64) -> Result<JSONValue, JSONError> {
        do throws(JSONError) {
            return .success(try JSONParser.parse(bytes, maxDepth: maxDepth))
        } catch {
            return .failure(error)
        }
    }

    @Test(arguments: [
        "null", " [1, [2, {\"a\": {}}], {\"b\": [true, false, null]}] ", #"{"a":1,"a":2,"":"\u00e9"}"#, "[]", "{}",
        "[1,]", "{\"a\":1,}", "{\"a\" 1}", "[1 2]", "{} x", "[", "{\"a\":", "\"\\ud800\"", "01", "[-]", "",
        String(repeating: "[", count: 64) + String(repeating: "]", count: 64),
        String(repeating: "[", count: 65) + String(repeating: "]", count: 65),
        String(repeating: #"{"k":"#, count: 65) + "0" + String(repeating: "}", count: 65),
    ])
    func agreesWithTheParser(text: String) {
        let bytes = Array(text.utf8)
        #expect(viaReader(bytes) == viaParser(bytes), "\(text.prefix(40))")
    }

    @Test func unreadValuesAreSkippedButValidated() throws {
        let count = try JSONParser.read(Array(#"{"skip":{"deep":[1,2,{"x":null}]},"take":7,"tail":[]}"#.utf8)) {
            reader throws(JSONError) in
            var taken = 0
            try reader.forEachMember { reader, key throws(JSONError) in
                if key == "take" { taken = try reader.readValue().int ?? -1 }
            }
            return taken
        }
        #expect(count == 7)
        // A syntax error inside a skipped value still fails the read.
        #expect(throws: JSONError.self) {
            try JSONParser.read(Array(#"{"skip":{"deep":[1,2,]},"take":7}"#.utf8)) { reader throws(JSONError) in
                try reader.forEachMember { _, _ throws(JSONError) in }
            }
        }
        // Reading nothing still checks the whole document.
        #expect(throws: JSONError.self) {
            try JSONParser.read(Array("[1] 2".utf8)) { _ throws(JSONError) in }
        }
        #expect(throws: JSONError.self) {
            try JSONParser.read(Array("[1".utf8)) { _ throws(JSONError) in }
        }
    }

    @Test func walkingTheWrongKindThrows() {
        #expect(throws: JSONError.self) {
            try JSONParser.read(Array("[1]".utf8)) { reader throws(JSONError) in
                try reader.forEachMember { _, _ throws(JSONError) in }
            }
        }
        #expect(throws: JSONError.self) {
            try JSONParser.read(Array("{}".utf8)) { reader throws(JSONError) in
                try reader.forEachElement { _ throws(JSONError) in }
            }
        }
    }

    @Test(arguments: 0..<4)
    func randomAndMutatedDocumentsAgree(seed: Int) {
        var rng = JSONRoundTripTests.SeededGenerator(state: UInt64(seed) &* 7919 &+ 17)
        let interesting: [UInt8] = Array(#"{}[]",:\u0-+.e01 9ntfl"#.utf8) + [0x00, 0x1F, 0xC3, 0xFF]
        for _ in 0..<1500 {
            var writer = JSONWriter()
            writer.value(JSONRoundTripTests.randomValue(&rng, depth: 0))
            var bytes = writer.bytes
            if Bool.random(using: &rng), !bytes.isEmpty {
                let position = Int.random(in: 0..<bytes.count, using: &rng)
                bytes[position] = interesting.randomElement(using: &rng) ?? 0
            }
            let maxDepth = Int.random(in: 1...6, using: &rng)
            #expect(viaReader(bytes, maxDepth: maxDepth) == viaParser(bytes, maxDepth: maxDepth))
        }
    }
}
