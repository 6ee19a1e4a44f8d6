/// Renders `mantissa × 10^exponent` exactly, in its shortest plain decimal
/// form: no exponent, no trailing zeros, no binary-float noise. The output is
/// also a valid JSON number, so it can be written raw.
///
/// Pure integer arithmetic: Withings sends an integer and a power of ten,
/// and a `Double` would print 72.5 kg as 72.49999… in some paths.
public enum ExactDecimal {
    /// 72500,-3 → "72.5"; 1234,-2 → "12.34"; 17,2 → "1700"; 30,-1 → "3"; 1,-5 → "0.00001".
    public static func render(mantissa: Int64, exponent: Int) -> String {
        var out: [UInt8] = []
        out.reserveCapacity(24)
        append(mantissa: mantissa, exponent: exponent, to: &out)
        return String(decoding: out, as: UTF8.self)
    }

    /// Appends the rendering to `out` (what the JSON translation uses, to avoid a String).
    /// The output grows with |exponent|: callers bound it (the getmeas decoder allows ±64).
    public static func append(mantissa: Int64, exponent: Int, to out: inout [UInt8]) {
        if mantissa == 0 {
            out.append(UInt8(ascii: "0"))
            return
        }
        // The magnitude as UInt64 so Int64.min has no overflow.
        var magnitude = mantissa.magnitude
        var exponent = exponent
        // Trailing zeros of the mantissa move into the exponent (at most 19 steps);
        // stop rather than overflow the exponent.
        while magnitude % 10 == 0, exponent < Int.max {
            magnitude /= 10
            exponent += 1
        }
        if mantissa < 0 { out.append(UInt8(ascii: "-")) }

        // Digits of the magnitude (at most 20), written backwards into a stack buffer.
        withUnsafeTemporaryAllocation(of: UInt8.self, capacity: 20) { buffer in
            var start = 20
            repeat {
                start -= 1
                buffer[start] = UInt8(ascii: "0") &+ UInt8(truncatingIfNeeded: magnitude % 10)
                magnitude /= 10
            } while magnitude > 0
            let digits = UnsafeBufferPointer(rebasing: buffer[start..<20])
            if exponent >= 0 {
                // 17,2 -> "1700"
                out.append(contentsOf: digits)
                appendZeros(exponent, to: &out)
            } else if exponent.magnitude < UInt(digits.count) {
                // 1234,-2 -> "12.34"
                let integerCount = digits.count - Int(exponent.magnitude)
                out.append(contentsOf: digits[..<integerCount])
                out.append(UInt8(ascii: "."))
                out.append(contentsOf: digits[integerCount...])
            } else {
                // 1,-5 -> "0.00001"
                out.append(UInt8(ascii: "0"))
                out.append(UInt8(ascii: "."))
                appendZeros(Int(exponent.magnitude - UInt(digits.count)), to: &out)
                out.append(contentsOf: digits)
            }
        }
    }

    private static func appendZeros(_ count: Int, to out: inout [UInt8]) {
        out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: count))
    }
}
