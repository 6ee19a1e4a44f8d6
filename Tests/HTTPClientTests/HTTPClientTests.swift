import Compression
import Foundation
import Glibc
import HTTP1
import Logging
import Reactor
import Testing
import TLS

@testable import HTTPClient
import TestCertificates

/// A client on its own loop, a scripted server, and cleanup of both even
/// when the body throws.
private func withHarness(
    tls certificate: String? = nil, trust: String = "ca.pem", host: String = "localhost",
    configure: (inout HTTPClientConfiguration) -> Void = { _ in },
    script: @escaping @Sendable (ServerConnection) throws -> Void,
    _ body: (HTTPClient, String, ScriptedServer) async throws -> Void
) async throws {
    var configuration = HTTPClientConfiguration()
    var serverContext: TLSServerContext?
    if let certificate {
        let certificates = try TestPKI.shared
        serverContext = try TLSServerContext(
            certificateFile: certificates.path(certificate + ".pem"), privateKeyFile: certificates.path(certificate + ".key"))
        configuration.tls = try TLSClientContext(caFile: certificates.path(trust), useSystemTrust: false)
    }
    configure(&configuration)
    let server = try ScriptedServer(tls: serverContext, script: script)
    let group = try EventLoopGroup(threads: 1, name: "client-test")
    let client = HTTPClient(group: group, configuration: configuration, logger: Logger(label: "http-client-test"))
    let base = "\(certificate == nil ? "http" : "https")://\(host):\(server.port)"
    let outcome: Result<Void, any Error>
    do {
        try await body(client, base, server)
        outcome = .success(())
    } catch {
        outcome = .failure(error)
    }
    await client.shutdown()
    await offThread {
        group.shutdown()
        server.stop()
    }
    try outcome.get()
}

/// Runs blocking work (joining threads) on a thread of its own, so the two
/// shared concurrency threads stay free for the tests running beside it.
private func offThread(_ body: @escaping @Sendable () -> Void) async {
    await withCheckedContinuation { (continuation: CheckedContinuation<Void, Never>) in
        Thread {
            body()
            continuation.resume()
        }.start()
    }
}

/// Generous: only the tests about deadlines use short ones.
private let patient: Duration = .seconds(30)

/// Serves every request on the connection with `response`.
private func answering(_ response: String) -> @Sendable (ServerConnection) throws -> Void {
    { connection in
        while try connection.readRequest() != nil { try connection.write(response) }
    }
}

private func expectFailure(
    _ expected: HTTPClientError, _ call: () async throws(HTTPClientError) -> HTTPResponse,
    sourceLocation: SourceLocation = #_sourceLocation
) async {
    do {
        let response = try await call()
        Issue.record("expected \(expected), got status \(response.status)", sourceLocation: sourceLocation)
    } catch {
        #expect(error == expected, sourceLocation: sourceLocation)
    }
}

private func failure(_ call: () async throws(HTTPClientError) -> HTTPResponse) async -> HTTPClientError? {
    do {
        _ = try await call()
        return nil
    } catch {
        return error
    }
}

private func get(_ url: String) -> HTTPClientRequest { HTTPClientRequest(method: .get, url: url) }

