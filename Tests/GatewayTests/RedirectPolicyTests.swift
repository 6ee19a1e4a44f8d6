import Gateway
import Testing

struct RedirectPolicyTests {
    let policy = RedirectPolicy(allowed: [
        AbsoluteURL("https://app.example.com/connected")!, AbsoluteURL("http://localhost:3000/")!,
    ])

    @Test(arguments: [
        "https://app.example.com/connected", "https://app.example.com/connected/", "https://APP.example.com/connected/ok?x=1",
        "https://app.example.com:443/connected/a/b", "http://localhost:3000/", "http://localhost:3000/any/path",
    ])
    func allowed(url: String) {
        #expect((try? policy.check(url).get()) != nil)
    }

    @Test(arguments: [
        ("https://app.example.com/connectedx", RedirectPolicy.Rejection.notAllowed),
        ("https://app.example.com/other", .notAllowed),
        ("http://app.example.com/connected", .notAllowed),
        ("https://app.example.com:8443/connected", .notAllowed),
        ("https://app.example.com.evil.com/connected", .notAllowed),
        ("http://localhost:3001/", .notAllowed),
        ("https://app.example.com/connected#key=steal", .hasFragment),
        ("https://app.example.com/connected#", .hasFragment),
        ("https://evil@app.example.com/connected", .hasCredentials),
        ("https://app.example.com/connected/../admin", .suspiciousPath),
        ("https://app.example.com/connected/%2e%2e/admin", .suspiciousPath),
        ("https://app.example.com/connected\\..\\admin", .notAnAbsoluteURL),
        ("javascript:alert(1)", .notAnAbsoluteURL),
        ("//app.example.com/connected", .notAnAbsoluteURL),
        ("/connected", .notAnAbsoluteURL),
        ("", .notAnAbsoluteURL),
        ("https://app.example.com/connected x", .notAnAbsoluteURL),
    ])
    func rejected(url: String, reason: RedirectPolicy.Rejection) {
        #expect(policy.check(url) == .failure(reason))
    }

    @Test func emptyListAllowsNothing() {
        #expect(RedirectPolicy(allowed: []).check("http://localhost:3000/") == .failure(.notAllowed))
    }
}

extension Result where Success == AbsoluteURL, Failure == RedirectPolicy.Rejection {
    static func == (lhs: Self, rhs: Self) -> Bool {
        switch (lhs, rhs) {
        case (.success(let a), .success(let b)): a == b
        case (.failure(let a), .failure(let b)): a == b
        default: false
        }
    }
}
