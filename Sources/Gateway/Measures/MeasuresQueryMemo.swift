import Synchronization

/// Accepted queries of `GET /users/{user_id}/measures` by their raw, still
/// percent-encoded text. Decoding and validating a query is a pure function
/// of that text, so a repeated query (clients poll the same URL) skips the
/// percent-decoding, validation and canonical-key building that dominated a
/// cache hit. Refused queries are never kept: they are parsed again, so
/// their 400 answers stay exactly what the full path gives. The cursor is
/// kept unverified, as `MeasuresQuery.parse` leaves it; the caller still
/// checks its signature on every request.
final class MeasuresQueryMemo: Sendable {
    struct Entry: Sendable, Equatable {
        var query: MeasuresQuery
        var canonicalKey: String
    }

    /// Longer queries are parsed every time: keeps the memo's memory small
    /// whatever clients send.
    static let maxRawQueryLength = 512

    private let capacity: Int
    private let entries = Mutex<[String: Entry]>([:])

    init(capacity: Int = 256) {
        precondition(capacity > 0, "the memo needs room for one query")
        self.capacity = capacity
    }

    func entry(forRawQuery rawQuery: String) -> Entry? {
        guard rawQuery.utf8.count <= Self.maxRawQueryLength else { return nil }
        return entries.withLock { $0[rawQuery] }
    }

    func remember(_ entry: Entry, forRawQuery rawQuery: String) {
        guard rawQuery.utf8.count <= Self.maxRawQueryLength else { return }
        entries.withLock { entries in
            // Cheapest bound: start over when full; the working set refills in one request each.
            if entries.count >= capacity && entries[rawQuery] == nil { entries.removeAll(keepingCapacity: true) }
            entries[rawQuery] = entry
        }
    }

    var count: Int { entries.withLock { $0.count } }
}
