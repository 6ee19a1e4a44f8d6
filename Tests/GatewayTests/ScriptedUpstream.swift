import Gateway
import Synchronization
import WithingsAPI

/// A `WithingsUpstream` that answers from scripts and counts calls.
final class ScriptedUpstream: WithingsUpstream {
    struct Calls { var getmeas: [(token: String, offset: Int?)] = []; var exchange: [String] = []; var refresh: [String] = [] }

    let exchangeResult: Mutex<Result<TokenGrant, UpstreamError>>
    let getmeasResults: Mutex<[Result<GetmeasPage, UpstreamError>]>
    let calls = Mutex(Calls())
    /// When set, getmeas waits for it to open (to hold a call in flight).
    let gate: Gate?

    init(exchange: Result<TokenGrant, UpstreamError> = .failure(.timeout),
         getmeas: [Result<GetmeasPage, UpstreamError>] = [], gate: Gate? = nil) {
        exchangeResult = Mutex(exchange)
        getmeasResults = Mutex(getmeas)
        self.gate = gate
    }

    var getmeasCount: Int { calls.withLock { $0.getmeas.count } }

    func getmeas(accessToken: String, userID: String, query: GetmeasQuery) async -> Result<GetmeasPage, UpstreamError> {
        calls.withLock { $0.getmeas.append((accessToken, query.offset)) }
        if let gate { await gate.wait() }
        return getmeasResults.withLock { $0.isEmpty ? .failure(.unreachable("script exhausted")) : $0.removeFirst() }
    }

    func exchange(code: String) async -> Result<TokenGrant, UpstreamError> {
        calls.withLock { $0.exchange.append(code) }
        return exchangeResult.withLock { $0 }
    }

    func refresh(refreshToken: String) async -> Result<TokenGrant, UpstreamError> {
        calls.withLock { $0.refresh.append(refreshToken) }
        return .failure(.timeout)
    }
}
