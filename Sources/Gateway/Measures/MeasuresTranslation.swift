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
        writer.field("user_id", userID)
        writer.key("measure_groups")
        writer.beginArray()
        for group in page.groups where filter.keepsDate(of: group) {
            writeGroup(group, pageTimezone: page.timezone, filter: filter, scratch: &scratch, into: &writer)
        }
        writer.endArray()
        writer.field("next_cursor", nextCursor)
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
        writer.field("id", group.id)
        writer.key("taken_at")
        writeTimestamp(group.date, scratch: &scratch, into: &writer)
        writer.key("modified_at")
        // A group never modified was last changed when stored (or, lacking both, when taken).
        writeTimestamp(group.modified ?? group.created ?? group.date, scratch: &scratch, into: &writer)
        writer.field("timezone", group.timezone ?? pageTimezone)
        writer.field("category", categoryName(group.category))
        writer.field("attribution", Attribution.name(group.attrib))
        writer.field("device_id", group.deviceID)
        writer.key("measures")
        writer.beginArray()
        for measure in group.measures where filter.keeps(measure) {
            let type = MeasureTypes.byCode(measure.type)
            writer.beginObject()
            writer.field("type", type.name)
            writer.field("code", measure.type)
            writer.key("value")
            scratch.removeAll(keepingCapacity: true)
            ExactDecimal.append(mantissa: measure.value, exponent: measure.unit, to: &scratch)
            writer.raw(scratch)
            writer.field("unit", type.unit)
            if MeasureTypes.segmentalCodes.contains(measure.type) {
                writer.field("position", measure.position.map(MeasurePositions.name))
            }
            writer.endObject()
        }
        writer.endArray()
        writer.endObject()
    }

    /// `"YYYY-MM-DDTHH:MM:SSZ"` written raw (it never needs escaping).
    private static func writeTimestamp(_ seconds: Int64, scratch: inout [UInt8], into writer: inout JSONWriter) {
        scratch.removeAll(keepingCapacity: true)
        scratch.append(UInt8(ascii: "\""))
        RFC3339Time.append(seconds, to: &scratch)
        scratch.append(UInt8(ascii: "\""))
        writer.raw(scratch)
    }

    static func categoryName(_ category: Int) -> String {
        switch category {
        case 1: return MeasureCategory.real.rawValue
        case 2: return MeasureCategory.goal.rawValue
        default: return "unknown_\(category)"
        }
    }
}

/// What the translation drops locally: measures of types not asked for, and
/// (only with `updated_since`, where Withings was not sent the window)
/// groups taken outside `start`…`end`.
struct GroupFilter {
    private let types: [Int]
    private let start: Int64?
    private let end: Int64?

    init(_ query: MeasuresQuery) {
        types = query.types
        let windowIsLocal = query.updatedSince != nil
        start = windowIsLocal ? query.start : nil
        end = windowIsLocal ? query.end : nil
    }

    var restrictsTypes: Bool { !types.isEmpty }

    @inline(__always)
    func keeps(_ measure: Measure) -> Bool {
        types.isEmpty || types.contains(measure.type)
    }

    func keepsDate(of group: MeasureGroup) -> Bool {
        if let start, group.date < start { return false }
        if let end, group.date > end { return false }
        return true
    }
}
