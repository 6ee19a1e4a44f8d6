/// Decides whether `redirect_to` may receive a freshly minted key in its
/// fragment. An entry of GATEWAY_ALLOWED_REDIRECTS admits a URL with the
/// same scheme, host and port whose path starts with the entry's path at a
/// segment boundary (`/app` admits `/app` and `/app/x`, not `/appx`).
public struct RedirectPolicy: Sendable {
    public let allowed: [AbsoluteURL]

    public init(allowed: [AbsoluteURL]) {
        self.allowed = allowed
    }

    public enum Rejection: Error, Sendable, Equatable {
        case notAnAbsoluteURL, hasFragment, hasCredentials, suspiciousPath, notAllowed
    }

    /// The URL to redirect to, or why not.
    public func check(_ candidate: String) -> Result<AbsoluteURL, Rejection> {
        guard let url = AbsoluteURL(candidate) else { return .failure(.notAnAbsoluteURL) }
        guard url.fragment == nil else { return .failure(.hasFragment) }
        guard !url.hasUserInfo else { return .failure(.hasCredentials) }
        guard !Self.hasDotSegmentOrEscape(url.path) else { return .failure(.suspiciousPath) }
        for rule in allowed where rule.scheme == url.scheme && rule.host == url.host && rule.port == url.port {
            if Self.path(url.path, isWithin: rule.path) { return .success(url) }
        }
        return .failure(.notAllowed)
    }

    /// The `redirect_to` query parameter of `/oauth/authorize`: nil when
    /// absent, the checked URL, or the 400 answer. Present means checked: an
    /// empty value is not "no redirect".
    func redirectTarget(from items: [(name: String, value: String)]) -> Result<String?, ProblemResponse> {
        guard let candidate = items.first(where: { $0.name == "redirect_to" })?.value else { return .success(nil) }
        switch check(candidate) {
        case .success(let url): return .success(url.description)
        case .failure(let rejection):
            return .failure(ProblemResponse(GatewayProblem.invalidParameterResponse("redirect_to", rejection.detail)))
        }
    }

    static func path(_ path: String, isWithin prefix: String) -> Bool {
        guard path.hasPrefix(prefix) else { return false }
        if prefix.hasSuffix("/") || path.utf8.count == prefix.utf8.count { return true }
        return path.utf8.dropFirst(prefix.utf8.count).first == UInt8(ascii: "/")
    }

    /// A browser resolves `.`/`..` segments (also `%2e`) and treats `\` as `/`
    /// before navigating, which could climb out of an allowed prefix.
    static func hasDotSegmentOrEscape(_ path: String) -> Bool {
        let lowered = path.lowercased()
        if lowered.contains("\\") || lowered.contains("%2e") || lowered.contains("%2f") || lowered.contains("%5c") {
            return true
        }
        return lowered.split(separator: "/", omittingEmptySubsequences: false).contains { $0 == "." || $0 == ".." }
    }
}
