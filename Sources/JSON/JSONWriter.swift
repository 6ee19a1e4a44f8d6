/// A streaming JSON writer that writes UTF-8 straight into one byte buffer.
///
/// Foundation's `JSONEncoder` costs 120–400 µs for a few kilobytes here and
/// orders keys differently on each call; this writer is deterministic (keys
/// come out in the order written) and allocates only when its buffer grows.
/// Commas are inserted automatically; the caller is responsible for
/// balancing `beginObject`/`endObject` and for writing a key before each
/// value inside an object.
public struct JSONWriter: Sendable {
    /// `storage[0..<length]` is the document so far; the rest is spare room,
    /// so each write is one capacity check and plain stores rather than an
    /// `Array.append` (uniqueness and capacity checks) per byte.
    private var storage: [UInt8]
    private var length = 0
    /// True when the next value or key at the current depth needs a comma first.
    private var needsComma = false

    public init(capacity: Int = 1024) {
        storage = [UInt8](repeating: 0, count: max(capacity, 64))
    }

    /// The document written so far.
    public var bytes: [UInt8] { Array(storage[0..<length]) }

    public mutating func beginObject() {
        punctuation(UInt8(ascii: "{"), separated: true)
        needsComma = false
    }

    public mutating func endObject() {
        punctuation(UInt8(ascii: "}"), separated: false)
        needsComma = true
    }

    public mutating func beginArray() {
        punctuation(UInt8(ascii: "["), separated: true)
        needsComma = false
    }

    public mutating func endArray() {
        punctuation(UInt8(ascii: "]"), separated: false)
        needsComma = true
    }

    /// An object key quoted and escaped once, for keys written many times
    /// (every group and measure of a page).
    public struct Key: Sendable {
        fileprivate let rendered: [UInt8]

        public init(_ name: String) {
            var writer = JSONWriter(capacity: name.utf8.count * 6 + 3)
            writer.key(name)
            rendered = writer.bytes
        }
    }

    /// Writes a pre-rendered key; the next call must write its value.
    public mutating func key(_ key: Key) {
        appendRaw(key.rendered)
        needsComma = false
    }

    /// Writes an object key; the next call must write its value.
    public mutating func key(_ name: String) {
        appendQuoted(name, colon: true)
        needsComma = false
    }

    public mutating func string(_ value: String) {
        appendQuoted(value, colon: false)
        needsComma = true
    }

    public mutating func string(_ value: Substring) {
        string(String(value))
    }

    public mutating func int<T: BinaryInteger>(_ value: T) {
        if let small = Int64(exactly: value) {
            appendDecimal(small)
        } else {
            appendLargeDecimal(value)
        }
        needsComma = true
    }

    // Concrete overloads: a generic call from another module is not
    // specialized and costs witness-table lookups per digit.
    public mutating func int(_ value: Int) {
        appendDecimal(Int64(value))
        needsComma = true
    }

    public mutating func int(_ value: Int64) {
        appendDecimal(value)
        needsComma = true
    }

    public mutating func bool(_ value: Bool) {
        appendRaw(value ? Self.trueBytes : Self.falseBytes)
        needsComma = true
    }

    public mutating func null() {
        appendRaw(Self.nullBytes)
        needsComma = true
    }

    /// Writes pre-rendered JSON (a number literal, a cached fragment) as one value.
    /// The caller guarantees `json` is a valid JSON value.
    public mutating func raw<C: Collection>(_ json: C) where C.Element == UInt8 {
        let copied: Void? = json.withContiguousStorageIfAvailable { appendRaw(UnsafeRawBufferPointer($0)) }
        if copied == nil { appendRaw(Array(json)) }
        needsComma = true
    }

