import Crypto
import Glibc
import Synchronization
import TokenStore

/// A fresh directory per test, removed (with its files) on deinit.
final class TemporaryDirectory {
    let path: String

    init() {
        let base = getenv("TMPDIR").map { String(cString: $0) } ?? "/tmp"
        var template = Array("\(base)/tokenstore-test-XXXXXX".utf8CString)
        path = template.withUnsafeMutableBufferPointer { buffer in
            guard let base = buffer.baseAddress, let created = mkdtemp(base) else { preconditionFailure("mkdtemp failed: errno \(errno)") }
            return String(cString: created)
        }
    }

    func file(_ name: String) -> String { "\(path)/\(name)" }

    deinit {
        if let directory = opendir(path) {
            while let entry = readdir(directory) {
                let name = withUnsafeBytes(of: entry.pointee.d_name) { raw in
                    String(decoding: raw.prefix { $0 != 0 }, as: UTF8.self)
                }
                if name != "." && name != ".." { unlink("\(path)/\(name)") }
            }
            closedir(directory)
        }
        rmdir(path)
    }
}

/// A wall clock the test moves by hand.
final class ManualClock: Sendable {
    private let seconds: Mutex<Int64>
    init(_ start: Int64 = 1_700_000_000) { seconds = Mutex(start) }
    func now() -> Int64 { seconds.withLock { $0 } }
    func advance(by delta: Int64) { seconds.withLock { $0 += delta } }
}

enum Fixtures {
    static let secretHex = String(repeating: "5a17c0ffee", count: 7).prefix(64).description
    static let otherSecretHex = String(repeating: "0badf00d", count: 8)

    static func secret() throws -> GatewaySecret { try GatewaySecret(hex: secretHex) }
    static func otherSecret() throws -> GatewaySecret { try GatewaySecret(hex: otherSecretHex) }

    static func tokens(user: String, access: String = "access-\(randomHex())", refresh: String = "refresh-\(randomHex())",
                       expiresAt: Int64 = 1_700_010_800, now: Int64 = 1_700_000_000) -> UserTokens {
        UserTokens(userID: user, accessToken: access, refreshToken: refresh, expiresAt: expiresAt,
                   scope: "user.info,user.metrics", createdAt: now, updatedAt: now)
    }

    static func randomHex() -> String { ByteEncoding.hex(Digest.randomBytes(16)) }
}

/// Whole contents of a file, or [] if it does not exist.
func readFileBytes(_ path: String) -> [UInt8] {
    let fd = open(path, O_RDONLY | O_CLOEXEC)
    guard fd >= 0 else { return [] }
    defer { close(fd) }
    var out: [UInt8] = []
    var chunk = [UInt8](repeating: 0, count: 65536)
    while true {
        let count = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
        if count <= 0 { break }
        out.append(contentsOf: chunk[..<count])
    }
    return out
}

func fileMode(_ path: String) -> mode_t? {
    var info = stat()
    guard stat(path, &info) == 0 else { return nil }
    return info.st_mode & 0o777
}

extension Array where Element == UInt8 {
    func contains(bytes needle: [UInt8]) -> Bool {
        guard let first = needle.first, needle.count <= count else { return false }
        return withUnsafeBufferPointer { haystack in
            needle.withUnsafeBufferPointer { pattern in
                for start in 0...(haystack.count - pattern.count) where haystack[start] == first {
                    if memcmp(haystack.baseAddress! + start, pattern.baseAddress!, pattern.count) == 0 { return true }
                }
                return false
            }
        }
    }
}
