import JSON

/// What the simulator has seen, so tests can assert "exactly one refresh"
/// or "no dead refresh token was ever presented".
public struct SimulatorCounters: Sendable, Equatable {
    /// API calls received, by action (`getmeas`, `requesttoken`, `getnonce`,
    /// `oauth1_request_token`, `oauth1_access_token`, …), faulted or not.
    public var callsByAction: [String: Int] = [:]
    /// Successful authorization-code exchanges.
    public var codeExchanges = 0
    /// Successful refreshes, in all and per user id.
    public var refreshes = 0
    public var refreshesByUser: [String: Int] = [:]
    /// Refresh tokens presented after they died (or never existed), in all and per user id.
    public var deadRefreshTokensPresented = 0
    public var deadRefreshTokensByUser: [String: Int] = [:]
    /// Data calls refused for an expired, invalidated or unknown access token.
    public var invalidAccessTokensPresented = 0
    /// Signed requests whose signature, timestamp or nonce failed verification.
    public var signatureFailures = 0
    /// Answers with status 601.
    public var rateLimited = 0
    /// Answers replaced or damaged by a fault from the control interface.
    public var faultsInjected = 0

    public init() {}

    public func calls(_ action: String) -> Int { callsByAction[action, default: 0] }

    /// The counters as one JSON object, maps with sorted keys.
    public func json() -> [UInt8] {
        var writer = JSONWriter(capacity: 512)
        writer.beginObject()
        writer.key("calls_by_action")
        Self.write(callsByAction, into: &writer)
        writer.field("code_exchanges", codeExchanges)
        writer.field("refreshes", refreshes)
        writer.key("refreshes_by_user")
        Self.write(refreshesByUser, into: &writer)
        writer.field("dead_refresh_tokens_presented", deadRefreshTokensPresented)
        writer.key("dead_refresh_tokens_by_user")
        Self.write(deadRefreshTokensByUser, into: &writer)
        writer.field("invalid_access_tokens_presented", invalidAccessTokensPresented)
        writer.field("signature_failures", signatureFailures)
        writer.field("rate_limited", rateLimited)
        writer.field("faults_injected", faultsInjected)
        writer.endObject()
        return writer.bytes
    }

    private static func write(_ map: [String: Int], into writer: inout JSONWriter) {
        writer.beginObject()
        for key in map.keys.sorted() { writer.field(key, map[key]) }
        writer.endObject()
    }
}