    public mutating func raw(_ json: [UInt8]) {
        appendRaw(json)
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

    /// Runs `body` on a pointer to room for `maxCount` bytes at the end of the
    /// document (after the comma when one is due and `separated`); `body`
    /// returns how many bytes it wrote.
    @inline(__always)
    private mutating func write(
        maxCount: Int, separated: Bool = true, _ body: (UnsafeMutablePointer<UInt8>) -> Int
    ) {
        let comma = separated && needsComma ? 1 : 0
        let needed = length + comma + maxCount
        if needed > storage.count {
            storage.append(contentsOf: repeatElement(0, count: max(needed, storage.count * 2) - storage.count))
        }
        let start = length
        let written = storage.withUnsafeMutableBufferPointer { buffer -> Int in
            // `storage` always holds at least 64 bytes, so the base address exists.
            guard let base = buffer.baseAddress else { return 0 }
            if comma == 1 { base[start] = UInt8(ascii: ",") }
            return comma + body(base + start + comma)
        }
        length = start + written
    }

    private mutating func punctuation(_ byte: UInt8, separated: Bool) {
        write(maxCount: 1, separated: separated) { out in
            out[0] = byte
            return 1
        }
    }

    private mutating func appendRaw(_ source: UnsafeRawBufferPointer) {
        write(maxCount: source.count) { out in
            if let base = source.baseAddress {
                UnsafeMutableRawPointer(out).copyMemory(from: base, byteCount: source.count)
            }
            return source.count
        }
    }

    private mutating func appendRaw(_ source: [UInt8]) {
        source.withUnsafeBytes { appendRaw($0) }
    }

    /// Digits of an Int64, most significant first.
    private mutating func appendDecimal(_ value: Int64) {
        write(maxCount: 20) { out in
            var magnitude = value.magnitude
            var digits = 0
            var probe = magnitude
            repeat {
                digits += 1
                probe /= 10
            } while probe > 0
            let sign = value < 0 ? 1 : 0
            if sign == 1 { out[0] = UInt8(ascii: "-") }
            var index = sign + digits
            repeat {
                index -= 1
                out[index] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            return sign + digits
        }
    }

    /// Integers beyond Int64 (UInt64, wider types), through their text.
    private mutating func appendLargeDecimal<T: BinaryInteger>(_ value: T) {
        appendRaw(Array(String(value).utf8))
    }

    /// RFC 8259 string escaping: quote, backslash and control characters;
    /// everything else (including non-ASCII UTF-8 and `/`) goes through as is.
    private mutating func appendQuoted(_ value: String, colon: Bool) {
        var value = value
        value.withUTF8 { utf8 in
            // First pass: the exact escaped size, so the second pass only stores.
            var escapedCount = utf8.count
            for byte in utf8 where byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") {
                escapedCount += Self.isShortEscape(byte) ? 1 : 5
            }
            let total = escapedCount + 2 + (colon ? 1 : 0)
            write(maxCount: total) { out in
                out[0] = UInt8(ascii: "\"")
                var index = 1
                if escapedCount == utf8.count, let base = utf8.baseAddress {
                    (out + 1).update(from: base, count: utf8.count)
                    index += utf8.count
                } else {
                    for byte in utf8 {
                        guard byte < 0x20 || byte == UInt8(ascii: "\"") || byte == UInt8(ascii: "\\") else {
                            out[index] = byte
                            index += 1
                            continue
                        }
                        out[index] = UInt8(ascii: "\\")
                        switch byte {
                        case UInt8(ascii: "\""): out[index + 1] = UInt8(ascii: "\"")
                        case UInt8(ascii: "\\"): out[index + 1] = UInt8(ascii: "\\")
                        case 0x0A: out[index + 1] = UInt8(ascii: "n")
                        case 0x0D: out[index + 1] = UInt8(ascii: "r")
                        case 0x09: out[index + 1] = UInt8(ascii: "t")
                        case 0x08: out[index + 1] = UInt8(ascii: "b")
                        case 0x0C: out[index + 1] = UInt8(ascii: "f")
                        default:
                            out[index + 1] = UInt8(ascii: "u")
                            out[index + 2] = UInt8(ascii: "0")
                            out[index + 3] = UInt8(ascii: "0")
                            out[index + 4] = Self.hexDigits[Int(byte >> 4)]
                            out[index + 5] = Self.hexDigits[Int(byte & 0xF)]
                            index += 4
                        }
                        index += 2
                    }
                }
                out[index] = UInt8(ascii: "\"")
                index += 1
                if colon {
                    out[index] = UInt8(ascii: ":")
                    index += 1
                }
                return index
            }
        }
    }

    @inline(__always)
    private static func isShortEscape(_ byte: UInt8) -> Bool {
        switch byte {
        case UInt8(ascii: "\""), UInt8(ascii: "\\"), 0x0A, 0x0D, 0x09, 0x08, 0x0C: return true
        default: return false
        }
    }
}
