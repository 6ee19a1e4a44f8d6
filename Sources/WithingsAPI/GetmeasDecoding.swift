import JSON

extension WithingsDecoding {
    /// Exponents beyond this are not real measures and would make
    /// `ExactDecimal` write absurdly long numbers.
    static let maxUnitMagnitude = 64

    /// A `measure action=getmeas` answer.
    ///
    /// Read in one streaming pass (`JSONReader`): a 200-group page is mapped
    /// straight into `MeasureGroup`s without building a tree first. The rules
    /// are the envelope's (`envelope`): first occurrence of a key wins, a
    /// malformed success body throws, a failure status returns `.failure`
    /// whatever its body looks like.
    public static func getmeas(_ bytes: [UInt8]) throws(WithingsDecodeError) -> Result<GetmeasPage, WithingsFailure> {
        var envelope = EnvelopeFields()
        do {
            try JSONParser.read(bytes) { reader throws(JSONError) in
                guard reader.nextKind == .object else { return }
                envelope.isObject = true
                try reader.forEachMember { reader, key throws(JSONError) in
                    switch key {
                    case "status" where envelope.status == nil:
                        envelope.status = try reader.readValue()
                    case "error" where envelope.error == nil:
                        envelope.error = try reader.readValue()
                    case "body" where !envelope.body.seen:
                        try readBody(&reader, into: &envelope.body)
                    default:
                        break
                    }
                }
            }
        } catch {
            throw WithingsDecodeError("not JSON (\(error.kind))")
        }
        guard envelope.isObject else { throw WithingsDecodeError("not a JSON object") }
        guard let rawStatus = envelope.status else { throw missing("status") }
        guard let status = rawStatus.int else { throw WithingsDecodeError("status is not an integer") }
        let body = envelope.body
        guard status == 0 else {
            return .failure(
                WithingsFailure(
                    status: status, waitSeconds: body.waitSeconds?.lenientInt, message: envelope.error?.string))
        }
        if body.seen, !body.isObject { throw WithingsDecodeError("body is not an object") }
        if let problem = body.problem { throw problem }
        let offset = body.offset?.lenientInt ?? 0
        guard offset >= 0 else { throw WithingsDecodeError("body.offset is negative") }
        return .success(
            GetmeasPage(
                groups: body.groups, more: body.more?.lenientBool ?? false, offset: offset,
                timezone: nonEmpty(body.timezone?.string), updateTime: body.updateTime?.lenientInt64))
    }

    // MARK: - Streaming pieces

    /// Top-level members, first occurrence of each.
    private struct EnvelopeFields {
        var isObject = false
        var status: JSONValue?
        var error: JSONValue?
        var body = BodyFields()
    }

    private struct BodyFields {
        var seen = false
        var isObject = false
        var groupsSeen = false
        var groups: [MeasureGroup] = []
        var more: JSONValue?
        var offset: JSONValue?
        var timezone: JSONValue?
        var updateTime: JSONValue?
        var waitSeconds: JSONValue?
        /// The first reason the body is not a valid page; only thrown for status 0.
        var problem: WithingsDecodeError?
    }

    /// Members of one group; `measures` already decoded.
    private struct GroupFields {
        var isObject = false
        var grpid, date, attrib, created, modified, category: JSONValue?
        var deviceID, hashDeviceID, model, modelid, modelIDUnderscored, timezone, comment: JSONValue?
        var measuresSeen = false
        var measures: [Measure] = []
        var problem: WithingsDecodeError?
    }

    private static func readBody(_ reader: inout JSONReader, into body: inout BodyFields) throws(JSONError) {
        body.seen = true
        guard reader.nextKind == .object else { return }
        body.isObject = true
        try reader.forEachMember { reader, key throws(JSONError) in
            switch key {
            case "measuregrps" where !body.groupsSeen:
                body.groupsSeen = true
                switch reader.nextKind {
                case .null:
                    break
                case .array:
                    try reader.forEachElement { reader throws(JSONError) in
                        let index = body.groups.count
                        switch try readGroup(&reader, index: index) {
                        case .success(let group): body.groups.append(group)
                        case .failure(let problem):
                            body.problem = body.problem ?? problem
                            // Keep indices of later groups right in messages.
                            body.groups.append(MeasureGroup(id: 0, attrib: 0, date: 0, category: 0, measures: []))
                        }
                    }
                case .object, .string, .number, .bool, nil:
                    body.problem = body.problem ?? WithingsDecodeError("body.measuregrps is not an array")
                }
            case "more" where body.more == nil: body.more = try reader.readValue()
            case "offset" where body.offset == nil: body.offset = try reader.readValue()
            case "timezone" where body.timezone == nil: body.timezone = try reader.readValue()
            case "updatetime" where body.updateTime == nil: body.updateTime = try reader.readValue()
            case "wait_seconds" where body.waitSeconds == nil: body.waitSeconds = try reader.readValue()
            default: break
            }
        }
    }

