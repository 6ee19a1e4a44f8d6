import Testing
import WithingsSim

struct ListenAddressTests {
    @Test(arguments: [
        ("127.0.0.1:8090", "127.0.0.1", 8090), ("localhost:0", "localhost", 0), ("[::1]:65535", "::1", 65535),
        ("0.0.0.0:80", "0.0.0.0", 80),
    ])
    func parses(text: String, host: String, port: Int) throws {
        let address = try #require(ListenAddress(text))
        #expect(address == ListenAddress(host: host, port: port))
    }

    @Test(arguments: ["", "8090", ":8090", "host:", "host:65536", "host:-1", "host:+80", "::1:80", "host:8o", "host:٨٠"])
    func refuses(text: String) {
        #expect(ListenAddress(text) == nil)
    }

    @Test func originBracketsIPv6() {
        #expect(ListenAddress(host: "::1", port: 9).origin(scheme: "https") == "https://[::1]:9")
        #expect(ListenAddress(host: "127.0.0.1", port: 9).origin(scheme: "http") == "http://127.0.0.1:9")
    }
}
