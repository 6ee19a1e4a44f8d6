import Foundation

/// One HTTP exchange made with the curl CLI: an independent client, so
/// end-to-end tests do not test our server with our own parser.
struct CurlResponse {
    var status: Int
    /// Header names lower-cased; repeated fields joined with ", ".
    var headers: [String: String]
    var body: Data
    var text: String { String(decoding: body, as: UTF8.self) }
    func json() throws -> [String: Any] {
        guard let object = try JSONSerialization.jsonObject(with: body) as? [String: Any] else {
            throw TestFailure("not a JSON object: \(text)")
        }
        return object
    }
}

func curl(_ url: String, method: String = "GET", headers: [String: String] = [:], data: String? = nil,
          extra: [String] = [], timeout: Int = 30) throws -> CurlResponse {
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("curl-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    let headerFile = dir.appendingPathComponent("headers").path
    let bodyFile = dir.appendingPathComponent("body").path
    var args = ["-s", "-S", "-X", method, "--max-time", String(timeout), "-D", headerFile, "-o", bodyFile,
                "-w", "%{http_code}"]
    for (name, value) in headers { args += ["-H", "\(name): \(value)"] }
    if let data { args += ["--data-binary", data] }
    args += extra
    args.append(url)
    let result = try run("/usr/bin/curl", args, timeout: Double(timeout + 5))
    guard result.status == 0, let status = Int(result.stdout) else {
        throw TestFailure("curl \(url) failed (\(result.status)): \(result.stderr)")
    }
    var headerMap: [String: String] = [:]
    let rawHeaders = (try? String(contentsOfFile: headerFile, encoding: .utf8)) ?? ""
    for line in rawHeaders.split(separator: "\r\n") {
        guard let colon = line.firstIndex(of: ":") else { continue }
        let name = line[..<colon].lowercased()
        let value = line[line.index(after: colon)...].trimmingCharacters(in: .whitespaces)
        // Repeated fields are one comma-separated list (RFC 9110 §5.3), e.g. two Vary lines.
        headerMap[name] = headerMap[name].map { $0 + ", " + value } ?? value
    }
    let body = FileManager.default.contents(atPath: bodyFile) ?? Data()
    return CurlResponse(status: status, headers: headerMap, body: body)
}

/// Several GETs at once from one curl process (`--parallel`), each on its
/// own connection, all started immediately; answers in request order.
func curlParallel(_ urls: [String], headers: [String: String] = [:], timeout: Int = 30) throws
    -> [(status: Int, body: Data)]
{
    let dir = FileManager.default.temporaryDirectory.appendingPathComponent("curl-\(UUID().uuidString)")
    try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
    defer { try? FileManager.default.removeItem(at: dir) }
    var args = ["-s", "-S", "--parallel", "--parallel-immediate", "--parallel-max", String(max(1, urls.count)),
                "--max-time", String(timeout), "-w", "%{urlnum} %{http_code}\\n"]
    for (name, value) in headers { args += ["-H", "\(name): \(value)"] }
    for (index, url) in urls.enumerated() {
        args += ["-o", dir.appendingPathComponent("body-\(index)").path, url]
    }
    let result = try run("/usr/bin/curl", args, timeout: Double(timeout + 5))
    var statuses = [Int](repeating: 0, count: urls.count)
    for line in result.stdout.split(separator: "\n") {
        let parts = line.split(separator: " ")
        if parts.count == 2, let index = Int(parts[0]), let status = Int(parts[1]), statuses.indices.contains(index) {
            statuses[index] = status
        }
    }
    return statuses.enumerated().map { index, status in
        (status, FileManager.default.contents(atPath: dir.appendingPathComponent("body-\(index)").path) ?? Data())
    }
}
