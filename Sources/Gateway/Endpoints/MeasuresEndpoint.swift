import HTTP1
import Logging
import TokenStore
import WithingsAPI

/// `GET /users/{user_id}/measures`: authorization, query validation, then
/// the cheapest way to an answer: the cache, else a request already in
/// flight for the same (user, query, page), else one upstream call (with one
/// token refresh and retry when Withings rejects the token).
public final class MeasuresEndpoint: Sendable {
    /// A rendered page: what the cache holds and coalesced callers share.
    public struct Page: Sendable {
        public var body: [UInt8]
        public var etag: String
    }

    private let keys: KeyAuthenticator
    private let store: any TokenStore
    private let tokens: any AccessTokenSource
    private let upstream: any WithingsUpstream
    private let cursors: PageCursorCodec
    private let cache: ResponseCache<Page>
    private let parsedQueries = MeasuresQueryMemo()
    private let inFlight = SingleFlight<CacheKey, Result<Page, ProblemResponse>>()
    private let metrics: GatewayMetrics
    private let publicURL: String
    private let timeoutSeconds: Int

    public init(keys: KeyAuthenticator, store: any TokenStore, tokens: any AccessTokenSource,
                upstream: any WithingsUpstream, cursors: PageCursorCodec, cache: ResponseCache<Page>,
                metrics: GatewayMetrics, publicURL: String, timeoutSeconds: Int) {
        self.keys = keys
        self.store = store
        self.tokens = tokens
        self.upstream = upstream
        self.cursors = cursors
        self.cache = cache
        self.metrics = metrics
        self.publicURL = publicURL
        self.timeoutSeconds = timeoutSeconds
    }

    public func handle(_ request: HTTPRequest, userID: String, logger: Logger) async -> HTTPResponse {
        let scope: KeyScope?
        do {
            scope = try await keys.scope(authorization: request.headers["authorization"])
        } catch {
            logger.error("key lookup failed", metadata: ["error": "\(error)"])
            return GatewayProblem.make(GatewayProblem.internalError, detail: "The key store failed.").response()
        }
        // Existence is decided below (404) from the token lookup itself.
        switch AccessPolicy.decide(scope: scope, targetUser: userID, userIsConnected: true) {
        case .unauthenticated: return GatewayProblem.unauthorizedResponse()
        case .forbidden:
            return GatewayProblem.make(GatewayProblem.forbidden, detail: "This key may not read user \(userID).").response()
        case .allowed, .userNotFound: break
        }
        let query: MeasuresQuery
        let canonical: String
        if let known = parsedQueries.entry(forRawQuery: request.query) {
            query = known.query
            canonical = known.canonicalKey
        } else {
            guard let items = request.queryItems else {
                return GatewayProblem.invalidParameterResponse("query", "malformed percent-encoding")
            }
            switch MeasuresQuery.parse(items) {
            case .success(let parsed): query = parsed
            case .failure(let error): return error.response
            }
            canonical = query.canonicalKey
            parsedQueries.remember(.init(query: query, canonicalKey: canonical), forRawQuery: request.query)
        }
        let offset: Int?
        if let cursor = query.cursor {
            guard let decoded = cursors.decode(cursor, userID: userID, query: canonical) else {
                return GatewayProblem.invalidParameterResponse(
                    "cursor", "not a cursor of this query; pass next_cursor with the same other parameters")
            }
            offset = decoded
        } else {
            offset = nil
        }
        let key = CacheKey(userID: userID, query: canonical + "\u{0}" + (offset.map(String.init) ?? ""))
        let result: Result<Page, ProblemResponse>
        if let cached = cache.value(for: key) {
            metrics.recordCache(hit: true)
            result = .success(cached)
        } else {
            metrics.recordCache(hit: false)
            let (value, shared) = await inFlight.run(key) {
                await self.fetch(userID: userID, query: query, canonical: canonical, offset: offset, key: key,
                                 logger: logger)
            }
            if shared { metrics.recordCoalesced() }
            result = value
        }
        switch result {
        case .failure(let problem): return problem.response
        case .success(let page): return Self.respond(page, ifNoneMatch: request.headers["if-none-match"])
        }
    }

