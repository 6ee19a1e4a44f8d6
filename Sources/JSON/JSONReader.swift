/// A pull reader over one document (see `JSONParser.read`): the caller walks
/// objects and arrays and reads only the values it needs, so decoding a large
/// answer builds no tree for the parts it maps straight into its own types.
/// Values the caller does not read are skipped, but still fully validated.
public struct JSONReader {
    public enum Kind: Sendable, Equatable { case object, array, string, number, bool, null }

    private var scanner: JSONScanner
    /// Nesting depth of the value the reader is positioned at.
    private var depth = 0

    init(_ scanner: JSONScanner) {
        self.scanner = scanner
    }

    /// The kind of the value at the reader's position; nil when the bytes
    /// there cannot start a value (reading it then throws).
    public var nextKind: Kind? {
        guard let byte = try? scanner.peek() else { return nil }
        switch byte {
        case UInt8(ascii: "{"): return .object
        case UInt8(ascii: "["): return .array
        case UInt8(ascii: "\""): return .string
        case UInt8(ascii: "t"), UInt8(ascii: "f"): return .bool
        case UInt8(ascii: "n"): return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number
        default: return nil
        }
    }

    /// Reads the value at the position as a tree (cheap for scalars).
    public mutating func readValue() throws(JSONError) -> JSONValue {
        try scanner.parseValue(depth: depth)
    }

    /// Walks the object at the position, calling `body` with each key while
    /// the reader is at that member's value; a value `body` does not read is
    /// skipped. Throws when the value is not an object.
    public mutating func forEachMember(_ body: (inout JSONReader, String) throws(JSONError) -> Void) throws(JSONError) {
        guard try scanner.peek() == UInt8(ascii: "{") else { throw JSONError(.unexpectedCharacter, at: scanner.index) }
        depth += 1
        guard depth <= scanner.maxDepth else { throw JSONError(.tooDeep, at: scanner.index) }
        scanner.advance()
        scanner.skipWhitespace()
        if try scanner.peek() == UInt8(ascii: "}") {
            scanner.advance()
            depth -= 1
            return
        }
        var position = 0
        while true {
            scanner.skipWhitespace()
            guard try scanner.peek() == UInt8(ascii: "\"") else {
                throw JSONError(.unexpectedCharacter, at: scanner.index)
            }
            let key =
                position < JSONScanner.keyCachePositions && depth <= JSONScanner.keyCacheDepths
                ? try scanner.parseKey(slot: (depth - 1) * JSONScanner.keyCachePositions + position)
                : try scanner.parseString()
            position += 1
            try scanner.consume(UInt8(ascii: ":"))
            let start = scanner.index
            try body(&self, key)
            if scanner.index == start { _ = try scanner.parseValue(depth: depth) }
            scanner.skipWhitespace()
            switch try scanner.peek() {
            case UInt8(ascii: ","): scanner.advance()
            case UInt8(ascii: "}"):
                scanner.advance()
                depth -= 1
                return
            default: throw JSONError(.unexpectedCharacter, at: scanner.index)
            }
        }
    }

    /// Walks the array at the position, calling `body` with the reader at each
    /// element; an element `body` does not read is skipped. Throws when the
    /// value is not an array.
    public mutating func forEachElement(_ body: (inout JSONReader) throws(JSONError) -> Void) throws(JSONError) {
        guard try scanner.peek() == UInt8(ascii: "[") else { throw JSONError(.unexpectedCharacter, at: scanner.index) }
        depth += 1
        guard depth <= scanner.maxDepth else { throw JSONError(.tooDeep, at: scanner.index) }
        scanner.advance()
        scanner.skipWhitespace()
        if try scanner.peek() == UInt8(ascii: "]") {
            scanner.advance()
            depth -= 1
            return
        }
        while true {
            scanner.skipWhitespace()
            let start = scanner.index
            try body(&self)
            if scanner.index == start { _ = try scanner.parseValue(depth: depth) }
            scanner.skipWhitespace()
            switch try scanner.peek() {
            case UInt8(ascii: ","): scanner.advance()
            case UInt8(ascii: "]"):
                scanner.advance()
                depth -= 1
                return
            default: throw JSONError(.unexpectedCharacter, at: scanner.index)
            }
        }
    }

    mutating func readDocument<T>(_ body: (inout JSONReader) throws(JSONError) -> T) throws(JSONError) -> T {
        scanner.skipWhitespace()
        let start = scanner.index
        let result = try body(&self)
        if scanner.index == start { _ = try scanner.parseValue(depth: 0) }
        scanner.skipWhitespace()
        guard scanner.index == scanner.byteCount else { throw JSONError(.trailingData, at: scanner.index) }
        return result
    }
}
