import Testing
import WithingsAPI

struct StatusFamilyTests {
    /// The code lists of withings-api.md §6, copied as text and expanded here
    /// independently of the classifier's switch.
    private static let families: [(String, StatusFamily)] = [
        ("100-102, 200, 401", .auth),
        (
            "201-213, 216-218, 220-221, 223, 225, 227-230, 234-236, 238, 240-252, 254, 260-267, 271-272, 275-276, "
                + "283-288, 290, 293-295, 297, 300-304, 321, 323-353, 380-382, 400, 501-511, 523, 532, 3017-3019",
            .invalidParams
        ),
        ("214, 277, 2553, 2555", .unauthorized),
        ("2554", .notImplemented),
        ("522", .timeout),
        ("524", .badState),
        ("601", .rateLimited(waitSeconds: nil)),
    ]

    private static func expand(_ list: String) -> [Int] {
        list.split(separator: ",").flatMap { item -> [Int] in
            let bounds = item.split(separator: "-").compactMap { Int($0.trimmingCharacters()) }
            return bounds.count == 2 ? Array(bounds[0]...bounds[1]) : bounds
        }
    }

    @Test func everyCodeUpTo11000MatchesTheDocumentedFamilies() {
        var expected: [Int: StatusFamily] = [0: .ok]
        for (list, family) in Self.families {
            for code in Self.expand(list) {
                #expect(expected[code] == nil, "code \(code) listed twice")
                expected[code] = family
            }
        }
        for code in -5...11_000 {
            #expect(StatusFamily.classify(status: code) == expected[code] ?? .other, "status \(code)")
        }
    }

    @Test(arguments: [
        (503, StatusFamily.invalidParams),  // "Invalid Params: invalid code"
        (342, .invalidParams),  // legacy "signature check failed"
        (100, .auth), (401, .auth), (215, .other), (2552, .other), (5000, .other), (10000, .other),
        (Int.max, .other), (Int.min, .other),
    ])
    func notableCodes(status: Int, family: StatusFamily) {
        #expect(StatusFamily.classify(status: status) == family)
    }

    @Test func waitSecondsOnlyOnRateLimit() {
        #expect(StatusFamily.classify(status: 601, waitSeconds: 188) == .rateLimited(waitSeconds: 188))
        #expect(StatusFamily.classify(status: 401, waitSeconds: 188) == .auth)
        #expect(WithingsFailure(status: 601, waitSeconds: 3, message: nil).family == .rateLimited(waitSeconds: 3))
    }
}

extension Substring {
    fileprivate func trimmingCharacters() -> Substring {
        var text = self
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return text
    }
}