@Suite struct HTTPClientBodyTests {
    @Test(arguments: [false, true])
    func contentLengthBodyAndRequestEncoding(overTLS: Bool) async throws {
        try await withHarness(tls: overTLS ? "server" : nil,
                              script: answering("HTTP/1.1 200 OK\r\nContent-Length: 5\r\nX-Test: yes\r\n\r\nhello")) {
            client, base, server in
            let request = HTTPClientRequest.form(url: base + "/v2/oauth2?x=1", [("action", "requesttoken"), ("a b", "c&d")])
            let response = try await client.send(request, timeout: patient)
            #expect(response.status == 200)
            #expect(response.body == Array("hello".utf8))
            #expect(response.headers["x-test"] == "yes")
            let received = try #require(server.receivedRequests.first)
            #expect(received.requestLine == "POST /v2/oauth2?x=1 HTTP/1.1")
            #expect(received.header("host") == "localhost:\(server.port)")
            #expect(received.header("content-type") == "application/x-www-form-urlencoded")
            #expect(received.header("accept-encoding") == "gzip")
            #expect(String(decoding: received.body, as: UTF8.self) == "action=requesttoken&a%20b=c%26d"
                || String(decoding: received.body, as: UTF8.self) == "action=requesttoken&a+b=c%26d")
        }
    }

    @Test func chunkedBody() async throws {
        let response = "HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n6\r\n world\r\n0\r\n\r\n"
        try await withHarness(script: answering(response)) { client, base, _ in
            let answer = try await client.send(get(base + "/"), timeout: patient)
            #expect(answer.body == Array("hello world".utf8))
        }
    }

    @Test(arguments: [false, true])
    func gzipBodyIsDecoded(overTLS: Bool) async throws {
        let plain = Array(String(repeating: "{\"value\":72500,\"type\":1,\"unit\":-3},", count: 400).utf8)
        let compressed = Gzip.compress(plain)
        let head = "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: \(compressed.count)\r\n\r\n"
        try await withHarness(tls: overTLS ? "server" : nil, script: { connection in
            while try connection.readRequest() != nil { try connection.write(Array(head.utf8) + compressed) }
        }) { client, base, _ in
            let response = try await client.send(get(base + "/measure"), timeout: patient)
            #expect(response.body == plain)
            #expect(response.headers["content-encoding"] == nil)
            #expect(response.headers["content-length"] == String(plain.count))
        }
    }

    @Test func gzipBombStopsAtTheAbsoluteCap() async throws {
        // 17 MiB of zeros compresses to a few KiB: over the default 16 MiB cap.
        let bomb = Gzip.compress([UInt8](repeating: 0, count: 17 * 1024 * 1024), level: 9)
        let head = "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: \(bomb.count)\r\n\r\n"
        try await withHarness(script: { connection in
            while try connection.readRequest() != nil { try connection.write(Array(head.utf8) + bomb) }
        }) { client, base, _ in
            await expectFailure(.tooLarge) { () throws(HTTPClientError) in try await client.send(get(base + "/"), timeout: patient) }
        }
    }

    @Test func corruptGzipIsAnInvalidResponse() async throws {
        let body = [UInt8](repeating: 0x42, count: 40)
        let head = "HTTP/1.1 200 OK\r\nContent-Encoding: gzip\r\nContent-Length: \(body.count)\r\n\r\n"
        try await withHarness(script: { connection in
            while try connection.readRequest() != nil { try connection.write(Array(head.utf8) + body) }
        }) { client, base, _ in
            await expectFailure(.invalidResponse("corrupt gzip body")) { () throws(HTTPClientError) in
                try await client.send(get(base + "/"), timeout: patient)
            }
        }
    }

    @Test func declaredBodyOverTheCapIsTooLarge() async throws {
        try await withHarness(configure: { $0.maxResponseBodyBytes = 1024 }, script: { connection in
            try connection.readRequest()
            try connection.write("HTTP/1.1 200 OK\r\nContent-Length: 4096\r\n\r\n" + String(repeating: "x", count: 4096))
        }) { client, base, _ in
            await expectFailure(.tooLarge) { () throws(HTTPClientError) in try await client.send(get(base + "/"), timeout: patient) }
        }
    }

    @Test(arguments: [false, true])
    func truncatedContentLengthBodyIsTruncated(overTLS: Bool) async throws {
        try await withHarness(tls: overTLS ? "server" : nil, script: { connection in
            try connection.readRequest()
            try connection.write("HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\nonly ten b")
            connection.closeCleanly()
        }) { client, base, _ in
            await expectFailure(.truncated) { () throws(HTTPClientError) in try await client.send(get(base + "/"), timeout: patient) }
        }
    }

    @Test func truncatedChunkedBodyIsTruncated() async throws {
        try await withHarness(script: { connection in
            try connection.readRequest()
            try connection.write("HTTP/1.1 200 OK\r\nTransfer-Encoding: chunked\r\n\r\n5\r\nhello\r\n")
            connection.closeAbruptly()
        }) { client, base, _ in
            await expectFailure(.truncated) { () throws(HTTPClientError) in try await client.send(get(base + "/"), timeout: patient) }
        }
    }

    @Test func bodyUntilCloseIsCompleteOnAPlainClose() async throws {
        try await withHarness(script: { connection in
            try connection.readRequest()
            try connection.write("HTTP/1.1 200 OK\r\nContent-Type: text/plain\r\n\r\nall of it")
            connection.closeAbruptly()
        }) { client, base, _ in
            let response = try await client.send(get(base + "/"), timeout: patient)
            #expect(response.body == Array("all of it".utf8))
        }
    }

    enum Ending: String, Sendable, CaseIterable { case closeNotifyThenFIN, closeNotifyAlone, finAlone }

    /// Under TLS the end of a read-until-close body is trusted only with
    /// close_notify (with or without the TCP close behind it).
    @Test(arguments: Ending.allCases)
    func bodyUntilCloseOverTLSNeedsCloseNotify(ending: Ending) async throws {
        try await withHarness(tls: "server", script: { connection in
            try connection.readRequest()
            try connection.write("HTTP/1.1 200 OK\r\n\r\nall of it")
            switch ending {
            case .closeNotifyThenFIN: connection.closeCleanly()
            case .closeNotifyAlone:
                connection.sendCloseNotify()
                connection.waitForClientClose(seconds: 60)
            case .finAlone: connection.closeAbruptly()
            }
        }) { client, base, _ in
            if ending == .finAlone {
                await expectFailure(.truncated) { () throws(HTTPClientError) in try await client.send(get(base + "/"), timeout: patient) }
            } else {
                let response = try await client.send(get(base + "/"), timeout: patient)
                #expect(response.body == Array("all of it".utf8))
            }
        }
    }

    @Test(arguments: ["HTTP/1.1 2OO OK\r\nContent-Length: 0\r\n\r\n", "HELLO\r\n\r\n",
                      "HTTP/1.1 200 OK\r\nContent-Length: 5\r\nContent-Length: 6\r\n\r\nhello!"])
    func malformedResponseIsAnError(_ response: String) async throws {
        try await withHarness(script: { connection in
            try connection.readRequest()
            try connection.write(response)
            connection.waitForClientClose(seconds: 3)
        }) { client, base, _ in
            let error = await failure { () throws(HTTPClientError) in try await client.send(get(base + "/"), timeout: patient) }
            guard case .invalidResponse = error else {
                Issue.record("expected an invalid response, got \(String(describing: error))")
                return
            }
        }
    }

    /// Answers without a body despite their headers; the connection then
    /// carries the next request, which shows nothing was over- or under-read.
    @Test(arguments: [
        ("HEAD", "HTTP/1.1 200 OK\r\nContent-Length: 100\r\n\r\n"),
        ("GET", "HTTP/1.1 204 No Content\r\n\r\n"),
        ("GET", "HTTP/1.1 304 Not Modified\r\nContent-Length: 100\r\n\r\n"),
        ("GET", "HTTP/1.1 100 Continue\r\n\r\nHTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n"),
    ])
    func bodilessAnswersKeepTheConnectionInStep(method: String, head: String) async throws {
        try await withHarness(script: { connection in
            guard try connection.readRequest() != nil else { return }
            try connection.write(head)
            guard try connection.readRequest() != nil else { return }
            try connection.write("HTTP/1.1 200 OK\r\nContent-Length: 4\r\n\r\nnext")
        }) { client, base, server in
            let first = try await client.send(HTTPClientRequest(method: HTTPMethod(method), url: base + "/"), timeout: patient)
            #expect(first.body.isEmpty)
            let second = try await client.send(get(base + "/"), timeout: patient)
            #expect(second.body == Array("next".utf8))
            #expect(server.acceptedCount == 1)
        }
    }

    @Test func redirectsAreReturnedNotFollowed() async throws {
        try await withHarness(script: answering("HTTP/1.1 302 Found\r\nLocation: /elsewhere\r\nContent-Length: 0\r\n\r\n")) {
            client, base, server in
            let response = try await client.send(get(base + "/"), timeout: patient)
            #expect(response.status == 302)
            #expect(response.headers["location"] == "/elsewhere")
            #expect(server.receivedRequests.count == 1)
        }
    }
}

