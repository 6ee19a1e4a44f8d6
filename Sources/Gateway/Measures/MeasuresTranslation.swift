import JSON
import WithingsAPI

/// Turns one getmeas page into the public JSON of `GET /users/{id}/measures`
/// (DESIGN.md, "Reading data"). Pure and allocation-light: values are written
/// from the integer mantissa (never a `Double`), timestamps by calendar
/// arithmetic, straight into one byte buffer.
public enum MeasuresTranslation {
    /// The response body. `nextCursor` is the caller's signed cursor for the
    /// following page (see `MeasuresPaging`), or nil on the last page.
    public static func render(page: GetmeasPage, userID: String, query: MeasuresQuery, nextCursor: String?) -> [UInt8] {
        var writer = JSONWriter(capacity: 256 + page.groups.count * 320)
        var scratch: [UInt8] = []
        scratch.reserveCapacity(32)
        let filter = GroupFilter(query)

        writer.beginObject()
        writer.key(Keys.userID)
        writer.string(userID)
        writer.key(Keys.measureGroups)
        writer.beginArray()
        for group in page.groups where filter.keeps(group) {
            writeGroup(group, pageTimezone: page.timezone, filter: filter, scratch: &scratch, into: &writer)
        }
        writer.endArray()
        writer.key(Keys.nextCursor)
        if let nextCursor { writer.string(nextCursor) } else { writer.null() }
        writer.endObject()
        return writer.bytes
    }

    private static func writeGroup(
        _ group: MeasureGroup, pageTimezone: String?, filter: GroupFilter, scratch: inout [UInt8],
        into writer: inout JSONWriter
    ) {
        // Asked for some types: a group with none of them left is not part of the answer.
        if filter.restrictsTypes, !group.measures.contains(where: { filter.keeps($0) }) { return }

        writer.beginObject()
        writer.key(Keys.id)
        writer.int(group.id)
        writer.key(Keys.takenAt)
        writeTimestamp(group.date, scratch: &scratch, into: &writer)
        writer.key(Keys.modifiedAt)
        // A group never modified was last changed when stored (or, lacking both, when taken).
        writeTimestamp(group.modified ?? group.created ?? group.date, scratch: &scratch, into: &writer)
        writeOptional(Keys.timezone, group.timezone ?? pageTimezone, into: &writer)
        writer.key(Keys.category)
        writer.string(filter.categoryName)
        writer.key(Keys.attribution)
        writer.string(Attribution.name(group.attrib))
        writeOptional(Keys.deviceID, group.deviceID, into: &writer)
        writer.key(Keys.measures)
        writer.beginArray()
        for measure in group.measures where filter.keeps(measure) {
            let type = MeasureTypes.byCode(measure.type)
            writer.beginObject()
            writer.key(Keys.type)
            writer.string(type.name)
            writer.key(Keys.code)
            writer.int(measure.type)
            writer.key(Keys.value)
            scratch.removeAll(keepingCapacity: true)
            ExactDecimal.append(mantissa: measure.value, exponent: measure.unit, to: &scratch)
            writer.raw(scratch)
            writeOptional(Keys.unit, type.unit, into: &writer)
            // Only segmental measures carry a body part; absent when Withings gave none.
            if MeasureTypes.segmentalCodes.contains(measure.type), let position = measure.position {
                writer.key(Keys.position)
                writer.string(MeasurePositions.name(position))
            }
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
    }

    private static func writeOptional(_ key: JSONWriter.Key, _ value: String?, into writer: inout JSONWriter) {
        writer.key(key)
        if let value { writer.string(value) } else { writer.null() }
    }

    /// The public field names, quoted once.
    private enum Keys {
        static let userID = JSONWriter.Key("user_id")
        static let measureGroups = JSONWriter.Key("measure_groups")
        static let nextCursor = JSONWriter.Key("next_cursor")
        static let id = JSONWriter.Key("id")
        static let takenAt = JSONWriter.Key("taken_at")
        static let modifiedAt = JSONWriter.Key("modified_at")
        static let timezone = JSONWriter.Key("timezone")
        static let category = JSONWriter.Key("category")
        static let attribution = JSONWriter.Key("attribution")
        static let deviceID = JSONWriter.Key("device_id")
        static let measures = JSONWriter.Key("measures")
        static let type = JSONWriter.Key("type")
        static let code = JSONWriter.Key("code")
        static let value = JSONWriter.Key("value")
        static let unit = JSONWriter.Key("unit")
        static let position = JSONWriter.Key("position")
    }

    /// `"YYYY-MM-DDTHH:MM:SSZ"` written raw (it never needs escaping).
    private static func writeTimestamp(_ seconds: Int64, scratch: inout [UInt8], into writer: inout JSONWriter) {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(UInt8(ascii: "\""))
        RFC3339Time.append(seconds, to: &scratch)
        scratch.append(UInt8(ascii: "\""))
        writer.raw(scratch)
    }
}

/// What the translation drops locally: groups of another category than the
/// one asked for, measures of types not asked for, and (only with
/// `updated_since`, where Withings was not sent the window) groups taken
/// outside `start`…`end`. Withings filters the same way; this makes the
/// answer exact whatever it sends.
struct GroupFilter {
    private let types: [Int]
    private let start: Int64?
    private let end: Int64?
    private let category: Int
    /// The public name of the one category every kept group has.
    let categoryName: String

    init(_ query: MeasuresQuery) {
        types = query.types
        category = query.category.withingsCode
        categoryName = query.category.rawValue
        let windowIsLocal = query.updatedSince != nil
        start = windowIsLocal ? query.start : nil
        end = windowIsLocal ? query.end : nil
    }

    var restrictsTypes: Bool { !types.isEmpty }

    @inline(__always)
    func keeps(_ measure: Measure) -> Bool {
        types.isEmpty || types.contains(measure.type)
    }

    func keeps(_ group: MeasureGroup) -> Bool {
        guard group.category == category else { return false }
        if let start, group.date < start { return false }
        if let end, group.date > end { return false }
        return true
    }
}
