/// The parameters of one getmeas call.
public struct GetmeasQuery: Sendable, Equatable {
    /// Empty = every type; one → `meastype`, several → `meastypes`.
    public var meastypes: [Int]
    /// 1 real measures, 2 user objectives.
    public var category: Int
    public var startDate: Int64?
    public var endDate: Int64?
    /// Groups created or modified since; when set, `startDate`/`endDate` are not
    /// sent (Withings silently narrows the answer when both are given).
    public var lastUpdate: Int64?
    /// The `offset` of the previous page when it had `more`.
    public var offset: Int?

    public init(
        meastypes: [Int] = [], category: Int = 1, startDate: Int64? = nil, endDate: Int64? = nil,
        lastUpdate: Int64? = nil, offset: Int? = nil
    ) {
        self.meastypes = meastypes
        self.category = category
        self.startDate = startDate
        self.endDate = endDate
        self.lastUpdate = lastUpdate
        self.offset = offset
    }
}
