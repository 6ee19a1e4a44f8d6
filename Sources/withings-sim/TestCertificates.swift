import Foundation

/// Writes a throw-away CA and a server certificate for `localhost`,
/// `127.0.0.1` and `::1` (valid two days) with the `openssl` command, so
/// tests can serve the simulator over HTTPS and point the gateway's
/// `WITHINGS_CA_FILE` at the CA.
enum TestCertificates {
    struct Failure: Error, CustomStringConvertible {
        var description: String
    }

    /// Creates `ca.pem`, `ca.key`, `server.pem` and `server.key` in `directory`.
    static func write(into directory: String) throws {
        // Keys are born private; the process exits right after, so the umask change is harmless.
        umask(0o077)
        let manager = FileManager.default
        try manager.createDirectory(atPath: directory, withIntermediateDirectories: true)
        let path = { (name: String) in (directory as NSString).appendingPathComponent(name) }
        let extensions = path("server.ext")
        try """
            subjectAltName = DNS:localhost, IP:127.0.0.1, IP:::1
            basicConstraints = critical, CA:FALSE
            keyUsage = critical, digitalSignature, keyEncipherment
            extendedKeyUsage = serverAuth

            """.write(toFile: extensions, atomically: true, encoding: .utf8)
        let curve = ["-newkey", "ec", "-pkeyopt", "ec_paramgen_curve:prime256v1", "-nodes"]
        try openssl(["req", "-x509"] + curve + [
            "-keyout", path("ca.key"), "-out", path("ca.pem"), "-days", "2", "-subj", "/CN=withings-sim throw-away test CA",
            "-addext", "basicConstraints=critical,CA:TRUE", "-addext", "keyUsage=critical,keyCertSign,cRLSign",
        ])
        try openssl(["req"] + curve + [
            "-keyout", path("server.key"), "-out", path("server.csr"), "-subj", "/CN=localhost",
        ])
        try openssl([
            "x509", "-req", "-in", path("server.csr"), "-CA", path("ca.pem"), "-CAkey", path("ca.key"),
            "-CAcreateserial", "-out", path("server.pem"), "-days", "2", "-extfile", extensions,
        ])
        for name in ["ca.pem", "server.pem"] {
            try manager.setAttributes([.posixPermissions: 0o644], ofItemAtPath: path(name))
        }
        for name in ["server.csr", "server.ext", "ca.srl"] { try? manager.removeItem(atPath: path(name)) }
    }

    private static func openssl(_ arguments: [String]) throws {
        let process = Process()
        process.executableURL = URL(fileURLWithPath: "/usr/bin/env")
        process.arguments = ["openssl"] + arguments
        let errors = Pipe()
        process.standardError = errors
        process.standardOutput = FileHandle.nullDevice
        do {
            try process.run()
        } catch {
            throw Failure(description: "cannot run openssl: \(error)")
        }
        let message = errors.fileHandleForReading.readDataToEndOfFile()
        process.waitUntilExit()
        guard process.terminationStatus == 0 else {
            let text = String(decoding: message, as: UTF8.self).split(separator: "\n").last.map(String.init) ?? ""
            throw Failure(description: "openssl \(arguments[0]) failed: \(text)")
        }
    }
}
