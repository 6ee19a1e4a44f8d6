/// The token answer of `v2/oauth2 action=requesttoken` (either grant).
public struct TokenGrant: Sendable, Equatable {
    /// Withings user id, always kept as text (the spec says integer, real answers and support articles say string).
    public var userID: String
    public var accessToken: String
    public var refreshToken: String
    public var expiresIn: Int64
    /// The scopes the user actually accepted, comma-separated.
    public var scope: String
    public var csrfToken: String?

    public init(
        userID: String, accessToken: String, refreshToken: String, expiresIn: Int64, scope: String,
        csrfToken: String? = nil
    ) {
        self.userID = userID
        self.accessToken = accessToken
        self.refreshToken = refreshToken
        self.expiresIn = expiresIn
        self.scope = scope
        self.csrfToken = csrfToken
    }
}

/// One measure of a group: the real value is `value × 10^unit`.
public struct Measure: Sendable, Equatable {
    public var value: Int64
    public var type: Int
    /// Power of ten (the exponent), not a physical unit.
    public var unit: Int
    public var algo: Int?
    public var fm: Int?
    /// Body segment or device position (segmental types 173–175); see `MeasurePositions`.
    public var position: Int?

    public init(value: Int64, type: Int, unit: Int, algo: Int? = nil, fm: Int? = nil, position: Int? = nil) {
        self.value = value
        self.type = type
        self.unit = unit
        self.algo = algo
        self.fm = fm
        self.position = position
    }
}

/// A `measuregrps[]` entry: measures taken together at one time by one device.
public struct MeasureGroup: Sendable, Equatable {
    public var id: Int64
    public var attrib: Int
    /// When the measure was taken (Unix seconds).
    public var date: Int64
    public var created: Int64?
    public var modified: Int64?
    /// 1 real measure, 2 user objective.
    public var category: Int
    public var deviceID: String?
    public var hashDeviceID: String?
    public var model: String?
    public var modelID: Int?
    /// The group's own IANA zone when Withings sends one.
    public var timezone: String?
    public var comment: String?
    public var measures: [Measure]

    public init(
        id: Int64, attrib: Int, date: Int64, created: Int64? = nil, modified: Int64? = nil, category: Int,
        deviceID: String? = nil, hashDeviceID: String? = nil, model: String? = nil, modelID: Int? = nil,
        timezone: String? = nil, comment: String? = nil, measures: [Measure]
    ) {
        self.id = id
        self.attrib = attrib
        self.date = date
        self.created = created
        self.modified = modified
        self.category = category
        self.deviceID = deviceID
        self.hashDeviceID = hashDeviceID
        self.model = model
        self.modelID = modelID
        self.timezone = timezone
        self.comment = comment
        self.measures = measures
    }
}

/// One getmeas answer. Pass `offset` back while `more` is set.
public struct GetmeasPage: Sendable, Equatable {
    public var groups: [MeasureGroup]
    public var more: Bool
    public var offset: Int
    /// The user's IANA zone (the answer's top-level `timezone`).
    public var timezone: String?
    public var updateTime: Int64?

    public init(groups: [MeasureGroup], more: Bool, offset: Int, timezone: String? = nil, updateTime: Int64? = nil) {
        self.groups = groups
        self.more = more
        self.offset = offset
        self.timezone = timezone
        self.updateTime = updateTime
    }
}
