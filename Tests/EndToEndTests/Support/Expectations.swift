import Foundation
import JSON
import Testing

/// Checks an RFC 9457 answer: status, media type, and a `type` ending in the
/// problem's name; returns the parsed problem for further checks.
@discardableResult
func expectProblem(_ response: CurlResponse, status: Int, name: String,
                   sourceLocation: SourceLocation = #_sourceLocation) -> JSONValue? {
    #expect(response.status == status, "body: \(response.text)", sourceLocation: sourceLocation)
    #expect(response.headers["content-type"]?.hasPrefix("application/problem+json") == true,
            "content-type: \(response.headers["content-type"] ?? "none")", sourceLocation: sourceLocation)
    guard let problem = try? JSONParser.parse(Array(response.body)) else {
        Issue.record("not JSON: \(response.text)", sourceLocation: sourceLocation)
        return nil
    }
    #expect(problem["status"]?.int == status, sourceLocation: sourceLocation)
    #expect(problem["type"]?.string?.hasSuffix("/" + name) == true, "type: \(problem["type"]?.string ?? "none")",
            sourceLocation: sourceLocation)
    #expect(problem["title"]?.string?.isEmpty == false, sourceLocation: sourceLocation)
    #expect(problem["detail"]?.string?.isEmpty == false, sourceLocation: sourceLocation)
    return problem
}

extension CurlResponse {
    /// The body as the project's JSON value (numbers keep their exact text).
    func jsonValue() throws -> JSONValue { try JSONParser.parse(Array(body)) }
}
