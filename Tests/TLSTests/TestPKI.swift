import Foundation

/// Throw-away certificates made by `scripts/make-test-certs` in a fresh
/// temporary directory, removed when the value is released. Each test makes
/// its own, so tests share no files.
final class TestPKI {
    let directory: String

    init() throws {
        directory = FileManager.default.temporaryDirectory
            .appendingPathComponent("tls-test-\(UUID().uuidString)").path
        let repository = URL(fileURLWithPath: #filePath)
            .deletingLastPathComponent().deletingLastPathComponent().deletingLastPathComponent()
        let script = repository.appendingPathComponent("scripts/make-test-certs")
        let process = Process()
        process.executableURL = script
        process.arguments = [directory]
        try process.run()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            throw PKIError(message: "make-test-certs exited with \(process.terminationStatus)")
        }
    }

    deinit { try? FileManager.default.removeItem(atPath: directory) }

    func path(_ name: String) -> String { directory + "/" + name }

    var caFile: String { path("ca.pem") }
    var otherCAFile: String { path("other-ca.pem") }

    struct PKIError: Error { var message: String }
}
