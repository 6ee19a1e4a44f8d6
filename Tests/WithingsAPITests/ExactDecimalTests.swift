import Testing
import WithingsAPI

struct ExactDecimalTests {
    @Test(arguments: [
        (Int64(72500), -3, "72.5"),
        (1234, -2, "12.34"),
        (17, 2, "1700"),
        (30, -1, "3"),
        (1, -5, "0.00001"),
        (0, -3, "0"),
        (0, 5, "0"),
        (5, 0, "5"),
        (65750, -3, "65.75"),
        (20, -1, "2"),
        (-72500, -3, "-72.5"),
        (-1, -5, "-0.00001"),
        (-17, 2, "-1700"),
        (100, -2, "1"),
        (101, -2, "1.01"),
        (1000, -2, "10"),
        (123, -3, "0.123"),
        (123, -4, "0.0123"),
        (Int64.max, 0, "9223372036854775807"),
        (Int64.max, -19, "0.9223372036854775807"),
        (Int64.max, -5, "92233720368547.75807"),
        (Int64.max, 3, "9223372036854775807000"),
        (Int64.min, 0, "-9223372036854775808"),
        (Int64.min, -3, "-9223372036854775.808"),
        (Int64.min, -25, "-0.0000009223372036854775808"),
        (-1_000_000_000_000_000_000, -18, "-1"),
        (1, 20, "100000000000000000000"),
    ])
    func rendersExactShortestPlainForm(mantissa: Int64, exponent: Int, expected: String) {
        #expect(ExactDecimal.render(mantissa: mantissa, exponent: exponent) == expected)
    }

    @Test func appendWritesTheSameBytes() {
        var out: [UInt8] = Array("x".utf8)
        ExactDecimal.append(mantissa: -1234, exponent: -2, to: &out)
        #expect(String(decoding: out, as: UTF8.self) == "x-12.34")
    }

    /// The obvious slow way: write the digits, pad with zeros, place the
    /// point, then trim zeros. Independent of the fast path's structure.
    private func reference(_ mantissa: Int64, _ exponent: Int) -> String {
        let negative = mantissa < 0
        var digits = String(mantissa.magnitude)
        var fractional = ""
        if exponent >= 0 {
            digits += String(repeating: "0", count: exponent)
        } else {
            let shift = -exponent
            if digits.count <= shift { digits = String(repeating: "0", count: shift - digits.count + 1) + digits }
            fractional = String(digits.suffix(shift))
            digits = String(digits.dropLast(shift))
        }
        while fractional.hasSuffix("0") { fractional.removeLast() }
        while digits.count > 1 && digits.hasPrefix("0") { digits.removeFirst() }
        let body = fractional.isEmpty ? digits : digits + "." + fractional
        return negative && body != "0" ? "-" + body : body
    }

    @Test(arguments: 0..<4)
    func matchesSlowReference(seed: Int) {
        var generator = SplitMix64(seed: UInt64(seed + 1))
        for _ in 0..<5000 {
            let mantissa: Int64
            switch Int.random(in: 0..<4, using: &generator) {
            case 0: mantissa = Int64.random(in: .min ... .max, using: &generator)
            case 1: mantissa = Int64.random(in: -100_000...100_000, using: &generator)
            case 2:
                mantissa =
                    Int64.random(in: -99...99, using: &generator) * [1, 10, 100, 1000, 1_000_000].randomElement(
                        using: &generator)!
            default: mantissa = [Int64.min, Int64.max, 0, 1, -1, 10, -10].randomElement(using: &generator)!
            }
            let exponent = Int.random(in: -30...30, using: &generator)
            #expect(
                ExactDecimal.render(mantissa: mantissa, exponent: exponent) == reference(mantissa, exponent),
                "\(mantissa)e\(exponent)")
        }
    }
}

/// Deterministic generator so a failing case reproduces from its seed.
struct SplitMix64: RandomNumberGenerator {
    var state: UInt64
    init(seed: UInt64) { state = seed }
    mutating func next() -> UInt64 {
        state &+= 0x9E37_79B9_7F4A_7C15
        var z = state
        z = (z ^ (z >> 30)) &* 0xBF58_476D_1CE4_E5B9
        z = (z ^ (z >> 27)) &* 0x94D0_49BB_1331_11EB
        return z ^ (z >> 31)
    }
}
