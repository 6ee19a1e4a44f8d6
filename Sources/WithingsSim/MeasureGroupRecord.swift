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

    /// The group object in the key order Withings uses, in three pieces so
    /// a type-filtered page can splice measures without re-rendering:
    /// `{…"measures":[`, one object per measure, and `],…}`.
    func renderPieces() -> (head: [UInt8], measures: [[UInt8]], tail: [UInt8]) {
        var head = JSONWriter(capacity: 256)
        head.beginObject()
        head.field("grpid", id)
        head.field("attrib", attrib)
        head.field("date", date)
        head.field("created", created)
        head.field("modified", modified)
        head.field("category", category)
        head.field("deviceid", device?.deviceID)
        head.field("hash_deviceid", device?.deviceID)
        if device != nil { head.field("brand", 1) }  // undocumented key seen in real answers
        head.key("measures")
        head.beginArray()
        var rendered: [[UInt8]] = []
        rendered.reserveCapacity(measures.count)
        for measure in measures {
            var writer = JSONWriter(capacity: 80)
            writer.beginObject()
            writer.field("value", measure.value)
            writer.field("type", measure.type)
            writer.field("unit", measure.unit)
            writer.field("algo", measure.algo)
            writer.field("fm", measure.fm)
            if let position = measure.position { writer.field("position", position) }
            writer.endObject()
            rendered.append(writer.bytes)
        }
        var tail = JSONWriter(capacity: 96)
        tail.endArray()
        tail.field("modelid", device?.modelID)
        tail.field("model", device?.model)
        if let timezone { tail.field("timezone", timezone) }
        tail.key("comment")
        tail.null()
        tail.endObject()
        return (head.bytes, rendered, tail.bytes)
    }
}

/// A user's whole synthetic history, newest group first, pre-rendered once:
/// an unfiltered page is a concatenation of group spans, a type-filtered one
/// a concatenation of head, matching measure and tail spans.
struct UserDataset: Sendable {
    struct Spans: Sendable {
        /// The whole group object.
        var whole: Range<Int>
        /// End of `{…"measures":[` and start of `],…}`.
        var headEnd: Int
        var tailStart: Int
        /// Index of the group's first measure in `measureSpans`.
        var firstMeasure: Int
    }

    let userID: String
    let timezone: String
    let groups: [MeasureGroupRecord]
    let rendered: [UInt8]
    let spans: [Spans]
    /// Every measure object's bytes, groups in order, measures in group order.
    let measureSpans: [Range<Int>]

    init(userID: String, timezone: String, groups: [MeasureGroupRecord]) {
        self.userID = userID
        self.timezone = timezone
        let sorted = groups.sorted { ($0.date, $0.id) > ($1.date, $1.id) }
        self.groups = sorted
        var bytes: [UInt8] = []
        bytes.reserveCapacity(sorted.count * 700)
        var spans: [Spans] = []
        spans.reserveCapacity(sorted.count)
        var measureSpans: [Range<Int>] = []
        for group in sorted {
            let pieces = group.renderPieces()
            let start = bytes.count
            bytes.append(contentsOf: pieces.head)
            let headEnd = bytes.count
            let firstMeasure = measureSpans.count
            for (index, measure) in pieces.measures.enumerated() {
                if index > 0 { bytes.append(UInt8(ascii: ",")) }
                let measureStart = bytes.count
                bytes.append(contentsOf: measure)
                measureSpans.append(measureStart..<bytes.count)
            }
            let tailStart = bytes.count
            bytes.append(contentsOf: pieces.tail)
            spans.append(Spans(whole: start..<bytes.count, headEnd: headEnd, tailStart: tailStart, firstMeasure: firstMeasure))
        }
        rendered = bytes
        self.spans = spans
        self.measureSpans = measureSpans
    }

    /// Appends group `index` with only the measures whose type is in `types`.
    func appendGroup(_ index: Int, types: Set<Int>, to out: inout [UInt8]) {
        let span = spans[index]
        out.append(contentsOf: rendered[span.whole.lowerBound..<span.headEnd])
        var first = true
        for (offset, measure) in groups[index].measures.enumerated() where types.contains(measure.type) {
            if !first { out.append(UInt8(ascii: ",")) }
            first = false
            out.append(contentsOf: rendered[measureSpans[span.firstMeasure + offset]])
        }
        out.append(contentsOf: rendered[span.tailStart..<span.whole.upperBound])
    }
}
