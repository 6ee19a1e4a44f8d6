import HTTP1

/// Cross-origin access for the browser apps of GATEWAY_CORS_ORIGINS. Keys
/// travel in `Authorization` (never cookies), so credentials mode stays off;
/// only listed origins are echoed back, never `*`.
public struct CORSPolicy: Sendable {
    public static let allowedMethods = "GET, HEAD, DELETE, OPTIONS"
    public static let allowedHeaders = "Authorization, If-None-Match, X-Request-ID"
    public static let exposedHeaders = "ETag, Retry-After, X-Request-ID"
    public static let maxAgeSeconds = 600

    /// Normalised origins (`scheme://host[:port]`, default port omitted).
    public let origins: Set<String>

    public init(origins: [String]) {
        self.origins = Set(origins)
    }

    public var isEnabled: Bool { !origins.isEmpty }

    /// The request's `Origin` exactly as sent when it is allowed, else nil.
    public func allowedOrigin(_ header: String?) -> String? {
        guard let header, header.utf8.count <= 256, let url = AbsoluteURL(header), url.path == "/",
            url.query == nil, url.fragment == nil, !url.hasUserInfo, origins.contains(url.origin)
        else { return nil }
        return header
    }

    /// The answer to a preflight (`OPTIONS` with `Origin` and
    /// `Access-Control-Request-Method`) from an allowed origin; nil when the
    /// request is not one, so it continues to the router.
    public func preflightResponse(for request: HTTPRequest) -> HTTPResponse? {
        guard request.method == .options, request.headers["access-control-request-method"] != nil,
            let origin = allowedOrigin(request.headers["origin"])
        else { return nil }
        return HTTPResponse(status: 204, headers: [
            "Access-Control-Allow-Origin": origin,
            "Access-Control-Allow-Methods": Self.allowedMethods,
            "Access-Control-Allow-Headers": Self.allowedHeaders,
            "Access-Control-Max-Age": String(Self.maxAgeSeconds),
            "Vary": "Origin, Access-Control-Request-Method, Access-Control-Request-Headers",
        ])
    }

    /// Adds the CORS headers of an actual (non-preflight) response.
    public func apply(to response: inout HTTPResponse, requestOrigin: String?) {
        guard isEnabled else { return }
        // Caches must not serve one origin's answer to another.
        Self.addVary("Origin", to: &response.headers)
        guard let origin = allowedOrigin(requestOrigin) else { return }
        response.headers.set("Access-Control-Allow-Origin", origin)
        response.headers.set("Access-Control-Expose-Headers", Self.exposedHeaders)
    }

    static func addVary(_ token: String, to headers: inout HTTPHeaders) {
        guard let existing = headers["vary"] else {
            headers.set("Vary", token)
            return
        }
        let present = existing.split(separator: ",").contains {
            $0.trimmingSpacesAndTabs.lowercased() == token.lowercased() || $0.trimmingSpacesAndTabs == "*"
        }
        if !present { headers.set("Vary", existing + ", " + token) }
    }
}
