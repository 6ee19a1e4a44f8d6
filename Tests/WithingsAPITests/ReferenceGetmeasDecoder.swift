import JSON
import WithingsAPI

/// The straightforward tree-based getmeas decoder (parse everything, then
/// look fields up), kept as the reference the streaming decoder is compared
/// against: same pages for the same answers, and a throw where it throws.
enum ReferenceGetmeasDecoder {
    /// A `measure action=getmeas` answer.
    static func getmeas(_ bytes: [UInt8]) throws(WithingsDecodeError) -> Result<GetmeasPage, WithingsFailure> {
        let body: JSONValue
        switch try WithingsDecoding.envelope(bytes) {
        case .failure(let failure): return .failure(failure)
        case .success(let value): body = value
        }
        var groups: [MeasureGroup] = []
        if let rawGroups = body["measuregrps"], !rawGroups.isNull {
            guard let list = rawGroups.array else { throw WithingsDecodeError("body.measuregrps is not an array") }
            groups.reserveCapacity(list.count)
            for (index, rawGroup) in list.enumerated() {
                groups.append(try group(rawGroup, index: index))
            }
        }
        let offset = body["offset"]?.lenientInt ?? 0
        guard offset >= 0 else { throw WithingsDecodeError("body.offset is negative") }
        return .success(
            GetmeasPage(
                groups: groups, more: body["more"]?.lenientBool ?? false, offset: offset,
                timezone: nonEmpty(body["timezone"]?.string), updateTime: body["updatetime"]?.lenientInt64))
    }

    // MARK: - Groups

    /// Exponents beyond this are not real measures and would make
    /// `ExactDecimal` write absurdly long numbers.
    static let maxUnitMagnitude = 64

    private static func group(_ raw: JSONValue, index: Int) throws(WithingsDecodeError) -> MeasureGroup {
        // Paths are built only on failure: this runs for every group of every page.
        var path: String { "body.measuregrps[\(index)]" }
        guard raw.object != nil else { throw WithingsDecodeError("\(path) is not an object") }
        guard let id = raw["grpid"]?.lenientInt64 else { throw missing("\(path).grpid") }
        guard let date = raw["date"]?.lenientInt64 else { throw missing("\(path).date") }
        var measures: [Measure] = []
        if let rawMeasures = raw["measures"], !rawMeasures.isNull {
            guard let list = rawMeasures.array else { throw WithingsDecodeError("\(path).measures is not an array") }
            measures.reserveCapacity(list.count)
            for (measureIndex, rawMeasure) in list.enumerated() {
                measures.append(try measure(rawMeasure, group: index, index: measureIndex))
            }
        }
        // `model` is a name in the spec but an integer in some answers; an
        // integer there is the model id.
        var model = raw["model"]?.string
        var modelID = raw["modelid"]?.lenientInt ?? raw["model_id"]?.lenientInt
        if model == nil, let numeric = raw["model"]?.int {
            modelID = modelID ?? numeric
            model = nil
        }
        // Absent attrib/category get the spec's common values; present but not an
        // integer is a broken answer, not something to guess about.
        let attrib = try intOrDefault(raw["attrib"], 0, field: { "\(path).attrib" })
        let category = try intOrDefault(raw["category"], 1, field: { "\(path).category" })
        return MeasureGroup(
            id: id, attrib: attrib, date: date,
            created: raw["created"]?.lenientInt64, modified: raw["modified"]?.lenientInt64,
            category: category,
            deviceID: nonEmpty(raw["deviceid"]?.lenientString),
            hashDeviceID: nonEmpty(raw["hash_deviceid"]?.lenientString),
            model: nonEmpty(model), modelID: modelID, timezone: nonEmpty(raw["timezone"]?.string),
            comment: nonEmpty(raw["comment"]?.string), measures: measures)
    }

    private static func measure(_ raw: JSONValue, group: Int, index: Int) throws(WithingsDecodeError) -> Measure {
        var path: String { "body.measuregrps[\(group)].measures[\(index)]" }
        guard raw.object != nil else { throw WithingsDecodeError("\(path) is not an object") }
        guard let value = raw["value"]?.lenientInt64 else { throw missing("\(path).value") }
        guard let type = raw["type"]?.lenientInt else { throw missing("\(path).type") }
        guard let unit = raw["unit"]?.lenientInt else { throw missing("\(path).unit") }
        guard (-maxUnitMagnitude...maxUnitMagnitude).contains(unit) else {
            throw WithingsDecodeError("\(path).unit out of range")
        }
        return Measure(
            value: value, type: type, unit: unit, algo: raw["algo"]?.lenientInt, fm: raw["fm"]?.lenientInt,
            position: raw["position"]?.lenientInt)
    }

    private static func intOrDefault(
        _ value: JSONValue?, _ fallback: Int, field: () -> String
    ) throws(WithingsDecodeError) -> Int {
        guard let value, !value.isNull else { return fallback }
        guard let number = value.lenientInt else { throw missing(field()) }
        return number
    }

    private static func missing(_ field: String) -> WithingsDecodeError {
        WithingsDecodeError("\(field) missing or malformed")
    }

    private static func nonEmpty(_ text: String?) -> String? {
        guard let text, !text.isEmpty else { return nil }
        return text
    }
}
