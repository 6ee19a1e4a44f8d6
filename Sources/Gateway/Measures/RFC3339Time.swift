/// RFC 3339 timestamps <-> Unix seconds, by civil-from-days arithmetic
/// (Howard Hinnant's algorithms), with no Foundation and no time zone
/// database: output is always UTC with `Z`, input may carry any numeric offset.
public enum RFC3339Time {
    /// 0000-01-01T00:00:00Z and 9999-12-31T23:59:59Z: the four-digit years RFC 3339 can write.
    public static let minimumSeconds: Int64 = -62_167_219_200
    public static let maximumSeconds: Int64 = 253_402_300_799

    /// `YYYY-MM-DDTHH:MM:SSZ`. Instants outside years 0000–9999 are clamped to
    /// the nearest representable one (RFC 3339 has no other spelling for them).
    public static func format(_ seconds: Int64) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(20)
        append(seconds, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the 20-byte form to `out` (the translation writes it inside quotes).
    public static func append(_ seconds: Int64, to out: inout [UInt8]) {
        let clamped = min(max(seconds, minimumSeconds), maximumSeconds)
        let days = floorDivide(clamped, 86_400)
        let secondOfDay = Int(clamped - days * 86_400)
        let (year, month, day) = civil(fromDays: days)
        // Filled in place on the stack, then appended once: this runs twice per group.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { text in
            func put(_ value: Int, at end: Int, digits: Int) {
                var remaining = value
                for index in stride(from: end, to: end - digits, by: -1) {
                    text[index] = UInt8(ascii: "0") &+ UInt8(remaining % 10)
                    remaining /= 10
                }
            }
            put(Int(year), at: 3, digits: 4)
            text[4] = UInt8(ascii: "-")
            put(month, at: 6, digits: 2)
            text[7] = UInt8(ascii: "-")
            put(day, at: 9, digits: 2)
            text[10] = UInt8(ascii: "T")
            put(secondOfDay / 3600, at: 12, digits: 2)
            text[13] = UInt8(ascii: ":")
            put(secondOfDay / 60 % 60, at: 15, digits: 2)
            text[16] = UInt8(ascii: ":")
            put(secondOfDay % 60, at: 18, digits: 2)
            text[19] = UInt8(ascii: "Z")
            out.append(contentsOf: UnsafeBufferPointer(text))
        }
    }

    /// Parses an RFC 3339 `date-time` (§5.6): `YYYY-MM-DDTHH:MM:SS[.frac](Z|±HH:MM)`,
    /// `T`/`Z` in either case. Fractions are truncated toward the earlier
    /// second; a leap second (`:60`) counts as the next second. Nil for
    /// anything else, including impossible dates (`2023-02-29`).
    public static func parse(_ text: String) -> Int64? {
        let bytes = Array(text.utf8)
        guard bytes.count >= 20, bytes.count <= 64 else { return nil }
        guard let year = number(bytes, 0, 4), bytes[4] == UInt8(ascii: "-"),
            let month = number(bytes, 5, 2), bytes[7] == UInt8(ascii: "-"),
            let day = number(bytes, 8, 2), bytes[10] | 0x20 == UInt8(ascii: "t"),
            let hour = number(bytes, 11, 2), bytes[13] == UInt8(ascii: ":"),
            let minute = number(bytes, 14, 2), bytes[16] == UInt8(ascii: ":"),
            let second = number(bytes, 17, 2)
        else { return nil }
        guard (1...12).contains(month), (1...daysIn(month: month, year: year)).contains(day), hour <= 23,
            minute <= 59, second <= 60
        else { return nil }

        var index = 19
        if bytes[index] == UInt8(ascii: ".") {
            index += 1
            let fractionStart = index
            while index < bytes.count, bytes[index] &- UInt8(ascii: "0") <= 9 { index += 1 }
            guard index > fractionStart else { return nil }
        }
        guard index < bytes.count else { return nil }
        var offsetSeconds = 0
        if bytes[index] | 0x20 == UInt8(ascii: "z") {
            index += 1
        } else {
            guard bytes[index] == UInt8(ascii: "+") || bytes[index] == UInt8(ascii: "-"), bytes.count - index == 6,
                let offsetHours = number(bytes, index + 1, 2), bytes[index + 3] == UInt8(ascii: ":"),
                let offsetMinutes = number(bytes, index + 4, 2), offsetHours <= 23, offsetMinutes <= 59
            else { return nil }
            offsetSeconds = (offsetHours * 3600 + offsetMinutes * 60) * (bytes[index] == UInt8(ascii: "-") ? -1 : 1)
            index += 6
        }
        guard index == bytes.count else { return nil }
        let days = days(fromCivil: Int64(year), month: month, day: day)
        return days * 86_400 + Int64(hour * 3600 + minute * 60 + second) - Int64(offsetSeconds)
    }

    // MARK: - Civil calendar

    /// Days since 1970-01-01 of a proleptic Gregorian date.
    static func days(fromCivil year: Int64, month: Int, day: Int) -> Int64 {
        let y = month <= 2 ? year - 1 : year
        let era = floorDivide(y, 400)
        let yearOfEra = y - era * 400
        let shiftedMonth = Int64(month > 2 ? month - 3 : month + 9)
        let dayOfYear = (153 * shiftedMonth + 2) / 5 + Int64(day) - 1
        let dayOfEra = yearOfEra * 365 + yearOfEra / 4 - yearOfEra / 100 + dayOfYear
        return era * 146_097 + dayOfEra - 719_468
    }

    /// The proleptic Gregorian date of a day count since 1970-01-01.
    static func civil(fromDays days: Int64) -> (year: Int64, month: Int, day: Int) {
        let z = days + 719_468
        let era = floorDivide(z, 146_097)
        let dayOfEra = z - era * 146_097
        let yearOfEra = (dayOfEra - dayOfEra / 1460 + dayOfEra / 36524 - dayOfEra / 146_096) / 365
        let dayOfYear = dayOfEra - (365 * yearOfEra + yearOfEra / 4 - yearOfEra / 100)
        let shiftedMonth = (5 * dayOfYear + 2) / 153
        let day = Int(dayOfYear - (153 * shiftedMonth + 2) / 5 + 1)
        let month = Int(shiftedMonth < 10 ? shiftedMonth + 3 : shiftedMonth - 9)
        return (yearOfEra + era * 400 + (month <= 2 ? 1 : 0), month, day)
    }

    static func daysIn(month: Int, year: Int) -> Int {
        switch month {
        case 2: return (year % 4 == 0 && year % 100 != 0) || year % 400 == 0 ? 29 : 28
        case 4, 6, 9, 11: return 30
        default: return 31
        }
    }

    private static func floorDivide(_ a: Int64, _ b: Int64) -> Int64 {
        let quotient = a / b
        return (a % b != 0 && (a < 0) != (b < 0)) ? quotient - 1 : quotient
    }

    private static func number(_ bytes: [UInt8], _ start: Int, _ count: Int) -> Int? {
        var value = 0
        for index in start..<(start + count) {
            let digit = bytes[index] &- UInt8(ascii: "0")
            guard digit <= 9 else { return nil }
            value = value * 10 + Int(digit)
        }
        return value
    }
}
