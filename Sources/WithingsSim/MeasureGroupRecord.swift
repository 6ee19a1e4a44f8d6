import JSON

/// One device a synthetic user owns, as getmeas reports it.
struct SimDevice: Sendable {
    var deviceID: String
    var model: String
    var modelID: Int
}

/// One measure inside a group: `value × 10^unit` in the type's SI unit.
struct MeasureRecord: Sendable, Equatable {
    var type: Int
    var value: Int64
    var unit: Int
    var algo = 0
    var fm = 1
    /// Body segment or device position; only segmental types carry it.
    var position: Int? = nil
}

/// One getmeas measure group, stored once and rendered straight to JSON.
struct MeasureGroupRecord: Sendable {
    var id: Int64
    var attrib: Int
    var date: Int64
    var created: Int64
    var modified: Int64
    /// 1 = real measurement, 2 = user goal.
    var category: Int
    /// nil for manual entries, which Withings answers with null device fields.
    var device: SimDevice?
    /// The group's own zone when it differs from the user's (travel); nil = omitted.
    var timezone: String?
    var measures: [MeasureRecord]

    /// Appends the group object in the key order Withings uses, with only
    /// the measures `include` accepts.
    func write(into writer: inout JSONWriter, include: (Int) -> Bool = { _ in true }) {
        writer.beginObject()
        writer.field("grpid", id)
        writer.field("attrib", attrib)
        writer.field("date", date)
        writer.field("created", created)
        writer.field("modified", modified)
        writer.field("category", category)
        writer.field("deviceid", device?.deviceID)
        writer.field("hash_deviceid", device?.deviceID)
        if device != nil { writer.field("brand", 1) }  // undocumented key seen in real answers
        writer.key("measures")
        writer.beginArray()
        for measure in measures where include(measure.type) {
            writer.beginObject()
            writer.field("value", measure.value)
            writer.field("type", measure.type)
            writer.field("unit", measure.unit)
            writer.field("algo", measure.algo)
            writer.field("fm", measure.fm)
            if let position = measure.position { writer.field("position", position) }
            writer.endObject()
        }
        writer.endArray()
        writer.field("modelid", device?.modelID)
        writer.field("model", device?.model)
        if let timezone { writer.field("timezone", timezone) }
        writer.key("comment")
        writer.null()
        writer.endObject()
    }
}

/// A user's whole synthetic history, newest group first, with every group
/// pre-rendered so an unfiltered page is a concatenation of byte ranges.
struct UserDataset: Sendable {
    let userID: String
    let timezone: String
    let groups: [MeasureGroupRecord]
    let rendered: [UInt8]
    let spans: [Range<Int>]

    init(userID: String, timezone: String, groups: [MeasureGroupRecord]) {
        self.userID = userID
        self.timezone = timezone
        let sorted = groups.sorted { ($0.date, $0.id) > ($1.date, $1.id) }
        self.groups = sorted
        var bytes: [UInt8] = []
        bytes.reserveCapacity(sorted.count * 512)
        var spans: [Range<Int>] = []
        spans.reserveCapacity(sorted.count)
        for group in sorted {
            var writer = JSONWriter(capacity: 512)
            group.write(into: &writer)
            let start = bytes.count
            bytes.append(contentsOf: writer.bytes)
            spans.append(start..<bytes.count)
        }
        rendered = bytes
        self.spans = spans
    }
}
