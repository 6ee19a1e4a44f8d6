import Gateway
import Glibc

/// The process environment as a dictionary (no Foundation).
enum ProcessEnvironment {
    static func current() -> [String: String] {
        var values: [String: String] = [:]
        var pointer = environ
        while let entry = pointer.pointee {
            let text = String(cString: entry)
            if let equals = text.firstIndex(of: "=") {
                values[String(text[..<equals])] = String(text[text.index(after: equals)...])
            }
            pointer += 1
        }
        return values
    }
}

/// Unbuffered writes to fd 1 and 2: results reach a pipe or file at once
/// (a long-running `demo` must show its banner before it exits), and the C
/// `stdout`/`stderr` globals are not concurrency-safe in Swift 6.
enum StandardOutput {
    static func write(_ lines: [String]) { writeAll(1, lines) }
}

/// Writes to stderr; stdout is reserved for a command's results.
enum StandardError {
    static func write(_ line: String) { writeAll(2, [line]) }
}

private func writeAll(_ fd: Int32, _ lines: [String]) {
    let bytes = Array(lines.map { $0 + "\n" }.joined().utf8)
    var written = 0
    while written < bytes.count {
        let count = bytes[written...].withUnsafeBytes { Glibc.write(fd, $0.baseAddress, $0.count) }
        if count < 0, errno == EINTR { continue }
        if count <= 0 { return }
        written += count
    }
}

/// Loads the configuration or exits with its one-line error (exit code 78, EX_CONFIG).
func loadConfiguration(
    overrides: [String: String], requiring requirements: GatewayConfiguration.Requirements
) -> GatewayConfiguration {
    do {
        let configuration = try GatewayConfiguration(
            environment: ProcessEnvironment.current(), overrides: overrides, requiring: requirements)
        for name in configuration.unknownVariables {
            StandardError.write("warning: \(name) is not a known variable (ignored)")
        }
        return configuration
    } catch {
        StandardError.write("configuration error: \(error)")
        exit(78)
    }
}
