import Crypto
import Glibc
import Logging
import Synchronization

/// Hands out usable Withings access tokens, refreshing them safely.
///
/// Withings rotates refresh tokens: a refresh returns a new pair and the old
/// refresh token dies once the new access token is used. So:
/// - at most one refresh per user runs at a time: in this process, callers
///   join the refresh in flight; across processes and replicas, the store's
///   refresh lease admits one, and the others wait and re-read the stored pair;
/// - the new pair is committed to the store before the new access token is
///   returned to anyone, so the stored pair always works, whenever a crash hits;
/// - a rejected refresh marks the user reauthorization-required; a transient
///   failure changes nothing stored.
///
/// A refresh runs in its own task: a caller that is cancelled (client gone)
/// does not abandon a rotation half-way.
public final class TokenLifecycle: Sendable {
    private typealias Refresh = @Sendable (_ refreshToken: String) async throws(RefreshFailure) -> TokenGrantLike
    private typealias Flight = Task<Result<String, TokenLifecycleError>, Never>

    /// What a refresh must achieve for the caller.
    private enum Goal: Sendable {
        /// A token that is not about to expire.
        case fresh
        /// A fresh token other than the one Withings just rejected.
        case replace(rejected: String)
    }

    private let store: any TokenStore
    private let refreshMargin: Int64
    private let now: @Sendable () -> Int64
    private let refresh: Refresh
    private let leaseOwner: String
    private let leaseTTL: Int64
    private let leaseWait: Duration
    private let leasePollInterval: Duration
    private let logger: Logger
    /// The refresh in flight per user, if any (the in-process single flight).
    private let flights = Mutex<[String: Flight]>([:])

    /// - Parameters:
    ///   - refreshMargin: refresh when fewer seconds than this remain (capped at
    ///     half the token's lifetime, so a short-lived token is not refreshed on every call).
    ///   - now: wall clock in epoch seconds.
    ///   - leaseTTL: seconds a cross-process refresh lease lasts; must exceed the
    ///     refresh call's own timeout, or a slow refresh could overlap another.
    ///   - leaseWait: how long to wait for another process's refresh before
    ///     giving up with a transient error.
    ///   - refresh: performs the upstream refresh and classifies its failure.
    public init(
        store: any TokenStore, refreshMargin: Int64 = 300, now: @escaping @Sendable () -> Int64,
        leaseTTL: Int64 = 60, leaseWait: Duration = .seconds(20), leasePollInterval: Duration = .milliseconds(100),
        logger: Logger = Logger(label: "withings-gateway.tokens", factory: { _ in SwiftLogNoOpLogHandler() }),
        refresh: @escaping @Sendable (_ refreshToken: String) async throws(RefreshFailure) -> TokenGrantLike
    ) {
        self.store = store
        self.refreshMargin = refreshMargin
        self.now = now
        self.refresh = refresh
        self.leaseOwner = "\(getpid())-\(ByteEncoding.hex(Digest.randomBytes(6)))"
        self.leaseTTL = leaseTTL
        self.leaseWait = leaseWait
        self.leasePollInterval = leasePollInterval
        self.logger = logger
    }

    /// A usable access token, refreshed first when it is about to expire.
    public func accessToken(for userID: String) async throws(TokenLifecycleError) -> String {
        let tokens = try await load(userID)
        if !needsRefresh(tokens) { return tokens.accessToken }
        return try await refreshOnce(userID: userID, goal: .fresh)
    }

    /// After Withings rejected `rejectedAccessToken` as invalid: a new token,
    /// refreshing unless someone already replaced the rejected one.
    public func refreshAfterRejection(userID: String, rejectedAccessToken: String) async throws(TokenLifecycleError) -> String {
        let tokens = try await load(userID)
        if tokens.accessToken != rejectedAccessToken {
            // Refreshed by someone else since the caller read it.
            if !needsRefresh(tokens) { return tokens.accessToken }
            return try await refreshOnce(userID: userID, goal: .fresh)
        }
        return try await refreshOnce(userID: userID, goal: .replace(rejected: rejectedAccessToken))
    }

    // MARK: In-process single flight

    /// Joins the user's refresh in flight or starts one.
    private func refreshOnce(userID: String, goal: Goal) async throws(TokenLifecycleError) -> String {
        // A joined flight may have been started for another goal and found the
        // rejected token still current; then start our own (bounded).
        for _ in 0..<3 {
            let (flight, started) = flights.withLock { flights -> (Flight, Bool) in
                if let existing = flights[userID] { return (existing, false) }
                let flight = Flight { [self] in
                    let result = await self.refreshAcrossProcesses(userID: userID, goal: goal)
                    // Leave only once the outcome is stored: a caller arriving
                    // after this reads the new pair from the store.
                    self.flights.withLock { _ = $0.removeValue(forKey: userID) }
                    return result
                }
                flights[userID] = flight
                return (flight, true)
            }
            let token = try await flight.value.get()
            if !started, case .replace(let rejected) = goal, token == rejected { continue }
            return token
        }
        throw .transient("the rejected access token is still the current one")
    }

    // MARK: Cross-process lease

