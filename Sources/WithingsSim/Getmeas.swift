import HTTP1
import JSON

/// The filters of one getmeas call.
struct GetmeasFilter: Sendable, Equatable {
    /// Only groups with one of these types, and only those measures; nil = all.
    var types: Set<Int>?
    var category = 1
    var startDate: Int64?
    var endDate: Int64?
    var lastUpdate: Int64?
    var offset = 0

    /// Parses getmeas parameters; the error names the bad parameter.
    init(_ params: RequestParameters) throws(GetmeasParameterError) {
        var types: Set<Int> = []
        var typed = false
        if let single = params["meastype"] {
            guard let code = parseInteger(single), code > 0, code < 100_000 else { throw .init(name: "meastype") }
            types.insert(Int(code))
            typed = true
        }
        if let list = params["meastypes"] {
            for item in list.split(separator: ",", omittingEmptySubsequences: false) {
                guard let code = parseInteger(String(item)), code > 0, code < 100_000 else {
                    throw .init(name: "meastypes")
                }
                types.insert(Int(code))
            }
            typed = true
        }
        self.types = typed ? types : nil
        if let text = params["category"] {
            guard let value = parseInteger(text), value == 1 || value == 2 else { throw .init(name: "category") }
            category = Int(value)
        }
        startDate = try Self.date(params, "startdate")
        endDate = try Self.date(params, "enddate")
        lastUpdate = try Self.date(params, "lastupdate")
        if let text = params["offset"] {
            guard let value = parseInteger(text), value >= 0, value <= Int64(Int32.max) else {
                throw .init(name: "offset")
            }
            offset = Int(value)
        }
    }

    private static func date(_ params: RequestParameters, _ name: String) throws(GetmeasParameterError) -> Int64? {
        guard let text = params[name] else { return nil }
        guard let value = parseInteger(text), value >= 0 else { throw .init(name: name) }
        return value
    }

    /// Whether a group passes every filter except the type filter's measure trimming.
    /// `lastupdate` and the date window combine (narrowing), as upstream does.
    func matches(_ group: MeasureGroupRecord) -> Bool {
        guard group.category == category else { return false }
        if let startDate, group.date < startDate { return false }
        if let endDate, group.date > endDate { return false }
        if let lastUpdate, group.modified < lastUpdate { return false }
        if let types, !group.measures.contains(where: { types.contains($0.type) }) { return false }
        return true
    }
}

struct GetmeasParameterError: Error, Equatable {
    var name: String
}

/// `GET`/`POST /measure action=getmeas`.
extension WithingsSimulator {
    func measureEndpoint(_ request: HTTPRequest, params: RequestParameters, now: Int64) -> HTTPResponse {
        if OAuth1.isSigned(request, params: params) { return oauth1Getmeas(request, now: now) }
        guard params["action"] == "getmeas" else {
            return Envelope.failure(status: 2554, error: "Not implemented: unknown action")
        }
        // The legacy `access_token=` parameter is still honoured upstream.
        let token = request.bearerToken ?? params["access_token"]
        let dataParams = RequestParameters(params.pairs.filter { $0.name != "access_token" })
        if let limited = admit(argumentsKey: dataParams.argumentsKey(path: "/measure", credential: token), now: now) {
            return limited
        }
        let access = state.withLock { state -> AccessCheck in
            guard let token, var record = state.accessTokens[token], !record.revoked, now < record.expiresAt else {
                state.counters.invalidAccessTokensPresented += 1
                return .invalid
            }
            if !record.used {
                record.used = true
                state.accessTokens[token] = record
                // First use of a refreshed token retires the refresh token it replaced.
                if let predecessor = record.predecessor { state.refreshTokens[predecessor]?.dead = true }
            }
            let scopes = record.scope.split(separator: ",")
            return scopes.contains("user.metrics") ? .granted(record.userID) : .scopeMissing
        }
        switch access {
        case .invalid:
            return Envelope.failure(status: 401, error: Envelope.invalidAccessToken, emptyBody: true)
        case .scopeMissing:
            return Envelope.failure(status: 277, error: "Unauthorized: the user did not grant user.metrics")
        case .granted(let userID):
            return getmeasPage(userID: userID, params: dataParams, pageSize: configuration.pageSize, now: now)
        }
    }

    private enum AccessCheck {
        case invalid, scopeMissing
        case granted(String)
    }

    /// One page of a user's groups, newest first; `offset` is the index of
    /// the next group in the filtered list when `more` is 1.
    func getmeasPage(userID: String, params: RequestParameters, pageSize: Int, now: Int64) -> HTTPResponse {
        let filter: GetmeasFilter
        do {
            filter = try GetmeasFilter(params)
        } catch {
            return Envelope.invalidParams("invalid \(error.name)")
        }
        guard let index = userIndex(forID: userID) else {
            return Envelope.failure(status: 247, error: "Invalid userid")
        }
        let data = dataset(index: index)
        let pageSize = max(1, pageSize)
        var writer = JSONWriter(capacity: min(pageSize, 200) * 900 + 256)
        writer.beginObject()
        writer.field("status", 0)
        writer.key("body")
        writer.beginObject()
        writer.field("updatetime", now)
        writer.field("timezone", data.timezone)
        writer.key("measuregrps")
        writer.beginArray()
        var matched = 0
        var scratch: [UInt8] = []
        var written = 0
        var more = false
        for (position, group) in data.groups.enumerated() where filter.matches(group) {
            matched += 1
            if matched <= filter.offset { continue }
            if written == pageSize {
                more = true
                break
            }
            written += 1
            if let types = filter.types {
                scratch.removeAll(keepingCapacity: true)
                data.appendGroup(position, types: types, to: &scratch)
                writer.raw(scratch)
            } else {
                writer.raw(data.rendered[data.spans[position].whole])
            }
        }
        writer.endArray()
        writer.field("more", more ? 1 : 0)
        writer.field("offset", more ? filter.offset + written : 0)
        writer.endObject()
        writer.endObject()
        return Envelope.response(writer.bytes)
    }
}
