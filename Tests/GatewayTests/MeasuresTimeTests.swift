import Gateway
import Glibc
import Testing

struct MeasuresTimeTests {
    @Test(
        arguments: [
            (Int64(0), "1970-01-01T00:00:00Z"),
            (1_709_277_120, "2024-03-01T07:12:00Z"),
            (951_782_400, "2000-02-29T00:00:00Z"),
            (1_690_491_576, "2023-07-27T20:59:36Z"),
            (-1, "1969-12-31T23:59:59Z"),
            (-86_400 * 365, "1969-01-01T00:00:00Z"),
            (253_402_300_799, "9999-12-31T23:59:59Z"),
            (-62_167_219_200, "0000-01-01T00:00:00Z"),
            (Int64.max, "9999-12-31T23:59:59Z"),
            (Int64.min, "0000-01-01T00:00:00Z"),
        ] as [(Int64, String)])
    func formats(seconds: Int64, expected: String) {
        #expect(RFC3339Time.format(seconds) == expected)
    }

    @Test(arguments: [
        ("2024-03-01T07:12:00Z", Int64(1_709_277_120)),
        ("2024-03-01t07:12:00z", 1_709_277_120),
        ("2024-03-01T08:12:00+01:00", 1_709_277_120),
        ("2024-03-01T02:42:00-04:30", 1_709_277_120),
        ("2024-03-01T07:12:00.999Z", 1_709_277_120),
        ("2024-03-01T07:12:00.5+00:00", 1_709_277_120),
        ("2024-03-01T07:12:00-00:00", 1_709_277_120),
        ("1970-01-01T00:00:00Z", 0),
        ("2000-02-29T00:00:00Z", 951_782_400),
        ("2016-12-31T23:59:60Z", 1_483_228_800),
        ("1969-12-31T23:59:59Z", -1),
    ])
    func parses(text: String, expected: Int64) {
        #expect(RFC3339Time.parse(text) == expected)
    }

    @Test(arguments: [
        "", "2024-03-01", "2024-03-01T07:12Z", "2024-03-01T07:12:00", "2024-03-01 07:12:00Z", "2024-3-01T07:12:00Z",
        "2024-02-30T00:00:00Z", "2023-02-29T00:00:00Z", "1900-02-29T00:00:00Z", "2024-13-01T00:00:00Z",
        "2024-00-01T00:00:00Z", "2024-01-00T00:00:00Z", "2024-01-01T24:00:00Z", "2024-01-01T00:60:00Z",
        "2024-01-01T00:00:61Z", "2024-01-01T00:00:00.Z", "2024-01-01T00:00:00+0100", "2024-01-01T00:00:00+24:00",
        "2024-01-01T00:00:00+01:60", "2024-01-01T00:00:00Zjunk", "2024-01-01T00:00:00+01:00:00",
        "+2024-01-01T00:00:00Z", "２０２４-01-01T00:00:00Z", "2024-01-01T00:00:00 Z",
    ])
    func rejects(text: String) {
        #expect(RFC3339Time.parse(text) == nil)
    }

    /// Random instants agree with the C library's `gmtime_r` and round-trip.
    @Test func agreesWithGmtimeAndRoundTrips() {
        var generator = SystemRandomNumberGenerator()
        for _ in 0..<20_000 {
            let seconds = Int64.random(in: RFC3339Time.minimumSeconds...RFC3339Time.maximumSeconds, using: &generator)
            let text = RFC3339Time.format(seconds)
            #expect(RFC3339Time.parse(text) == seconds, "\(seconds) \(text)")
            var time = time_t(seconds)
            var parts = tm()
            gmtime_r(&time, &parts)
            let expected = String(
                format4: Int(parts.tm_year) + 1900, Int(parts.tm_mon) + 1, Int(parts.tm_mday), Int(parts.tm_hour),
                Int(parts.tm_min), Int(parts.tm_sec))
            #expect(text == expected, "\(seconds)")
        }
    }
}

private func pad(_ value: Int, _ width: Int) -> String {
    let digits = String(value)
    return String(repeating: "0", count: max(0, width - digits.count)) + digits
}

extension String {
    fileprivate init(format4 year: Int, _ month: Int, _ day: Int, _ hour: Int, _ minute: Int, _ second: Int) {
        self = "\(pad(year, 4))-\(pad(month, 2))-\(pad(day, 2))T\(pad(hour, 2)):\(pad(minute, 2)):\(pad(second, 2))Z"
    }
}
