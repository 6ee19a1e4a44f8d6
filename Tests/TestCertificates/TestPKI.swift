import Foundation

/// Shared by the TLS, server and client test targets.
/// Throw-away certificates made by `scripts/make-test-certs` in a fresh
/// temporary directory. One set per test process, made on first use and
/// only read afterwards (running openssl per test would hold the two
/// shared concurrency threads for seconds on a loaded machine); the
/// directory is removed when the process exits.
public final class TestPKI: Sendable {
    public let directory: String

    public static var shared: TestPKI {
        get throws { try sharedResult.get() }
    }

    private static let sharedResult: Result<TestPKI, any Error> = Result {
        let pki = try TestPKI()
        removeAtExit = pki.directory
        atexit {
            if let directory = TestPKI.removeAtExit { try? FileManager.default.removeItem(atPath: directory) }
        }
        return pki
    }

    // Written once, inside the one-time initialiser above, before atexit can read it.
    nonisolated(unsafe) private static var removeAtExit: String?

    private init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("tls-test-\(UUID().uuidString)").path
        let repository = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let process = Process()
        process.executableURL = repository.appendingPathComponent("scripts/make-test-certs")
        process.arguments = [directory]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw PKIError(message: "make-test-certs exited with \(process.terminationStatus)")
        }
    }

    public func path(_ name: String) -> String { directory + "/" + name }

    public struct PKIError: Error { public var message: String }
}