@Suite struct HTTPClientFailureTests {
    @Test func slowServerHitsTheWholeCallDeadline() async throws {
        try await withHarness(script: { connection in
            try connection.readRequest()
            try connection.write("HTTP/1.1 200 OK\r\nContent-Length: 10\r\n\r\nabc")
            connection.waitForClientClose(seconds: 5)
        }) { client, base, _ in
            await expectFailure(.timeout) { () throws(HTTPClientError) in
                try await client.send(get(base + "/"), timeout: .milliseconds(300))
            }
            #expect(await client.openConnections(to: base) == 0)
        }
    }

    @Test func wrongHostnameIsATLSError() async throws {
        try await withHarness(tls: "wronghost", script: answering("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")) {
            client, base, _ in
            await expectFailure(.tls("certificate verify failed: hostname mismatch")) { () throws(HTTPClientError) in
                try await client.send(get(base + "/"), timeout: patient)
            }
        }
    }

    @Test func unknownCAIsATLSError() async throws {
        try await withHarness(tls: "server", trust: "other-ca.pem",
                              script: answering("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")) { client, base, _ in
            let error = await failure { () throws(HTTPClientError) in try await client.send(get(base + "/"), timeout: patient) }
            guard case .tls(let reason) = error else {
                Issue.record("expected a TLS error, got \(String(describing: error))")
                return
            }
            #expect(reason.hasPrefix("certificate verify failed: unknown CA"), "\(reason)")
        }
    }

