import HTTP1

/// Maps method + path to a handler. Patterns are literal segments and
/// `{name}` segments, e.g. "/users/{user_id}/measures"; a `{name}` matches
/// one non-empty segment and is handed over percent-decoded. Literal
/// routes win over patterns; among patterns, the first added wins.
public struct Router: Sendable {
    private struct Route: Sendable {
        var method: HTTPMethod
        var template: String
        var segments: [Segment]
        var handler: HTTPHandler
    }

    private enum Segment: Sendable, Equatable {
        case literal([UInt8])
        case parameter(String)
    }

    /// Routes without parameters, by exact path: one hash lookup.
    private var literalRoutes: [String: [Route]] = [:]
    private var patternRoutes: [Route] = []

    public init() {}

    public mutating func add(_ method: HTTPMethod, _ pattern: String, _ handler: @escaping HTTPHandler) {
        precondition(pattern.hasPrefix("/"), "route patterns start with /: \(pattern)")
        let segments = Self.segments(of: pattern)
        let route = Route(method: method, template: pattern, segments: segments, handler: handler)
        if segments.allSatisfy({ if case .literal = $0 { true } else { false } }) {
            literalRoutes[pattern, default: []].append(route)
        } else {
            patternRoutes.append(route)
        }
    }

    /// The outcome of routing one request.
    enum Match {
        case found(handler: HTTPHandler, template: String, parameters: [String: String])
        /// The path exists for other methods; `allowed` is the Allow header value.
        case methodNotAllowed(template: String, allowed: String)
        case notFound
        /// A `{param}` segment had a malformed escape.
        case badParameter(template: String)
    }

    func match(_ method: HTTPMethod, path: String) -> Match {
        if let routes = literalRoutes[path] {
            return choose(method, among: routes, parameters: [:])
        }
        var candidates: [Route] = []
        var captured: [[(String, ArraySlice<UInt8>)]] = []
        let bytes = Array(path.utf8)
        for route in patternRoutes {
            if let values = Self.capture(route.segments, in: bytes) {
                if !candidates.isEmpty && candidates[0].template != route.template { continue }
                candidates.append(route)
                captured.append(values)
            }
        }
        guard let first = captured.first else { return .notFound }
        var parameters: [String: String] = [:]
        for (name, raw) in first {
            guard let value = URLEncoding.percentDecode(raw, plusIsSpace: false) else {
                return .badParameter(template: candidates[0].template)
            }
            parameters[name] = value
        }
        return choose(method, among: candidates, parameters: parameters)
    }

    /// Picks the route for `method` among routes of one path; HEAD falls
    /// back to GET.
    private func choose(_ method: HTTPMethod, among routes: [Route], parameters: [String: String]) -> Match {
        let route = routes.first { $0.method == method }
            ?? (method == .head ? routes.first { $0.method == .get } : nil)
        if let route {
            return .found(handler: route.handler, template: route.template, parameters: parameters)
        }
        var allowed: [String] = []
        for route in routes where !allowed.contains(route.method.name) {
            allowed.append(route.method.name)
            if route.method == .get && !routes.contains(where: { $0.method == .head }) { allowed.append("HEAD") }
        }
        return .methodNotAllowed(template: routes[0].template, allowed: allowed.joined(separator: ", "))
    }

    private static func segments(of pattern: String) -> [Segment] {
        pattern.utf8.dropFirst().split(separator: UInt8(ascii: "/"), omittingEmptySubsequences: false).map {
            segment in
            if segment.first == UInt8(ascii: "{") && segment.last == UInt8(ascii: "}") && segment.count > 2 {
                return .parameter(String(decoding: segment.dropFirst().dropLast(), as: UTF8.self))
            }
            return .literal(Array(segment))
        }
    }

    /// Walks `path` segment by segment without splitting it into strings;
    /// returns the raw parameter values when every segment matches.
    private static func capture(_ segments: [Segment], in path: [UInt8]) -> [(String, ArraySlice<UInt8>)]? {
        guard path.first == UInt8(ascii: "/") else { return nil }
        var values: [(String, ArraySlice<UInt8>)] = []
        var start = 1
        for (index, segment) in segments.enumerated() {
            guard start <= path.count else { return nil }
            let end = path[start...].firstIndex(of: UInt8(ascii: "/")) ?? path.count
            // The last pattern segment must end the path.
            if index == segments.count - 1 && end != path.count { return nil }
            let piece = path[start..<end]
            switch segment {
            case .literal(let literal):
                guard piece.elementsEqual(literal) else { return nil }
            case .parameter(let name):
                guard !piece.isEmpty else { return nil }
                values.append((name, piece))
            }
            start = end + 1
        }
        return values
    }
}