    private func refreshAcrossProcesses(userID: String, goal: Goal) async -> Result<String, TokenLifecycleError> {
        let deadline = ContinuousClock.now.advanced(by: leaseWait)
        var loggedWait = false
        while true {
            let tokens: UserTokens
            do { tokens = try await load(userID) } catch { return .failure(error) }
            if isSatisfied(tokens, goal) { return .success(tokens.accessToken) }

            let acquired: Bool
            do {
                acquired = try await store.acquireRefreshLease(userID: userID, owner: leaseOwner, ttl: leaseTTL)
            } catch {
                return .failure(Self.storeFailure(error))
            }
            if acquired {
                let result = await refreshHoldingLease(userID: userID, goal: goal)
                do {
                    try await store.releaseRefreshLease(userID: userID, owner: leaseOwner)
                } catch {
                    // Harmless: the lease expires after leaseTTL.
                    logger.debug("refresh lease not released", metadata: event("token.lease.release_failed", userID))
                }
                return result
            }
            guard ContinuousClock.now < deadline else {
                logger.debug("gave up waiting for another instance's refresh", metadata: event("token.lease.wait_timeout", userID))
                return .failure(.transient("another gateway instance is refreshing this user's tokens"))
            }
            if !loggedWait {
                logger.debug("another instance is refreshing; waiting", metadata: event("token.lease.wait", userID))
                loggedWait = true
            }
            try? await Task.sleep(for: leasePollInterval)
        }
    }

    /// The refresh itself; the caller holds the lease.
    private func refreshHoldingLease(userID: String, goal: Goal) async -> Result<String, TokenLifecycleError> {
        // Re-read under the lease: another process may have committed a new
        // pair between our read and our lease. Refreshing with the stale
        // refresh token would present a dead one.
        let current: UserTokens
        do { current = try await load(userID) } catch { return .failure(error) }
        if isSatisfied(current, goal) { return .success(current.accessToken) }
        guard !current.refreshToken.isEmpty else {
            // OAuth 1.0a tokens cannot be refreshed: a rejection is final.
            return await markRejected(userID, reason: "no refresh token")
        }

        logger.debug("refreshing access token", metadata: event("token.refresh.start", userID))
        let grant: TokenGrantLike
        do {
            grant = try await refresh(current.refreshToken)
        } catch {
            switch error {
            case .rejected:
                return await markRejected(userID, reason: "refresh rejected by Withings")
            case .transient(let message):
                logger.debug("refresh failed, nothing changed", metadata: event("token.refresh.transient", userID))
                return .failure(.transient(message))
            case .timeout:
                logger.debug("refresh timed out, nothing changed", metadata: event("token.refresh.timeout", userID))
                return .failure(.timeout)
            case .rateLimited(let wait):
                logger.debug("refresh rate-limited, nothing changed", metadata: event("token.refresh.rate_limited", userID))
                return .failure(.rateLimited(wait))
            }
        }

        let at = now()
        let renewed = UserTokens(
            userID: userID, accessToken: grant.accessToken, refreshToken: grant.refreshToken,
            tokenSecret: current.tokenSecret, expiresAt: at + grant.expiresIn,
            scope: grant.scope.isEmpty ? current.scope : grant.scope, state: .active,
            createdAt: current.createdAt, updatedAt: at)
        do {
            // Commit first: until the new access token is used, Withings keeps
            // the old refresh token alive, so failing here loses nothing.
            try await store.save(renewed)
        } catch {
            logger.warning("refreshed tokens could not be stored; keeping the previous pair",
                           metadata: event("token.refresh.save_failed", userID))
            return .failure(.transient("could not store the refreshed tokens"))
        }
        logger.debug("access token refreshed", metadata: event("token.refresh.done", userID))
        return .success(grant.accessToken)
    }

    private func markRejected(_ userID: String, reason: String) async -> Result<String, TokenLifecycleError> {
        do {
            try await store.markReauthorizationRequired(userID)
            logger.notice("user must authorize again: \(reason)", metadata: event("token.refresh.rejected", userID))
        } catch {
            // The refresh token is dead either way; the next call will refresh,
            // be rejected again and retry the mark.
            logger.warning("refresh rejected but the user could not be marked",
                           metadata: event("token.refresh.mark_failed", userID))
        }
        return .failure(.reauthorizationRequired)
    }

    // MARK: Helpers

    private func load(_ userID: String) async throws(TokenLifecycleError) -> UserTokens {
        let stored: UserTokens?
        do {
            stored = try await store.tokens(for: userID)
        } catch {
            throw Self.storeFailure(error)
        }
        guard let stored else { throw .notConnected }
        guard stored.state == .active else { throw .reauthorizationRequired }
        return stored
    }

    private func needsRefresh(_ tokens: UserTokens) -> Bool {
        let remaining = tokens.expiresAt - now()
        let lifetime = tokens.expiresAt - tokens.updatedAt
        let margin = min(refreshMargin, max(lifetime / 2, 0))
        return remaining <= 0 || remaining < margin
    }

    private func isSatisfied(_ tokens: UserTokens, _ goal: Goal) -> Bool {
        switch goal {
        case .fresh: !needsRefresh(tokens)
        case .replace(let rejected): tokens.accessToken != rejected && !needsRefresh(tokens)
        }
    }

    private static func storeFailure(_ error: any Error) -> TokenLifecycleError {
        let text = "\(error)"
        return .transient(text.hasPrefix("token store") ? text : "token store: \(text)")
    }

    private func event(_ name: String, _ userID: String) -> Logger.Metadata {
        ["event": "\(name)", "user.id": "\(userID)"]
    }
}