    @Test func expiredCertificateIsATLSError() async throws {
        try await withHarness(tls: "expired", script: answering("HTTP/1.1 200 OK\r\nContent-Length: 0\r\n\r\n")) {
            client, base, _ in
            await expectFailure(.tls("certificate verify failed: certificate has expired")) { () throws(HTTPClientError) in
                try await client.send(get(base + "/"), timeout: patient)
            }
        }
    }

    @Test func tlsToAnIPAddressChecksTheIPSAN() async throws {
        try await withHarness(tls: "server", host: "127.0.0.1",
                              script: answering("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")) { client, base, _ in
            let response = try await client.send(get(base + "/"), timeout: patient)
            #expect(response.body == Array("ok".utf8))
        }
    }

    @Test func refusedConnectionIsAConnectError() async throws {
        // A port that was just free: bind, read it, close.
        let probe = try ScriptedServer(script: { _ in })
        let port = probe.port
        await offThread { probe.stop() }
        let group = try EventLoopGroup(threads: 1, name: "client-test")
        let client = HTTPClient(group: group, configuration: .init(), logger: Logger(label: "test"))
        let error = await failure { () throws(HTTPClientError) in
            try await client.send(get("http://127.0.0.1:\(port)/"), timeout: patient)
        }
        if case .connect = error {} else { Issue.record("expected a connect error, got \(String(describing: error))") }
        await client.shutdown()
        await offThread { group.shutdown() }
    }

