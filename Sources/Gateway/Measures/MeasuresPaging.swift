import WithingsAPI

/// What follows a getmeas page, for the caller that signs cursors: the
/// cursor carries the upstream `offset` to ask for next.
public enum MeasuresPaging {
    public enum Next: Sendable, Equatable {
        /// Last page: `next_cursor` is null.
        case done
        /// More groups: ask Withings again with this `offset`.
        case offset(Int)
        /// Withings says `more` but its `offset` did not move past the one
        /// requested; following it would loop forever, so the caller stops (502).
        case stalled
    }

    /// - Parameter requestedOffset: the offset this page was asked with (nil = first page).
    public static func next(after page: GetmeasPage, requestedOffset: Int?) -> Next {
        guard page.more else { return .done }
        return page.offset > (requestedOffset ?? 0) ? .offset(page.offset) : .stalled
    }
}
