/// A parsed JSON document. Not `indirect`: arrays and member lists already
/// live on the heap, and boxing every scalar would cost one allocation per value.
///
///
/// Numbers keep their exact source text so that no precision is lost on the
/// way through (Withings' 64-bit group ids and mantissas must never pass
/// through a `Double`). Objects keep their members in document order,
/// duplicates included; lookups return the first match.
public enum JSONValue: Sendable, Equatable {
    case null
    case bool(Bool)
    /// The number's text exactly as it appeared (always valid RFC 8259 number syntax).
    case number(String)
    case string(String)
    case array([JSONValue])
    case object([(key: String, value: JSONValue)])

    public static func == (lhs: JSONValue, rhs: JSONValue) -> Bool {
        switch (lhs, rhs) {
        case (.null, .null): return true
        case (.bool(let a), .bool(let b)): return a == b
        case (.number(let a), .number(let b)): return a == b
        case (.string(let a), .string(let b)): return a == b
        case (.array(let a), .array(let b)): return a == b
        case (.object(let a), .object(let b)):
            guard a.count == b.count else { return false }
            for (x, y) in zip(a, b) where x.key != y.key || x.value != y.value { return false }
            return true
        case (.null, _), (.bool, _), (.number, _), (.string, _), (.array, _), (.object, _):
            return false
        }
    }
}

// MARK: - Strict accessors

extension JSONValue {
    /// The first member named `key` when this is an object; nil otherwise.
    public subscript(key: String) -> JSONValue? {
        guard case .object(let members) = self else { return nil }
        for member in members where member.key == key { return member.value }
        return nil
    }

    /// The element at `index` when this is an array and the index is in range.
    public subscript(index: Int) -> JSONValue? {
        guard case .array(let elements) = self, elements.indices.contains(index) else { return nil }
        return elements[index]
    }

    public var isNull: Bool {
        if case .null = self { return true }
        return false
    }

    public var bool: Bool? {
        if case .bool(let value) = self { return value }
        return nil
    }

    public var string: String? {
        if case .string(let value) = self { return value }
        return nil
    }

    public var array: [JSONValue]? {
        if case .array(let value) = self { return value }
        return nil
    }

    public var object: [(key: String, value: JSONValue)]? {
        if case .object(let value) = self { return value }
        return nil
    }

    /// The number's exact text.
    public var numberText: String? {
        if case .number(let value) = self { return value }
        return nil
    }

    /// The value when this is a number written as a plain integer (no
    /// fraction, no exponent) that fits in an `Int64`.
    public var int64: Int64? {
        guard case .number(let text) = self else { return nil }
        return Self.parseInt64(text)
    }

    /// `int64` narrowed to `Int` (identical on 64-bit platforms).
    public var int: Int? {
        int64.flatMap { Int(exactly: $0) }
    }
}

// MARK: - Tolerant accessors (for peers that disagree with their own spec)

extension JSONValue {
    /// An integer given either as a JSON integer or as a string of one
    /// (`363` or `"363"`), as Withings does for `userid` and `updatetime`.
    public var lenientInt64: Int64? {
        switch self {
        case .number(let text), .string(let text): return Self.parseInt64(text)
        case .null, .bool, .array, .object: return nil
        }
    }

    public var lenientInt: Int? {
        lenientInt64.flatMap { Int(exactly: $0) }
    }

    /// A string, or a number's exact text (`"363"` for `363`).
    public var lenientString: String? {
        switch self {
        case .string(let text), .number(let text): return text
        case .null, .bool, .array, .object: return nil
        }
    }

    /// A boolean given as `true`/`false` or as an integer (0 = false, any
    /// other integer = true), as Withings' `more` flag is on different services.
    public var lenientBool: Bool? {
        switch self {
        case .bool(let value): return value
        case .number(let text): return Self.parseInt64(text).map { $0 != 0 }
        case .null, .string, .array, .object: return nil
        }
    }

    /// Parses `-?[0-9]+` into an Int64 with overflow detection; nil for
    /// anything else (signs other than a leading `-`, fractions, exponents,
    /// empty text, leading zeros are tolerated here because callers such as
    /// `lenientInt64` read strings written by other programs).
    static func parseInt64(_ text: String) -> Int64? {
        var text = text
        return text.withUTF8 { utf8 -> Int64? in
            var index = 0
            let negative = utf8.first == UInt8(ascii: "-")
            if negative { index = 1 }
            guard index < utf8.count, utf8.count - index <= 20 else { return nil }
            // Accumulate negatively so Int64.min is representable.
            var value: Int64 = 0
            while index < utf8.count {
                let digit = utf8[index] &- UInt8(ascii: "0")
                guard digit <= 9 else { return nil }
                let (shifted, overflowA) = value.multipliedReportingOverflow(by: 10)
                let (next, overflowB) = shifted.subtractingReportingOverflow(Int64(digit))
                guard !overflowA, !overflowB else { return nil }
                value = next
                index += 1
            }
            if negative { return value }
            let (positive, overflow) = Int64(0).subtractingReportingOverflow(value)
            return overflow ? nil : positive
        }
    }
}