    /// A listener that never accepts, its backlog already full: SYNs go
    /// unanswered. The shorter of the connect timeout and the call's
    /// deadline decides the error: a connect failure or a timeout.
    @Test(arguments: [true, false])
    func unansweredConnectEndsAtTheFirstLimit(connectTimeoutFirst: Bool) async throws {
        let listener = socket(AF_INET, Int32(SOCK_STREAM.rawValue), 0)
        defer { close(listener) }
        var address = sockaddr_in()
        address.sin_family = sa_family_t(AF_INET)
        address.sin_addr.s_addr = inet_addr("127.0.0.1")
        var length = socklen_t(MemoryLayout<sockaddr_in>.size)
        let ready = withUnsafeMutablePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) {
                bind(listener, $0, length) == 0 && listen(listener, 0) == 0 && getsockname(listener, $0, &length) == 0
            }
        }
        try #require(ready)
        let filler = socket(AF_INET, Int32(SOCK_STREAM.rawValue) | Int32(SOCK_NONBLOCK.rawValue), 0)
        defer { close(filler) }
        _ = withUnsafePointer(to: &address) {
            $0.withMemoryRebound(to: sockaddr.self, capacity: 1) { connect(filler, $0, length) }
        }
        let port = Int(UInt16(bigEndian: address.sin_port))

        let group = try EventLoopGroup(threads: 1, name: "client-test")
        var configuration = HTTPClientConfiguration()
        configuration.connectTimeout = connectTimeoutFirst ? .milliseconds(200) : .seconds(30)
        let client = HTTPClient(group: group, configuration: configuration, logger: Logger(label: "test"))
        let error = await failure { () throws(HTTPClientError) in
            try await client.send(get("http://127.0.0.1:\(port)/"), timeout: connectTimeoutFirst ? patient : .milliseconds(200))
        }
        if connectTimeoutFirst {
            if case .connect(let reason) = error {
                #expect(reason.contains("timed out"), "\(reason)")
            } else {
                Issue.record("expected a connect timeout, got \(String(describing: error))")
            }
        } else {
            #expect(error == .timeout)
        }
        await client.shutdown()
        await offThread { group.shutdown() }
    }

    @Test(arguments: ["localhost:8080/x", "ftp://localhost/", "http://user@localhost/"])
    func invalidURLIsRefusedBeforeAnyIO(_ url: String) async throws {
        let group = try EventLoopGroup(threads: 1, name: "client-test")
        let client = HTTPClient(group: group, configuration: .init(), logger: Logger(label: "test"))
        await expectFailure(.invalidURL) { () throws(HTTPClientError) in try await client.send(get(url), timeout: .seconds(1)) }
        await client.shutdown()
        await offThread { group.shutdown() }
    }

    @Test func methodThatIsNotATokenIsRefused() async throws {
        let group = try EventLoopGroup(threads: 1, name: "client-test")
        let client = HTTPClient(group: group, configuration: .init(), logger: Logger(label: "test"))
        let request = HTTPClientRequest(method: .other("GET /admin HTTP/1.1\r\nX:"), url: "http://127.0.0.1:1/")
        await expectFailure(.invalidURL) { () throws(HTTPClientError) in try await client.send(request, timeout: .seconds(1)) }
        await client.shutdown()
        await offThread { group.shutdown() }
    }

    @Test func headerInjectionIsRefused() async throws {
        let group = try EventLoopGroup(threads: 1, name: "client-test")
        let client = HTTPClient(group: group, configuration: .init(), logger: Logger(label: "test"))
        let request = HTTPClientRequest(
            method: .get, url: "http://127.0.0.1:1/", headers: ["Authorization": "Bearer x\r\nX-Evil: 1"])
        await expectFailure(.invalidURL) { () throws(HTTPClientError) in try await client.send(request, timeout: .seconds(1)) }
        await client.shutdown()
        await offThread { group.shutdown() }
    }
}

@Suite struct HTTPClientPoolTests {
    @Test(arguments: [false, true])
    func keepAliveConnectionIsReused(overTLS: Bool) async throws {
        try await withHarness(tls: overTLS ? "server" : nil,
                              script: answering("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")) { client, base, server in
            for _ in 0..<3 {
                let response = try await client.send(get(base + "/"), timeout: patient)
                #expect(response.body == Array("ok".utf8))
            }
            #expect(server.acceptedCount == 1)
            #expect(await client.openConnections(to: base) == 1)
        }
    }

    @Test func connectionCloseIsHonoured() async throws {
        try await withHarness(script: answering("HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Length: 2\r\n\r\nok")) {
            client, base, server in
            for _ in 0..<2 { _ = try await client.send(get(base + "/"), timeout: patient) }
            #expect(server.acceptedCount == 2)
        }
    }