    private static func readGroup(
        _ reader: inout JSONReader, index: Int
    ) throws(JSONError) -> Result<MeasureGroup, WithingsDecodeError> {
        var fields = GroupFields()
        if reader.nextKind == .object {
            fields.isObject = true
            try reader.forEachMember { reader, key throws(JSONError) in
                switch key {
                case "measures" where !fields.measuresSeen:
                    fields.measuresSeen = true
                    try readMeasures(&reader, group: index, into: &fields)
                case "grpid" where fields.grpid == nil: fields.grpid = try reader.readValue()
                case "date" where fields.date == nil: fields.date = try reader.readValue()
                case "attrib" where fields.attrib == nil: fields.attrib = try reader.readValue()
                case "created" where fields.created == nil: fields.created = try reader.readValue()
                case "modified" where fields.modified == nil: fields.modified = try reader.readValue()
                case "category" where fields.category == nil: fields.category = try reader.readValue()
                case "deviceid" where fields.deviceID == nil: fields.deviceID = try reader.readValue()
                case "hash_deviceid" where fields.hashDeviceID == nil: fields.hashDeviceID = try reader.readValue()
                case "model" where fields.model == nil: fields.model = try reader.readValue()
                case "modelid" where fields.modelid == nil: fields.modelid = try reader.readValue()
                case "model_id" where fields.modelIDUnderscored == nil:
                    fields.modelIDUnderscored = try reader.readValue()
                case "timezone" where fields.timezone == nil: fields.timezone = try reader.readValue()
                case "comment" where fields.comment == nil: fields.comment = try reader.readValue()
                default: break
                }
            }
        }
        do throws(WithingsDecodeError) {
            return .success(try group(fields, index: index))
        } catch {
            return .failure(error)
        }
    }

    private static func readMeasures(
        _ reader: inout JSONReader, group: Int, into fields: inout GroupFields
    ) throws(JSONError) {
        switch reader.nextKind {
        case .null:
            return
        case .array:
            try reader.forEachElement { reader throws(JSONError) in
                let index = fields.measures.count
                var measure = MeasureFields()
                if reader.nextKind == .object {
                    measure.isObject = true
                    try reader.forEachMember { reader, key throws(JSONError) in
                        switch key {
                        case "value" where measure.value == nil: measure.value = try reader.readValue()
                        case "type" where measure.type == nil: measure.type = try reader.readValue()
                        case "unit" where measure.unit == nil: measure.unit = try reader.readValue()
                        case "algo" where measure.algo == nil: measure.algo = try reader.readValue()
                        case "fm" where measure.fm == nil: measure.fm = try reader.readValue()
                        case "position" where measure.position == nil: measure.position = try reader.readValue()
                        default: break
                        }
                    }
                }
                do throws(WithingsDecodeError) {
                    fields.measures.append(try self.measure(measure, group: group, index: index))
                } catch {
                    fields.problem = fields.problem ?? error
                    fields.measures.append(Measure(value: 0, type: 0, unit: 0))
                }
            }
        case .object, .string, .number, .bool, nil:
            fields.problem =
                fields.problem ?? WithingsDecodeError("body.measuregrps[\(group)].measures is not an array")
        }
    }

    private struct MeasureFields {
        var isObject = false
        var value, type, unit, algo, fm, position: JSONValue?
    }

    // MARK: - Validation (shared rules for each group and measure)

    private static func group(_ raw: GroupFields, index: Int) throws(WithingsDecodeError) -> MeasureGroup {
        // Paths are built only on failure: this runs for every group of every page.
        var path: String { "body.measuregrps[\(index)]" }
        guard raw.isObject else { throw WithingsDecodeError("\(path) is not an object") }
        guard let id = raw.grpid?.lenientInt64 else { throw missing("\(path).grpid") }
        guard let date = raw.date?.lenientInt64 else { throw missing("\(path).date") }
        if let problem = raw.problem { throw problem }
        // `model` is a name in the spec but an integer in some answers; an
        // integer there is the model id.
        var model = raw.model?.string
        var modelID = raw.modelid?.lenientInt ?? raw.modelIDUnderscored?.lenientInt
        if model == nil, let numeric = raw.model?.int {
            modelID = modelID ?? numeric
            model = nil
        }
        // Absent attrib/category get the spec's common values; present but not an
        // integer is a broken answer, not something to guess about.
        let attrib = try intOrDefault(raw.attrib, 0, field: { "\(path).attrib" })
        let category = try intOrDefault(raw.category, 1, field: { "\(path).category" })
        return MeasureGroup(
            id: id, attrib: attrib, date: date, created: raw.created?.lenientInt64,
            modified: raw.modified?.lenientInt64, category: category,
            deviceID: nonEmpty(raw.deviceID?.lenientString), hashDeviceID: nonEmpty(raw.hashDeviceID?.lenientString),
            model: nonEmpty(model), modelID: modelID, timezone: nonEmpty(raw.timezone?.string),
            comment: nonEmpty(raw.comment?.string), measures: raw.measures)
    }

    private static func measure(_ raw: MeasureFields, group: Int, index: Int) throws(WithingsDecodeError) -> Measure {
        var path: String { "body.measuregrps[\(group)].measures[\(index)]" }
        guard raw.isObject else { throw WithingsDecodeError("\(path) is not an object") }
        guard let value = raw.value?.lenientInt64 else { throw missing("\(path).value") }
        guard let type = raw.type?.lenientInt else { throw missing("\(path).type") }
        guard let unit = raw.unit?.lenientInt else { throw missing("\(path).unit") }
        guard (-maxUnitMagnitude...maxUnitMagnitude).contains(unit) else {
            throw WithingsDecodeError("\(path).unit out of range")
        }
        return Measure(
            value: value, type: type, unit: unit, algo: raw.algo?.lenientInt, fm: raw.fm?.lenientInt,
            position: raw.position?.lenientInt)
    }
}
