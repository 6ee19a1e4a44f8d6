/// A strict RFC 8259 parser producing `JSONValue`.
///
/// Foundation's `JSONSerialization` is slow here (see PERFORMANCE-NOTES.md)
/// and turns numbers into `Double`; this parser works on the raw bytes in one
/// pass and keeps number text exact. It is strict because it reads answers
/// from the network: anything RFC 8259 does not allow is an error (leading
/// zeros, trailing commas, single quotes, comments, a BOM, lone surrogate
/// escapes, invalid UTF-8, raw control characters, data after the document),
/// and nesting is capped so a hostile document cannot exhaust the stack.
public enum JSONParser {
    public static func parse(_ bytes: [UInt8], maxDepth: Int = 64) throws(JSONError) -> JSONValue {
        let result: Result<JSONValue, JSONError> = bytes.withUnsafeBufferPointer { buffer in
            var scanner = JSONScanner(buffer, maxDepth: maxDepth)
            do throws(JSONError) {
                return .success(try scanner.parseDocument())
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }

    public static func parse(_ text: String, maxDepth: Int = 64) throws(JSONError) -> JSONValue {
        try parse(Array(text.utf8), maxDepth: maxDepth)
    }

    /// Pull-parses a document without building a tree: `body` gets a reader
    /// positioned at the top-level value. Whatever `body` leaves unread is
    /// still checked (the whole document must be valid JSON), and the same
    /// strictness and depth limit as `parse` apply. The reader must not
    /// escape `body`.
    public static func read<T>(
        _ bytes: [UInt8], maxDepth: Int = 64, _ body: (inout JSONReader) throws(JSONError) -> T
    ) throws(JSONError) -> T {
        let result: Result<T, JSONError> = bytes.withUnsafeBufferPointer { buffer in
            var reader = JSONReader(JSONScanner(buffer, maxDepth: maxDepth))
            do throws(JSONError) {
                return .success(try reader.readDocument(body))
            } catch {
                return .failure(error)
            }
        }
        return try result.get()
    }
}

/// The cursor over one document. Recursion depth is bounded by `maxDepth`.
struct JSONScanner {
    private let bytes: UnsafeBufferPointer<UInt8>
    private(set) var index = 0
    let maxDepth: Int
    /// The last key seen at each (depth, member position): input range and text.
    /// Arrays of similar objects repeat their keys in the same order, so a
    /// byte comparison usually replaces building a new String.
    private var keyStarts: [Int]
    private var keyCounts: [Int]
    private var keyTexts: [String]
    static let keyCacheDepths = 8
    static let keyCachePositions = 16
    private static let keyCacheSlots = keyCacheDepths * keyCachePositions

    init(_ bytes: UnsafeBufferPointer<UInt8>, maxDepth: Int) {
        self.bytes = bytes
        self.maxDepth = maxDepth
        keyStarts = Array(repeating: 0, count: Self.keyCacheSlots)
        keyCounts = Array(repeating: -1, count: Self.keyCacheSlots)
        keyTexts = Array(repeating: "", count: Self.keyCacheSlots)
    }

    /// Steps over a `:` or `,` and the whitespace around it (reader support).
    mutating func consume(_ byte: UInt8) throws(JSONError) {
        skipWhitespace()
        guard try peek() == byte else { throw JSONError(.unexpectedCharacter, at: index) }
        index += 1
        skipWhitespace()
    }

    mutating func advance() { index += 1 }

    var byteCount: Int { bytes.count }

    mutating func parseDocument() throws(JSONError) -> JSONValue {
        skipWhitespace()
        let value = try parseValue(depth: 0)
        skipWhitespace()
        guard index == bytes.count else { throw JSONError(.trailingData, at: index) }
        return value
    }

    // MARK: - Values

    mutating func parseValue(depth: Int) throws(JSONError) -> JSONValue {
        guard index < bytes.count else { throw JSONError(.unexpectedEnd, at: index) }
        switch bytes[index] {
        case UInt8(ascii: "{"): return try parseObject(depth: depth + 1)
        case UInt8(ascii: "["): return try parseArray(depth: depth + 1)
        case UInt8(ascii: "\""): return .string(try parseString())
        case UInt8(ascii: "t"):
            try expectLiteral("true")
            return .bool(true)
        case UInt8(ascii: "f"):
            try expectLiteral("false")
            return .bool(false)
        case UInt8(ascii: "n"):
            try expectLiteral("null")
            return .null
        case UInt8(ascii: "-"), UInt8(ascii: "0")...UInt8(ascii: "9"): return .number(try parseNumber())
        default: throw JSONError(.unexpectedCharacter, at: index)
        }
    }

    private mutating func parseObject(depth: Int) throws(JSONError) -> JSONValue {
        guard depth <= maxDepth else { throw JSONError(.tooDeep, at: index) }
        index += 1  // {
        var members: [(key: String, value: JSONValue)] = []
        // Most objects in real answers have 5–16 members: skip the 1, 2, 4 growth steps.
        members.reserveCapacity(8)
        skipWhitespace()
        if try peek() == UInt8(ascii: "}") {
            index += 1
            return .object(members)
        }
        var position = 0
        while true {
            skipWhitespace()
            guard try peek() == UInt8(ascii: "\"") else { throw JSONError(.unexpectedCharacter, at: index) }
            let key =
                position < Self.keyCachePositions && depth <= Self.keyCacheDepths
                ? try parseKey(slot: (depth - 1) * Self.keyCachePositions + position) : try parseString()
            position += 1
            skipWhitespace()
            guard try peek() == UInt8(ascii: ":") else { throw JSONError(.unexpectedCharacter, at: index) }
            index += 1
            skipWhitespace()
            let value = try parseValue(depth: depth)
            members.append((key, value))
            skipWhitespace()
            switch try peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "}"):
                index += 1
                return .object(members)
            default: throw JSONError(.unexpectedCharacter, at: index)
            }
        }
    }