    @Test func concurrentRequestsRespectThePerOriginCap() async throws {
        try await withHarness(configure: { $0.maxConnectionsPerOrigin = 2 }, script: { connection in
            while try connection.readRequest() != nil {
                Thread.sleep(forTimeInterval: 0.05)
                try connection.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            }
        }) { client, base, server in
            try await withThrowingTaskGroup(of: Int.self) { group in
                for _ in 0..<8 {
                    group.addTask { try await client.send(get(base + "/"), timeout: patient).status }
                }
                for try await status in group { #expect(status == 200) }
            }
            #expect(server.maxConcurrentConnections <= 2)
            #expect(server.acceptedCount == 2)
            #expect(server.receivedRequests.count == 8)
        }
    }

    @Test func waitingForAFullPoolCountsAgainstTheDeadline() async throws {
        try await withHarness(configure: { $0.maxConnectionsPerOrigin = 1 }, script: { connection in
            try connection.readRequest()
            connection.waitForClientClose(seconds: 5)
        }) { client, base, _ in
            async let first = failure { () throws(HTTPClientError) in
                try await client.send(get(base + "/"), timeout: .milliseconds(600))
            }
            try await Task.sleep(for: .milliseconds(100))
            await expectFailure(.timeout) { () throws(HTTPClientError) in
                try await client.send(get(base + "/"), timeout: .milliseconds(200))
            }
            #expect(await first == .timeout)
        }
    }

    /// The server drops a kept-alive connection right as the next request
    /// arrives: an idempotent request is retried once on a fresh connection.
    @Test func staleKeepAliveConnectionIsRetriedForIdempotentRequests() async throws {
        try await withHarness(script: { connection in
            guard try connection.readRequest() != nil else { return }
            try connection.write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst")
            // The second request on this connection is read, then dropped unanswered.
            try connection.readRequest()
            connection.closeAbruptly()
        }) { client, base, server in
            _ = try await client.send(get(base + "/"), timeout: patient)
            let second = try await client.send(get(base + "/"), timeout: patient)
            #expect(second.body == Array("first".utf8))
            #expect(server.acceptedCount == 2)
            #expect(server.receivedRequests.count == 3)
        }
    }

    /// A POST that reached the server may have had effects: never resent.
    @Test func writtenPostIsNotRetriedOnAStaleConnection() async throws {
        try await withHarness(script: { connection in
            guard try connection.readRequest() != nil else { return }
            try connection.write("HTTP/1.1 200 OK\r\nContent-Length: 5\r\n\r\nfirst")
            try connection.readRequest()
            connection.closeAbruptly()
        }) { client, base, server in
            _ = try await client.send(get(base + "/"), timeout: patient)
            await expectFailure(.truncated) { () throws(HTTPClientError) in
                try await client.send(.form(url: base + "/v2/oauth2", [("action", "requesttoken")]), timeout: patient)
            }
            #expect(server.acceptedCount == 1)
        }
    }

    @Test func idleConnectionIsClosedAfterTheIdleTimeout() async throws {
        try await withHarness(configure: { $0.idleTimeout = .milliseconds(100) },
                              script: answering("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")) { client, base, server in
            _ = try await client.send(get(base + "/"), timeout: patient)
            for _ in 0..<200 where await client.openConnections(to: base) != 0 {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(await client.openConnections(to: base) == 0)
            _ = try await client.send(get(base + "/"), timeout: patient)
            #expect(server.acceptedCount == 2)
        }
    }

    @Test func idleConnectionClosedByThePeerIsDropped() async throws {
        try await withHarness(script: { connection in
            try connection.readRequest()
            try connection.write("HTTP/1.1 200 OK\r\nContent-Length: 2\r\n\r\nok")
            connection.closeAbruptly()
        }) { client, base, server in
            _ = try await client.send(get(base + "/"), timeout: patient)
            // Bounded wait for the client to notice the close.
            for _ in 0..<100 where await client.openConnections(to: base) != 0 {
                try await Task.sleep(for: .milliseconds(10))
            }
            #expect(await client.openConnections(to: base) == 0)
            _ = try await client.send(get(base + "/"), timeout: patient)
            #expect(server.acceptedCount == 2)
        }
    }
}
