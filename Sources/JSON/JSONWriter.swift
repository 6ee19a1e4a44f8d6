/// A streaming JSON writer that appends UTF-8 straight into a byte array.
///
/// Foundation's `JSONEncoder` costs 120–400 µs for a few kilobytes here and
/// orders keys differently on each call; this writer is deterministic (keys
/// come out in the order written) and allocates only when `bytes` grows.
/// Commas are inserted automatically; the caller is responsible for
/// balancing `beginObject`/`endObject` and for writing a key before each
/// value inside an object.
public struct JSONWriter: Sendable {
    public private(set) var bytes: [UInt8]
    /// True when the next value or key at the current depth needs a comma first.
    private var needsComma = false

    public init(capacity: Int = 1024) {
        bytes = []
        bytes.reserveCapacity(capacity)
    }

    public mutating func beginObject() {
        separate()
        bytes.append(UInt8(ascii: "{"))
        needsComma = false
    }

    public mutating func endObject() {
        bytes.append(UInt8(ascii: "}"))
        needsComma = true
    }

    public mutating func beginArray() {
        separate()
        bytes.append(UInt8(ascii: "["))
        needsComma = false
    }

    public mutating func endArray() {
        bytes.append(UInt8(ascii: "]"))
        needsComma = true
    }

    /// An object key quoted and escaped once, for keys written many times
    /// (every group and measure of a page).
    public struct Key: Sendable {
        fileprivate let rendered: [UInt8]

        public init(_ name: String) {
            var writer = JSONWriter(capacity: name.utf8.count + 3)
            writer.key(name)
            rendered = writer.bytes
        }
    }

    /// Writes a pre-rendered key; the next call must write its value.
    public mutating func key(_ key: Key) {
        separate()
        bytes.append(contentsOf: key.rendered)
        needsComma = false
    }

    /// Writes an object key; the next call must write its value.
    public mutating func key(_ name: String) {
        separate()
        appendQuoted(name)
        bytes.append(UInt8(ascii: ":"))
        needsComma = false
    }

    public mutating func string(_ value: String) {
        separate()
        appendQuoted(value)
        needsComma = true
    }

    public mutating func string(_ value: Substring) {
        string(String(value))
    }

    public mutating func int<T: BinaryInteger>(_ value: T) {
        separate()
        if let small = Int64(exactly: value) {
            appendDecimal(small)
        } else {
            appendDecimal(value)
        }
        needsComma = true
    }

    // Concrete overloads: a generic call from another module is not
    // specialized and costs witness-table lookups per digit.
    public mutating func int(_ value: Int) {
        separate()
        appendDecimal(Int64(value))
        needsComma = true
    }

    public mutating func int(_ value: Int64) {
        separate()
        appendDecimal(value)
        needsComma = true
    }

    public mutating func bool(_ value: Bool) {
        separate()
        bytes.append(contentsOf: value ? Self.trueBytes : Self.falseBytes)
        needsComma = true
    }

    public mutating func null() {
        separate()
        bytes.append(contentsOf: Self.nullBytes)
        needsComma = true
    }

    /// Writes pre-rendered JSON (a number literal, a cached fragment) as one value.
    /// The caller guarantees `json` is a valid JSON value.
    public mutating func raw<C: Collection>(_ json: C) where C.Element == UInt8 {
        separate()
        bytes.append(contentsOf: json)
        needsComma = true
    }

    public mutating func raw(_ json: [UInt8]) {
        separate()
        bytes.append(contentsOf: json)
        needsComma = true
    }

    /// Convenience for `key(k)` followed by `string(v)`, or `null` when `v` is nil.
    public mutating func field(_ name: String, _ value: String?) {
        key(name)
        if let value { string(value) } else { null() }
    }

    public mutating func field<T: BinaryInteger>(_ name: String, _ value: T?) {
        key(name)
        if let value { int(value) } else { null() }
    }

    public mutating func field(_ name: String, _ value: Int?) {
        key(name)
        if let value { int(value) } else { null() }
    }

    public mutating func field(_ name: String, _ value: Int64?) {
        key(name)
        if let value { int(value) } else { null() }
    }

    public mutating func field(_ name: String, _ value: Bool) {
        key(name)
        bool(value)
    }

    // MARK: - Internals

    private static let trueBytes: [UInt8] = Array("true".utf8)
    private static let falseBytes: [UInt8] = Array("false".utf8)
    private static let nullBytes: [UInt8] = Array("null".utf8)
    private static let hexDigits: [UInt8] = Array("0123456789abcdef".utf8)

    private mutating func separate() {
        if needsComma { bytes.append(UInt8(ascii: ",")) }
    }

    /// Digits of an Int64, written backwards into a small stack buffer.
    private mutating func appendDecimal(_ value: Int64) {
        var magnitude = value.magnitude
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { digits in
            var start = 20
            repeat {
                start -= 1
                digits[start] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            if value < 0 { bytes.append(UInt8(ascii: "-")) }
            bytes.append(contentsOf: UnsafeBufferPointer(rebasing: digits[start..<20]))
        }
    }

    private mutating func appendDecimal<T: BinaryInteger>(_ value: T) {
        if value == 0 {
            bytes.append(UInt8(ascii: "0"))
            return
        }
        // Work in the magnitude so Int.min does not overflow.
        var magnitude = value.magnitude
        if value < 0 { bytes.append(UInt8(ascii: "-")) }
        let start = bytes.count
        while magnitude > 0 {
            let digit = UInt8(truncatingIfNeeded: magnitude % 10)
            bytes.append(UInt8(ascii: "0") + digit)
            magnitude /= 10
        }
        bytes[start...].reverse()
    }

    /// RFC 8259 string escaping: quote, backslash and control characters;
    /// everything else (including non-ASCII UTF-8 and `/`) goes through as is.
    private mutating func appendQuoted(_ value: String) {
        bytes.append(UInt8(ascii: "\""))
        var value = value
        value.withUTF8 { utf8 in
            var runStart = 0
            for index in 0..<utf8.count {
                let byte = utf8[index]
                guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else { continue }
                if runStart < index { bytes.append(contentsOf: utf8[runStart..<index]) }
                runStart = index + 1
                bytes.append(UInt8(ascii: "\\"))
                switch byte {
                case UInt8(ascii: "\""): bytes.append(UInt8(ascii: "\""))
                case UInt8(ascii: "\\"): bytes.append(UInt8(ascii: "\\"))
                case 0x0A: bytes.append(UInt8(ascii: "n"))
                case 0x0D: bytes.append(UInt8(ascii: "r"))
                case 0x09: bytes.append(UInt8(ascii: "t"))
                case 0x08: bytes.append(UInt8(ascii: "b"))
                case 0x0C: bytes.append(UInt8(ascii: "f"))
                default:
                    bytes.append(contentsOf: [UInt8(ascii: "u"), UInt8(ascii: "0"), UInt8(ascii: "0")])
                    bytes.append(Self.hexDigits[Int(byte >> 4)])
                    bytes.append(Self.hexDigits[Int(byte & 0xF)])
                }
            }
            if runStart < utf8.count { bytes.append(contentsOf: utf8[runStart..<utf8.count]) }
        }
        bytes.append(UInt8(ascii: "\""))
    }
}
