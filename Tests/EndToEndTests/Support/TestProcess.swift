import Foundation
import Testing

/// Where SwiftPM put the products: the test runner lives beside them.
enum Products {
    static let directory: URL = {
        let runner = URL(fileURLWithPath: "/proc/self/exe").resolvingSymlinksInPath()
        return runner.deletingLastPathComponent()
    }()

    static func path(_ name: String) -> String { directory.appendingPathComponent(name).path }
}

/// A child process of a test (the real `withings-gateway` or `withings-sim`
/// binary). Its stdout and stderr go to one log file the test can read, so
/// a test can wait for a readiness line and also inspect every log line.
final class TestProcess: @unchecked Sendable {  // used from one test task at a time
    let name: String
    let process = Process()
    let logURL: URL

    /// `logDirectory`: where the log file goes (default: the temporary directory).
    init(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
         logDirectory: URL? = nil) throws {
        name = executable
        logURL = (logDirectory ?? FileManager.default.temporaryDirectory)
            .appendingPathComponent("e2e-\(executable)-\(UUID().uuidString).log")
        _ = FileManager.default.createFile(atPath: logURL.path, contents: nil)
        let log = try FileHandle(forWritingTo: logURL)
        process.executableURL = URL(fileURLWithPath: Products.path(executable))
        process.arguments = arguments
        var env = ["PATH": ProcessInfo.processInfo.environment["PATH"] ?? "/usr/bin:/bin"]
        env.merge(environment) { _, new in new }
        process.environment = env
        process.standardOutput = log
        process.standardError = log
        process.standardInput = FileHandle.nullDevice
        try process.run()
    }

    deinit { stop() }

    var output: String { (try? String(contentsOf: logURL, encoding: .utf8)) ?? "" }

    /// Waits (bounded) until the log contains `marker`; returns the log.
    @discardableResult
    func waitFor(_ marker: String, timeout: Double = 30) throws -> String {
        let end = Date().addingTimeInterval(timeout)
        while Date() < end {
            let text = output
            if text.contains(marker) { return text }
            if !process.isRunning {
                throw TestFailure("\(name) exited (\(process.terminationStatus)) before '\(marker)':\n\(text)")
            }
            usleep(20_000)
        }
        throw TestFailure("\(name) did not print '\(marker)' within \(timeout)s:\n\(output)")
    }

    /// The port of the first "listening on http(s)://HOST:PORT" line.
    func listeningPort(timeout: Double = 30) throws -> Int {
        let text = try waitFor("listening on ", timeout: timeout)
        for line in text.split(separator: "\n") where line.contains("listening on ") {
            let tail = line[line.range(of: "listening on ")!.upperBound...]
            if let colon = tail.lastIndex(of: ":"),
               let port = Int(tail[tail.index(after: colon)...].prefix { $0.isNumber }) {
                return port
            }
        }
        throw TestFailure("no port in:\n\(text)")
    }

    /// SIGTERM, then SIGKILL if it has not exited within `grace` seconds.
    func stop(grace: Double = 10) {
        guard process.isRunning else { return }
        process.terminate()
        let end = Date().addingTimeInterval(grace)
        while process.isRunning && Date() < end { usleep(10_000) }
        if process.isRunning { kill(process.processIdentifier, SIGKILL) }
        process.waitUntilExit()
    }

    func sigkill() {
        guard process.isRunning else { return }
        kill(process.processIdentifier, SIGKILL)
        process.waitUntilExit()
    }

    func waitForExit(timeout: Double = 30) -> Int32? {
        let end = Date().addingTimeInterval(timeout)
        while process.isRunning && Date() < end { usleep(10_000) }
        return process.isRunning ? nil : process.terminationStatus
    }
}

struct TestFailure: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// Runs a command to completion (bounded) and returns its exit status and stdout.
@discardableResult
func run(_ executable: String, _ arguments: [String], environment: [String: String] = [:],
         timeout: Double = 60) throws -> (status: Int32, stdout: String, stderr: String) {
    let process = Process()
    process.executableURL = URL(fileURLWithPath: executable.hasPrefix("/") ? executable : Products.path(executable))
    process.arguments = arguments
    var env = ProcessInfo.processInfo.environment
    env.merge(environment) { _, new in new }
    process.environment = env
    let out = Pipe(), err = Pipe()
    process.standardOutput = out
    process.standardError = err
    process.standardInput = FileHandle.nullDevice
    try process.run()
    // Read both pipes to the end before waiting, so a chatty child cannot block on a full pipe.
    let group = DispatchGroup()
    nonisolated(unsafe) var outData = Data(), errData = Data()
    group.enter()
    DispatchQueue.global().async { outData = out.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    group.enter()
    DispatchQueue.global().async { errData = err.fileHandleForReading.readDataToEndOfFile(); group.leave() }
    if group.wait(timeout: .now() + timeout) == .timedOut {
        process.terminate()
        throw TestFailure("\(executable) \(arguments) timed out")
    }
    process.waitUntilExit()
    return (process.terminationStatus, String(decoding: outData, as: UTF8.self), String(decoding: errData, as: UTF8.self))
}
