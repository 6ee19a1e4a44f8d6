import HTTP1
import JSON

/// `GET /oauth2_user/authorize2` on the account host: validates the partner
/// app's request and auto-approves as a chosen (`userid=`) or default user,
/// redirecting to `redirect_uri?code=…&state=…`. `interactive=1` shows a
/// small consent page instead.
extension WithingsSimulator {
    func authorizePage(_ request: HTTPRequest) -> HTTPResponse {
        guard request.method == .get || request.method == .post else {
            return HTTPResponse(status: 405, headers: ["Allow": "GET, POST"], body: [])
        }
        guard let params = RequestParameters(request, body: request.method == .post) else {
            return Self.pageError("invalid_request: The request is malformed")
        }
        guard params["client_id"] == configuration.clientID else {
            return Self.pageError("invalid_client: The client credentials are invalid")
        }
        // Checked before anything is sent to it: an unregistered URI gets no redirect.
        guard let redirectURI = params["redirect_uri"], configuration.redirectURIs.contains(redirectURI) else {
            return Self.pageError(
                "redirect_uri_mismatch: The redirect URI provided is missing or does not match partner callback url")
        }
        guard let state = params["state"], !state.isEmpty else {
            return Self.pageError("invalid_request: The state parameter is missing")
        }
        guard params["response_type"] == "code" else {
            return Self.redirect(to: redirectURI, [("error", "unsupported_response_type"), ("state", state)])
        }
        guard let scope = Self.normalizedScope(params["scope"]) else {
            return Self.redirect(to: redirectURI, [("error", "invalid_scope"), ("state", state)])
        }
        let userIndex: Int
        if let requested = params["userid"] {
            guard let index = self.userIndex(forID: requested) else {
                return Self.pageError("invalid_request: Unknown user")
            }
            userIndex = index
        } else {
            guard !userIDs.isEmpty else { return Self.pageError("invalid_request: No user account") }
            userIndex = self.state.withLock { $0.defaultUserIndex }
        }
        if params["interactive"] == "1" { return consentPage(params, scope: scope, selected: userIndex) }
        if params["decision"] == "deny" {
            return Self.redirect(to: redirectURI, [("error", "access_denied"), ("state", state)])
        }
        let code = issueCode(userIndex: userIndex, redirectURI: redirectURI, scope: scope)
        return Self.redirect(to: redirectURI, [("code", code), ("state", state)])
    }

    /// Issues an authorization code for user `index` as if they had approved
    /// the app, for the in-process demo, which then exchanges it through the
    /// real token endpoint. nil when the index or redirect URI is unknown.
    public func connectUser(
        index: Int, redirectURI: String? = nil, scope: String = WithingsSimulator.defaultScope
    ) -> (userID: String, code: String)? {
        guard userIDs.indices.contains(index), let normalized = Self.normalizedScope(scope) else { return nil }
        guard let uri = redirectURI ?? configuration.redirectURIs.first, configuration.redirectURIs.contains(uri) else {
            return nil
        }
        return (userIDs[index], issueCode(userIndex: index, redirectURI: uri, scope: normalized))
    }

    func issueCode(userIndex: Int, redirectURI: String, scope: String) -> String {
        let code = Self.randomToken()
        let issuedAt = now()
        state.withLock { state in
            state.pruneIfLarge(
                now: issuedAt, codeLifetime: configuration.codeLifetime, timestampWindow: configuration.timestampWindow)
            state.codes[code] = SimulatorState.AuthorizationCode(
                userID: userIDs[userIndex], clientID: configuration.clientID, redirectURI: redirectURI, scope: scope,
                issuedAt: issuedAt)
        }
        return code
    }

    /// The comma list with duplicates removed, or nil when empty or naming an unknown scope.
    static func normalizedScope(_ raw: String?) -> String? {
        guard let raw else { return nil }
        var seen: [String] = []
        for item in raw.split(separator: ",", omittingEmptySubsequences: true) {
            let scope = item.trimmingCharacters(in: " ")
            guard knownScopes.contains(scope) else { return nil }
            if !seen.contains(scope) { seen.append(scope) }
        }
        return seen.isEmpty ? nil : seen.joined(separator: ",")
    }

    static func redirect(to base: String, _ pairs: [(name: String, value: String)]) -> HTTPResponse {
        let separator = base.contains("?") ? "&" : "?"
        return HTTPResponse(status: 302, headers: ["Location": base + separator + URLEncoding.encodeForm(pairs)], body: [])
    }

    /// The account page's error answer (not the API envelope).
    static func pageError(_ message: String) -> HTTPResponse {
        var writer = JSONWriter(capacity: 160)
        writer.beginObject()
        writer.key("errors")
        writer.beginArray()
        writer.beginObject()
        writer.field("message", message)
        writer.endObject()
        writer.endArray()
        writer.endObject()
        return HTTPResponse(status: 400, headers: ["Content-Type": "application/json"], body: writer.bytes)
    }

    private func consentPage(_ params: RequestParameters, scope: String, selected: Int) -> HTTPResponse {
        var hidden = ""
        for name in ["response_type", "client_id", "redirect_uri", "scope", "state"] {
            hidden += "<input type=\"hidden\" name=\"\(name)\" value=\"\(htmlEscape(params[name] ?? ""))\">\n"
        }
        var options = ""
        for (index, id) in userIDs.enumerated() {
            let mark = index == selected ? " selected" : ""
            options += "<option value=\"\(id)\"\(mark)>Sample user \(index + 1) (\(id))</option>\n"
        }
        let html = """
            <!doctype html>
            <html><head><meta charset="utf-8"><title>Withings simulator: authorize</title></head>
            <body>
            <h1>Allow \(htmlEscape(configuration.clientID)) to read your data?</h1>
            <p>Requested access: \(htmlEscape(scope))</p>
            <form method="get" action="/oauth2_user/authorize2">
            \(hidden)<label>Account <select name="userid">
            \(options)</select></label>
            <button type="submit" name="decision" value="allow">Allow</button>
            <button type="submit" name="decision" value="deny">Deny</button>
            </form>
            </body></html>

            """
        return HTTPResponse(status: 200, contentType: "text/html; charset=utf-8", body: html)
    }
}

func htmlEscape(_ text: String) -> String {
    var out = ""
    out.reserveCapacity(text.utf8.count)
    for character in text {
        switch character {
        case "&": out += "&amp;"
        case "<": out += "&lt;"
        case ">": out += "&gt;"
        case "\"": out += "&quot;"
        case "'": out += "&#39;"
        default: out.append(character)
        }
    }
    return out
}
