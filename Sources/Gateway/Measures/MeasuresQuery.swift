import HTTP1
import WithingsAPI

/// `category` of `GET /users/{id}/measures`.
public enum MeasureCategory: String, Sendable, Equatable {
    case real, goal

    /// Withings' `category` code.
    public var withingsCode: Int {
        switch self {
        case .real: 1
        case .goal: 2
        }
    }
}

/// A query parameter the gateway refuses: answered `400` with `detail`
/// naming `parameter` (DESIGN.md, Errors). The text never echoes more than
/// the parameter's name, so nothing a client sent is reflected back.
public struct MeasuresQueryError: Error, Sendable, Equatable {
    public var parameter: String
    /// Why, without the parameter's name: `GatewayProblem.invalidParameterResponse`
    /// prefixes it ("types: has an empty entry").
    public var detail: String

    public init(parameter: String, detail: String) {
        self.parameter = parameter
        self.detail = detail
    }

    /// The 400 `invalid-parameter` problem answer.
    public var response: HTTPResponse { GatewayProblem.invalidParameterResponse(parameter, detail) }
}

/// The validated query of `GET /users/{user_id}/measures`.
public struct MeasuresQuery: Sendable, Equatable {
    /// Withings codes, distinct, in the order asked; empty = every type.
    public var types: [Int]
    /// Measure-date window (Unix seconds), either bound optional.
    public var start: Int64?
    public var end: Int64?
    /// Withings `lastupdate`.
    public var updatedSince: Int64?
    public var category: MeasureCategory
    /// The opaque `cursor`, unverified (the caller checks its signature).
    public var cursor: String?

    public init(
        types: [Int] = [], start: Int64? = nil, end: Int64? = nil, updatedSince: Int64? = nil,
        category: MeasureCategory = .real, cursor: String? = nil
    ) {
        self.types = types
        self.start = start
        self.end = end
        self.updatedSince = updatedSince
        self.category = category
        self.cursor = cursor
    }

    /// Caps that keep one request's work and its cache key small.
    public static let maxTypes = 64
    public static let maxCursorLength = 1024

    /// The parameters this route knows; others are ignored.
    public static let parameterNames: Set<String> = ["types", "start", "end", "updated_since", "category", "cursor"]

    /// Validates decoded query items (`HTTPRequest.queryItems`; a query whose
    /// escapes do not decode is the caller's 400).
    public static func parse(_ items: [(name: String, value: String)]) -> Result<MeasuresQuery, MeasuresQueryError> {
        var seen: Set<String> = []
        var query = MeasuresQuery()
        for (name, value) in items where parameterNames.contains(name) {
            guard seen.insert(name).inserted else {
                return .failure(MeasuresQueryError(parameter: name, detail: "given more than once"))
            }
            let outcome: MeasuresQueryError?
            switch name {
            case "types": outcome = parseTypes(value).map { query.types = $0 }.failureValue
            case "start": outcome = parseTime(value, name: name).map { query.start = $0 }.failureValue
            case "end": outcome = parseTime(value, name: name).map { query.end = $0 }.failureValue
            case "updated_since": outcome = parseTime(value, name: name).map { query.updatedSince = $0 }.failureValue
            case "category":
                if let category = MeasureCategory(rawValue: value) {
                    query.category = category
                    outcome = nil
                } else {
                    outcome = MeasuresQueryError(parameter: name, detail: "must be `real` or `goal`")
                }
            default:  // "cursor"
                outcome =
                    isPlausibleCursor(value)
                    ? nil : MeasuresQueryError(parameter: name, detail: "not a cursor this gateway issued")
                query.cursor = value
            }
            if let outcome { return .failure(outcome) }
        }
        if let start = query.start, let end = query.end, end < start {
            return .failure(MeasuresQueryError(parameter: "end", detail: "is before `start`"))
        }
        return .success(query)
    }

    /// The upstream call for one page. With `updated_since`, Withings gets only
    /// `lastupdate` (it narrows silently when dates come too) and the date
    /// window is applied while translating (`MeasuresTranslation`).
    public func getmeasQuery(offset: Int?) -> GetmeasQuery {
        GetmeasQuery(
            meastypes: types, category: category.withingsCode,
            startDate: updatedSince == nil ? start : nil, endDate: updatedSince == nil ? end : nil,
            lastUpdate: updatedSince, offset: offset)
    }

    /// A canonical text of everything but the cursor: equal for queries that
    /// ask the same thing however they were spelled (names or codes, time
    /// formats, order of parameters or of types). For cache keys and for binding a cursor to its query.
    public var canonicalKey: String {
        // Sorted: the answer does not depend on the order the types were listed in.
        var key = "types=" + types.sorted().map(String.init).joined(separator: ",")
        key += "&start=" + (start.map(String.init) ?? "")
        key += "&end=" + (end.map(String.init) ?? "")
        key += "&updated_since=" + (updatedSince.map(String.init) ?? "")
        key += "&category=" + category.rawValue
        return key
    }

    // MARK: - Parameters

    private static func parseTypes(_ value: String) -> Result<[Int], MeasuresQueryError> {
        func failure(_ detail: String) -> Result<[Int], MeasuresQueryError> {
            .failure(MeasuresQueryError(parameter: "types", detail: detail))
        }
        var codes: [Int] = []
        for rawItem in value.split(separator: ",", omittingEmptySubsequences: false) {
            let item = rawItem.trimmingASCIISpaces().lowercasedASCII()
            guard !item.isEmpty else { return failure("has an empty entry") }
            let code: Int
            if item.utf8.allSatisfy({ $0 &- UInt8(ascii: "0") <= 9 }) {
                guard item.utf8.count <= 6, let number = Int(item), number > 0 else {
                    return failure("has a code out of range (1–999999)")
                }
                code = number
            } else if let type = MeasureTypes.byName(item) {
                code = type.code
            } else {
                return failure("has an unknown type name; use the names or codes of the measure type table")
            }
            if !codes.contains(code) { codes.append(code) }
            guard codes.count <= maxTypes else { return failure("lists more than \(maxTypes) types") }
        }
        return .success(codes)
    }

    private static func parseTime(_ value: String, name: String) -> Result<Int64, MeasuresQueryError> {
        if !value.isEmpty, value.utf8.count <= 12, value.utf8.allSatisfy({ $0 &- UInt8(ascii: "0") <= 9 }),
            let seconds = Int64(value), seconds <= RFC3339Time.maximumSeconds
        {
            return .success(seconds)
        }
        if let seconds = RFC3339Time.parse(value), seconds >= 0 {
            return .success(seconds)
        }
        return .failure(
            MeasuresQueryError(
                parameter: name,
                detail: "must be an RFC 3339 timestamp (2024-03-01T07:12:00Z) or Unix seconds, not before 1970"))
    }

    /// Cursors are base64url-ish tokens; anything else is refused before any crypto.
    private static func isPlausibleCursor(_ value: String) -> Bool {
        !value.isEmpty && value.utf8.count <= maxCursorLength
            && value.utf8.allSatisfy { $0 > 0x20 && $0 < 0x7F }
    }
}

extension Result {
    fileprivate var failureValue: Failure? {
        if case .failure(let error) = self { return error }
        return nil
    }
}

extension Substring {
    fileprivate func trimmingASCIISpaces() -> Substring {
        var text = self
        while text.first == " " { text = text.dropFirst() }
        while text.last == " " { text = text.dropLast() }
        return text
    }

    fileprivate func lowercasedASCII() -> String {
        String(decoding: utf8.map { $0 >= 0x41 && $0 <= 0x5A ? $0 | 0x20 : $0 }, as: UTF8.self)
    }
}
