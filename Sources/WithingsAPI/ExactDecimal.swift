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

        // Digits of the magnitude, most significant first (at most 20).
        var digits: (UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8,
                     UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8, UInt8) =
            (0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0, 0)
        let count = withUnsafeMutableBytes(of: &digits) { buffer -> Int in
            var end = 20
            while magnitude > 0 {
                end -= 1
                buffer[end] = UInt8(ascii: "0") + UInt8(truncatingIfNeeded: magnitude % 10)
                magnitude /= 10
            }
            let count = 20 - end
            // Move them to the front so the caller indexes from 0.
            for index in 0..<count { buffer[index] = buffer[end + index] }
            return count
        }
        withUnsafeBytes(of: &digits) { buffer in
            let digitBytes = UnsafeRawBufferPointer(rebasing: buffer[0..<count])
            if exponent >= 0 {
                out.append(contentsOf: digitBytes)
                appendZeros(exponent, to: &out)
            } else if exponent.magnitude < UInt(count) {
                let integerDigits = count - Int(exponent.magnitude)
                out.append(contentsOf: digitBytes[0..<integerDigits])
                out.append(UInt8(ascii: "."))
                out.append(contentsOf: digitBytes[integerDigits..<count])
            } else {
                out.append(UInt8(ascii: "0"))
                out.append(UInt8(ascii: "."))
                appendZeros(Int(exponent.magnitude - UInt(count)), to: &out)
                out.append(contentsOf: digitBytes)
            }
        }
    }

    private static func appendZeros(_ count: Int, to out: inout [UInt8]) {
        out.append(contentsOf: repeatElement(UInt8(ascii: "0"), count: count))
    }
}
