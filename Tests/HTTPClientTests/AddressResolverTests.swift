import Glibc
import Testing

@testable import HTTPClient

@Suite struct AddressResolverTests {
    @Test func localhostResolvesToLoopback() async throws {
        let resolver = AddressResolver(threads: 1)
        defer { resolver.shutdown() }
        let addresses = try await resolver.resolve(host: "localhost", port: 8080, deadline: .now + .seconds(30))
        #expect(!addresses.isEmpty)
        #expect(addresses.allSatisfy { $0.port == 8080 })
        #expect(addresses.allSatisfy { $0.host == "127.0.0.1" || $0.host == "::1" })
    }

    @Test(arguments: ["127.0.0.1", "::1"])
    func ipLiteralsNeedNoLookup(_ host: String) async throws {
        let resolver = AddressResolver(threads: 1)
        resolver.shutdown()
        // Works with the pool already stopped: no lookup happens.
        let addresses = try await resolver.resolve(host: host, port: 443, deadline: .now + .seconds(1))
        #expect(addresses.map(\.host) == [host])
    }

    @Test func cachedAnswerServesWithoutTheResolverThreads() async throws {
        let resolver = AddressResolver(threads: 1)
        let first = try await resolver.resolve(host: "localhost", port: 80, deadline: .now + .seconds(30))
        resolver.shutdown()
        let second = try await resolver.resolve(host: "localhost", port: 80, deadline: .now + .seconds(30))
        #expect(second.map(\.description) == first.map(\.description))
    }

    @Test func passedDeadlineIsATimeout() async {
        let resolver = AddressResolver(threads: 1)
        defer { resolver.shutdown() }
        do {
            _ = try await resolver.resolve(host: "localhost", port: 80, deadline: .now - .seconds(1))
            Issue.record("resolved after the deadline")
        } catch {
            #expect(error == .timeout)
        }
    }

    @Test func stoppedResolverIsADNSError() async {
        let resolver = AddressResolver(threads: 1)
        resolver.shutdown()
        do {
            _ = try await resolver.resolve(host: "localhost", port: 81, deadline: .now + .seconds(1))
            Issue.record("resolved with the pool stopped")
        } catch {
            #expect(error == .dns("resolver stopped"))
        }
    }
}
