import HTTP1

/// What a request parser produced, in a comparable form.
struct ParsedRequest: Equatable, Sendable, CustomStringConvertible {
    var method: String
    var target: String
    var version: HTTPVersion
    var headers: [String]
    var body: [UInt8]

    init(_ method: String, _ target: String, _ version: HTTPVersion = .http1_1, headers: [String] = ["Host: h"],
         body: String = "") {
        self.method = method
        self.target = target
        self.version = version
        self.headers = headers
        self.body = Array(body.utf8)
    }

    init(_ request: HTTPRequest) {
        method = request.method.name
        target = request.target
        version = request.version
        headers = request.headers.map { "\($0.name): \($0.value)" }
        body = request.body
    }

    var description: String {
        "\(method) \(target) \(version.text) \(headers) body=\(String(decoding: body, as: UTF8.self))"
    }
}

/// Every request produced, then how parsing ended: with an error status,
/// or waiting for more bytes (`nil`).
struct ParseOutcome: Equatable {
    var requests: [ParsedRequest] = []
    var errorStatus: Int?
}

enum ParserFeeding {
    /// Feeds `chunks` one append at a time, draining `next()` after each.
    static func outcome(_ chunks: [ArraySlice<UInt8>], limits: HTTP1Limits = .init()) -> ParseOutcome {
        var parser = HTTPRequestParser(limits: limits)
        var outcome = ParseOutcome()
        for chunk in chunks {
            parser.append(Array(chunk))
            do {
                while let request = try parser.next() { outcome.requests.append(ParsedRequest(request)) }
            } catch {
                outcome.errorStatus = error.status
                return outcome
            }
        }
        return outcome
    }

    static func whole(_ bytes: [UInt8], limits: HTTP1Limits = .init()) -> ParseOutcome {
        outcome([bytes[...]], limits: limits)
    }

    static func byteByByte(_ bytes: [UInt8], limits: HTTP1Limits = .init()) -> ParseOutcome {
        outcome(bytes.indices.map { bytes[$0..<($0 + 1)] }, limits: limits)
    }

    static func split(_ bytes: [UInt8], at offset: Int, limits: HTTP1Limits = .init()) -> ParseOutcome {
        outcome([bytes[..<offset], bytes[offset...]], limits: limits)
    }
}