    static func respond(_ page: Page, ifNoneMatch: String?) -> HTTPResponse {
        var headers: HTTPHeaders = ["ETag": page.etag, "Cache-Control": "private, no-cache"]
        if EntityTag.ifNoneMatch(ifNoneMatch, matches: page.etag) {
            return HTTPResponse(status: 304, headers: headers)
        }
        headers.add("Content-Type", "application/json")
        return HTTPResponse(status: 200, headers: headers, body: page.body)
    }

    private func fetch(userID: String, query: MeasuresQuery, canonical: String, offset: Int?, key: CacheKey,
                       logger: Logger) async -> Result<Page, ProblemResponse> {
        let upstreamPage: GetmeasPage
        switch await getmeasWithOneRefresh(userID: userID, query: query.getmeasQuery(offset: offset), logger: logger) {
        case .failure(let problem): return .failure(problem)
        case .success(let page): upstreamPage = page
        }
        let nextCursor: String?
        switch MeasuresPaging.next(after: upstreamPage, requestedOffset: offset) {
        case .done: nextCursor = nil
        case .offset(let next): nextCursor = cursors.encode(offset: next, userID: userID, query: canonical)
        case .stalled:
            logger.warning("withings pagination did not advance", metadata: ["user_id": "\(userID)"])
            return .failure(ProblemResponse(GatewayProblem.make(
                GatewayProblem.upstreamInvalidResponse,
                detail: "Withings announced more data without advancing its offset.").response()))
        }
        let body = MeasuresTranslation.render(page: upstreamPage, userID: userID, query: query, nextCursor: nextCursor)
        let page = Page(body: body, etag: EntityTag.strong(for: body))
        cache.store(page, for: key)
        return .success(page)
    }

    /// getmeas; on an authentication-family answer, one refresh and one retry;
    /// if Withings still refuses, the user must authorize again (409).
    private func getmeasWithOneRefresh(userID: String, query: GetmeasQuery, logger: Logger) async
        -> Result<GetmeasPage, ProblemResponse>
    {
        var token: String
        do {
            token = try await tokens.accessToken(for: userID)
        } catch {
            return .failure(ProblemResponse(error.response(userID: userID, publicURL: publicURL,
                                                           timeoutSeconds: timeoutSeconds)))
        }
        for attempt in 0..<2 {
            let result = await upstream.getmeas(accessToken: token, userID: userID, query: query)
            switch result {
            case .success(let page):
                return .success(page)
            case .failure(let error):
                guard case .withings(let failure) = error, failure.family == .auth else {
                    logger.warning("withings getmeas failed", metadata: ["user_id": "\(userID)", "error": "\(error.logText)"])
                    return .failure(ProblemResponse(UpstreamProblems.response(for: error, timeoutSeconds: timeoutSeconds)))
                }
                guard attempt == 0 else { break }
                do {
                    token = try await tokens.refreshAfterRejection(userID: userID, rejectedAccessToken: token)
                } catch {
                    return .failure(ProblemResponse(error.response(userID: userID, publicURL: publicURL,
                                                                   timeoutSeconds: timeoutSeconds)))
                }
            }
        }
        // The freshly refreshed token was refused too: the authorization is gone.
        do {
            try await store.markReauthorizationRequired(userID)
        } catch {
            logger.error("could not mark user reauthorization-required", metadata: ["user_id": "\(userID)"])
        }
        logger.notice("withings refused a fresh token; reauthorization required", metadata: ["user_id": "\(userID)"])
        return .failure(ProblemResponse(GatewayProblem.reauthorizationRequiredResponse(userID: userID,
                                                                                       publicURL: publicURL)))
    }

    /// DELETE /users/{id} also drops the user's cached pages.
    public func forget(userID: String) { cache.removeAll(userID: userID) }
}

extension GatewayMetrics.UpstreamOutcome {
    init(_ error: UpstreamError) {
        switch error {
        case .withings(let failure):
            switch failure.family {
            case .ok: self = .ok
            case .auth: self = .auth
            case .invalidParams: self = .invalid_params
            case .unauthorized: self = .unauthorized
            case .notImplemented: self = .not_implemented
            case .timeout: self = .timeout
            case .rateLimited: self = .rate_limited
            case .badState, .other: self = .other
            }
        case .unreachable: self = .unreachable
        case .invalidResponse: self = .invalid_response
        case .timeout: self = .timeout
        case .budgetExhausted: self = .rate_limited
        }
    }
}
