import Glibc

/// Byte-level grammar of RFC 9110/9112 shared by the request and response
/// parsers. Everything works on raw pointers into the read buffer, so
/// scanning never builds a `String`.
enum HTTPSyntax {
    static let cr: UInt8 = 0x0D
    static let lf: UInt8 = 0x0A
    static let space: UInt8 = 0x20
    static let tab: UInt8 = 0x09
    static let colon: UInt8 = 0x3A

    /// `tchar` (RFC 9110 §5.6.2): the bytes allowed in methods and field names.
    @inline(__always)
    static func isTokenByte(_ byte: UInt8) -> Bool {
        switch byte {
        case 0x30...0x39, 0x41...0x5A, 0x61...0x7A: true
        case 0x21, 0x23, 0x24, 0x25, 0x26, 0x27, 0x2A, 0x2B, 0x2D, 0x2E, 0x5E, 0x5F, 0x60, 0x7C, 0x7E: true
        default: false
        }
    }

    /// `field-vchar`, SP or HTAB: every byte a field value may hold. Controls
    /// (NUL, a bare CR, DEL...) are refused rather than passed on.
    @inline(__always)
    static func isFieldValueByte(_ byte: UInt8) -> Bool {
        byte == tab || (byte >= 0x20 && byte != 0x7F)
    }

    @inline(__always)
    static func isWhitespace(_ byte: UInt8) -> Bool { byte == space || byte == tab }

    /// Index of the first LF in `base[from..<to]`, or nil.
    @inline(__always)
    static func findLF(_ base: UnsafePointer<UInt8>, from: Int, to: Int) -> Int? {
        guard from < to, let hit = memchr(base + from, Int32(lf), to - from) else { return nil }
        return base.distance(to: hit.assumingMemoryBound(to: UInt8.self))
    }

    /// ASCII case-insensitive comparison of `base[range]` with a lowercase
    /// literal made of letters, digits and `-` (the only names compared here).
    @inline(__always)
    static func equalsLowercase(_ base: UnsafePointer<UInt8>, _ range: Range<Int>, _ literal: StaticString) -> Bool {
        guard range.count == literal.utf8CodeUnitCount else { return false }
        let expected = literal.utf8Start
        for offset in 0..<range.count where base[range.lowerBound + offset] | 0x20 != expected[offset] | 0x20 {
            return false
        }
        return true
    }

    /// `range` without leading and trailing SP/HTAB.
    @inline(__always)
    static func trimmed(_ base: UnsafePointer<UInt8>, _ range: Range<Int>) -> Range<Int> {
        var lower = range.lowerBound, upper = range.upperBound
        while lower < upper, isWhitespace(base[lower]) { lower += 1 }
        while upper > lower, isWhitespace(base[upper - 1]) { upper -= 1 }
        return lower..<upper
    }

    @inline(__always)
    static func string(_ base: UnsafePointer<UInt8>, _ range: Range<Int>) -> String {
        String(decoding: UnsafeBufferPointer(start: base + range.lowerBound, count: range.count), as: UTF8.self)
    }

    /// Calls `body` with each comma-separated element of `range`, trimmed of
    /// OWS; empty elements are skipped as RFC 9110 §5.6.1 asks.
    @inline(__always)
    static func forEachListElement(
        _ base: UnsafePointer<UInt8>, _ range: Range<Int>, _ body: (Range<Int>) throws(HTTP1Error) -> Void
    ) throws(HTTP1Error) {
        var start = range.lowerBound
        while start <= range.upperBound {
            var end = start
            while end < range.upperBound, base[end] != UInt8(ascii: ",") { end += 1 }
            let element = trimmed(base, start..<end)
            if !element.isEmpty { try body(element) }
            start = end + 1
        }
    }

    /// A non-negative decimal made only of digits; values above `cap` come
    /// back as `cap + 1` so a huge number can never wrap. nil when not
    /// `1*DIGIT` (or when it exceeds `Int.max` with `cap == Int.max`).
    @inline(__always)
    static func decimal(_ base: UnsafePointer<UInt8>, _ range: Range<Int>, cap: Int) -> Int? {
        guard !range.isEmpty else { return nil }
        var value = 0
        var overCap = false
        for index in range {
            let digit = base[index] &- UInt8(ascii: "0")
            guard digit <= 9 else { return nil }
            guard !overCap else { continue }
            let (times10, overflow1) = value.multipliedReportingOverflow(by: 10)
            let (next, overflow2) = times10.addingReportingOverflow(Int(digit))
            if overflow1 || overflow2 || next > cap { overCap = true } else { value = next }
        }
        guard overCap else { return value }
        return cap == Int.max ? nil : cap + 1
    }

    /// Splits one field line (`name: value`, CRLF already removed) into the
    /// ranges of its name and trimmed value, refusing anything RFC 9112 §5
    /// does not allow: empty or non-token names, whitespace before the colon,
    /// control bytes in the value.
    @inline(__always)
    static func parseFieldLine(_ base: UnsafePointer<UInt8>, _ line: Range<Int>) throws(HTTP1Error) -> FieldSlot {
        var index = line.lowerBound
        while index < line.upperBound, isTokenByte(base[index]) { index += 1 }
        guard index > line.lowerBound, index < line.upperBound, base[index] == colon else {
            if index < line.upperBound, isWhitespace(base[index]) {
                throw HTTP1Error.badRequest("whitespace in a field name")
            }
            throw HTTP1Error.badRequest("malformed header field")
        }
        let name = line.lowerBound..<index
        for valueIndex in (index + 1)..<line.upperBound where !isFieldValueByte(base[valueIndex]) {
            throw HTTP1Error.badRequest("control character in a field value")
        }
        return FieldSlot(name: name, value: trimmed(base, (index + 1)..<line.upperBound))
    }
}

/// Where a field's name and value sit in the read buffer (offsets relative
/// to the start of the message head).
struct FieldSlot {
    var name: Range<Int>
    var value: Range<Int>
}

extension HTTP1Error {
    static func badRequest(_ reason: String) -> HTTP1Error { HTTP1Error(status: 400, reason: reason) }
}