    private mutating func parseArray(depth: Int) throws(JSONError) -> JSONValue {
        guard depth <= maxDepth else { throw JSONError(.tooDeep, at: index) }
        index += 1  // [
        var elements: [JSONValue] = []
        skipWhitespace()
        if try peek() == UInt8(ascii: "]") {
            index += 1
            return .array(elements)
        }
        while true {
            skipWhitespace()
            elements.append(try parseValue(depth: depth))
            skipWhitespace()
            switch try peek() {
            case UInt8(ascii: ","): index += 1
            case UInt8(ascii: "]"):
                index += 1
                return .array(elements)
            default: throw JSONError(.unexpectedCharacter, at: index)
            }
        }
    }

    private mutating func expectLiteral(_ literal: StaticString) throws(JSONError) {
        let count = literal.utf8CodeUnitCount
        guard bytes.count - index >= count else { throw JSONError(.invalidLiteral, at: index) }
        let start = literal.utf8Start
        for offset in 0..<count where bytes[index + offset] != start[offset] {
            throw JSONError(.invalidLiteral, at: index)
        }
        index += count
    }

    // MARK: - Numbers

    /// `-? (0 | [1-9][0-9]*) (. [0-9]+)? ([eE] [+-]? [0-9]+)?`, kept as text.
    private mutating func parseNumber() throws(JSONError) -> String {
        let start = index
        if bytes[index] == UInt8(ascii: "-") { index += 1 }
        guard index < bytes.count else { throw JSONError(.invalidNumber, at: start) }
        if bytes[index] == UInt8(ascii: "0") {
            index += 1
            // "01" is not JSON; "0" followed by another digit is a leading zero.
            if index < bytes.count, isDigit(bytes[index]) { throw JSONError(.invalidNumber, at: start) }
        } else if isDigit(bytes[index]) {
            skipDigits()
        } else {
            throw JSONError(.invalidNumber, at: start)
        }
        if index < bytes.count, bytes[index] == UInt8(ascii: ".") {
            index += 1
            guard index < bytes.count, isDigit(bytes[index]) else { throw JSONError(.invalidNumber, at: start) }
            skipDigits()
        }
        if index < bytes.count, bytes[index] | 0x20 == UInt8(ascii: "e") {
            index += 1
            if index < bytes.count, bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-") {
                index += 1
            }
            guard index < bytes.count, isDigit(bytes[index]) else { throw JSONError(.invalidNumber, at: start) }
            skipDigits()
        }
        let count = index - start
        // Short numbers (units, types, flags) come from a table instead of a new String.
        if count == 1 {
            return Self.shortNumbers[Int(bytes[start] &- UInt8(ascii: "0"))]
        }
        if count == 2 {
            let second = Int(bytes[start + 1] &- UInt8(ascii: "0"))
            if bytes[start] == UInt8(ascii: "-") { return Self.shortNumbers[10 + second] }
            if isDigit(bytes[start + 1]) {
                return Self.shortNumbers[20 + Int(bytes[start] &- UInt8(ascii: "0")) * 10 + second]
            }
        }
        return String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
    }

    /// "0"…"9" at 0–9, "-0"…"-9" at 10–19, "10"…"99" at 30–119 (20–29 unused: leading zeros).
    private static let shortNumbers: [String] =
        (0..<10).map { String($0) } + (0..<10).map { "-\($0)" }
        + (0..<100).map { String($0) }

    @inline(__always)
    private func isDigit(_ byte: UInt8) -> Bool {
        byte &- UInt8(ascii: "0") <= 9
    }

    @inline(__always)
    private mutating func skipDigits() {
        while index < bytes.count, isDigit(bytes[index]) { index += 1 }
    }

    // MARK: - Strings

    /// Parses a string starting at its opening quote. The common case (ASCII,
    /// no escapes) becomes a `String` straight from the input bytes.
    mutating func parseString() throws(JSONError) -> String {
        index += 1  // opening quote
        let start = index
        while index < bytes.count {
            let byte = bytes[index]
            if byte == UInt8(ascii: "\"") {
                let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<index]), as: UTF8.self)
                index += 1
                return text
            }
            if byte == UInt8(ascii: "\\") || byte >= 0x80 { break }
            if byte < 0x20 { throw JSONError(.controlCharacter, at: index) }
            index += 1
        }
        guard index < bytes.count else { throw JSONError(.unexpectedEnd, at: index) }
        return try parseStringSlowly(from: start)
    }

    /// `parseString` for an object key, reusing the text of the key last seen
    /// at the same member position when the bytes are identical.
    mutating func parseKey(slot: Int) throws(JSONError) -> String {
        let start = index + 1
        // Hit: the cached key's bytes (plain ASCII, checked when cached) followed by the closing quote.
        let cachedCount = keyCounts[slot]
        if cachedCount >= 0, start + cachedCount < bytes.count, bytes[start + cachedCount] == UInt8(ascii: "\""),
            equalBytes(start, keyStarts[slot], cachedCount)
        {
            index = start + cachedCount + 1
            return keyTexts[slot]
        }
        var end = start
        while end < bytes.count {
            let byte = bytes[end]
            if byte == UInt8(ascii: "\"") { break }
            if byte == UInt8(ascii: "\\") || byte >= 0x80 || byte < 0x20 { return try parseString() }
            end += 1
        }
        guard end < bytes.count else { return try parseString() }
        let text = String(decoding: UnsafeBufferPointer(rebasing: bytes[start..<end]), as: UTF8.self)
        keyStarts[slot] = start
        keyCounts[slot] = end - start
        keyTexts[slot] = text
        index = end + 1
        return text
    }

    @inline(__always)
    private func equalBytes(_ a: Int, _ b: Int, _ count: Int) -> Bool {
        var offset = 0
        while offset < count {
            if bytes[a + offset] != bytes[b + offset] { return false }
            offset += 1
        }
        return true
    }

    /// Handles escapes and non-ASCII bytes, validating UTF-8 at the end.
    private mutating func parseStringSlowly(from start: Int) throws(JSONError) -> String {
        var out: [UInt8] = Array(UnsafeBufferPointer(rebasing: bytes[start..<index]))
        out.reserveCapacity(out.count + 32)
        while index < bytes.count {
            let byte = bytes[index]
            switch byte {
            case UInt8(ascii: "\""):
                index += 1
                guard let text = String(validating: out, as: UTF8.self) else {
                    throw JSONError(.invalidUTF8, at: start)
                }
                return text
            case UInt8(ascii: "\\"):
                try appendEscape(into: &out)
            case 0..<0x20:
                throw JSONError(.controlCharacter, at: index)
            default:
                out.append(byte)
                index += 1
            }
        }
        throw JSONError(.unexpectedEnd, at: index)
    }

    private mutating func appendEscape(into out: inout [UInt8]) throws(JSONError) {
        let escapeStart = index
        index += 1  // backslash
        guard index < bytes.count else { throw JSONError(.unexpectedEnd, at: index) }
        let code = bytes[index]
        index += 1
        switch code {
        case UInt8(ascii: "\""): out.append(UInt8(ascii: "\""))
        case UInt8(ascii: "\\"): out.append(UInt8(ascii: "\\"))
        case UInt8(ascii: "/"): out.append(UInt8(ascii: "/"))
        case UInt8(ascii: "b"): out.append(0x08)
        case UInt8(ascii: "f"): out.append(0x0C)
        case UInt8(ascii: "n"): out.append(0x0A)
        case UInt8(ascii: "r"): out.append(0x0D)
        case UInt8(ascii: "t"): out.append(0x09)
        case UInt8(ascii: "u"):
            let first = try readHex4(escapeStart: escapeStart)
            var scalarValue = UInt32(first)
            switch first {
            case 0xD800...0xDBFF:
                // A high surrogate must be followed at once by `\u` + a low one.
                guard bytes.count - index >= 6, bytes[index] == UInt8(ascii: "\\"),
                    bytes[index + 1] == UInt8(ascii: "u")
                else { throw JSONError(.loneSurrogate, at: escapeStart) }
                index += 2
                let second = try readHex4(escapeStart: escapeStart)
                guard (0xDC00...0xDFFF).contains(second) else { throw JSONError(.loneSurrogate, at: escapeStart) }
                scalarValue = 0x10000 + ((UInt32(first) - 0xD800) << 10) + (UInt32(second) - 0xDC00)
            case 0xDC00...0xDFFF:
                throw JSONError(.loneSurrogate, at: escapeStart)
            default:
                break
            }
            appendUTF8(scalarValue, into: &out)
        default:
            throw JSONError(.invalidEscape, at: escapeStart)
        }
    }

    private mutating func readHex4(escapeStart: Int) throws(JSONError) -> UInt16 {
        guard bytes.count - index >= 4 else { throw JSONError(.invalidEscape, at: escapeStart) }
        var value: UInt16 = 0
        for _ in 0..<4 {
            let byte = bytes[index]
            let nibble: UInt8
            switch byte {
            case UInt8(ascii: "0")...UInt8(ascii: "9"): nibble = byte - UInt8(ascii: "0")
            case UInt8(ascii: "a")...UInt8(ascii: "f"): nibble = byte - UInt8(ascii: "a") + 10
            case UInt8(ascii: "A")...UInt8(ascii: "F"): nibble = byte - UInt8(ascii: "A") + 10
            default: throw JSONError(.invalidEscape, at: escapeStart)
            }
            value = value << 4 | UInt16(nibble)
            index += 1
        }
        return value
    }

    /// Encodes a scalar value (never a surrogate here) as UTF-8.
    private func appendUTF8(_ scalar: UInt32, into out: inout [UInt8]) {
        switch scalar {
        case 0..<0x80:
            out.append(UInt8(scalar))
        case 0x80..<0x800:
            out.append(UInt8(0xC0 | scalar >> 6))
            out.append(UInt8(0x80 | scalar & 0x3F))
        case 0x800..<0x10000:
            out.append(UInt8(0xE0 | scalar >> 12))
            out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            out.append(UInt8(0x80 | scalar & 0x3F))
        default:
            out.append(UInt8(0xF0 | scalar >> 18))
            out.append(UInt8(0x80 | scalar >> 12 & 0x3F))
            out.append(UInt8(0x80 | scalar >> 6 & 0x3F))
            out.append(UInt8(0x80 | scalar & 0x3F))
        }
    }

    // MARK: - Helpers

    @inline(__always)
    func peek() throws(JSONError) -> UInt8 {
        guard index < bytes.count else { throw JSONError(.unexpectedEnd, at: index) }
        return bytes[index]
    }

    @inline(__always)
    mutating func skipWhitespace() {
        while index < bytes.count {
            switch bytes[index] {
            case UInt8(ascii: " "), UInt8(ascii: "\n"), UInt8(ascii: "\r"), UInt8(ascii: "\t"): index += 1
            default: return
            }
        }
    }
}
