import Foundation
import JSON

/// DESIGN.md's translation rules written out independently of the
/// product's code, to check its answers against the simulator's raw data.
enum MeasuresOracle {
    /// code -> (type, unit) from DESIGN.md's table.
    static let types: [Int: (String, String?)] = [
        1: ("weight", "kg"), 4: ("height", "m"), 5: ("fat_free_mass", "kg"), 6: ("fat_ratio", "%"),
        8: ("fat_mass", "kg"), 9: ("diastolic_blood_pressure", "mmHg"), 10: ("systolic_blood_pressure", "mmHg"),
        11: ("heart_pulse", "bpm"), 12: ("temperature", "°C"), 54: ("spo2", "%"), 71: ("body_temperature", "°C"),
        73: ("skin_temperature", "°C"), 76: ("muscle_mass", "kg"), 77: ("hydration", "kg"), 88: ("bone_mass", "kg"),
        91: ("pulse_wave_velocity", "m/s"), 123: ("vo2_max", "ml/min/kg"), 226: ("basal_metabolic_rate", "kcal/day"),
        227: ("metabolic_age", "years"), 130: ("afib_ecg", nil), 135: ("qrs_interval", "ms"),
        136: ("pr_interval", "ms"), 137: ("qt_interval", "ms"), 138: ("corrected_qt_interval", "ms"),
        139: ("afib_ppg", nil), 155: ("vascular_age", "years"), 158: ("nerve_health_score_left_foot", nil),
        159: ("nerve_health_score_right_foot", nil), 167: ("nerve_health_score_feet", nil),
        168: ("extracellular_water", "kg"), 169: ("intracellular_water", "kg"), 170: ("visceral_fat", nil),
        173: ("segmental_fat_free_mass", "kg"), 174: ("segmental_fat_mass", "kg"),
        175: ("segmental_muscle_mass", "kg"), 196: ("electrodermal_activity_feet", nil),
        197: ("electrodermal_activity_left_foot", nil), 198: ("electrodermal_activity_right_foot", nil),
        229: ("electrochemical_skin_conductance", "\u{00B5}S"),
    ]

    static func typeName(_ code: Int) -> String { types[code]?.0 ?? "unknown_\(code)" }
    static func unit(_ code: Int) -> String? { types[code]?.1 }

    static func attribution(_ attrib: Int) -> String {
        switch attrib {
        case 0, 8: "device"
        case 1: "ambiguous"
        case 2: "manual"
        case 4: "manual_at_creation"
        case 5: "auto_device"
        case 7: "confirmed"
        case 15: "guided"
        case 17: "guided_nhs_esc"
        default: "unknown_\(attrib)"
        }
    }

    /// Body parts of withings-api.md §4 the simulator uses for segmental measures.
    static let positions: [Int: String] = [
        0: "right_wrist", 1: "left_wrist", 2: "right_arm", 3: "left_arm", 4: "right_foot", 5: "left_foot",
        10: "left_leg", 11: "right_leg", 12: "torso",
    ]

    /// `mantissa × 10^exponent` in its shortest plain decimal form, by string
    /// manipulation only (no floating point anywhere).
    static func decimal(mantissa: Int64, exponent: Int) -> String {
        if mantissa == 0 { return "0" }
        let sign = mantissa < 0 ? "-" : ""
        var digits = String(mantissa.magnitude)
        if exponent >= 0 { return sign + digits + String(repeating: "0", count: exponent) }
        let fractionCount = -exponent
        if digits.count <= fractionCount {
            digits = String(repeating: "0", count: fractionCount - digits.count + 1) + digits
        }
        var integer = String(digits.dropLast(fractionCount))
        var fraction = String(digits.suffix(fractionCount))
        while fraction.hasSuffix("0") { fraction.removeLast() }
        if integer.isEmpty { integer = "0" }
        return sign + integer + (fraction.isEmpty ? "" : "." + fraction)
    }

    static func rfc3339(_ epochSeconds: Int64) -> String {
        let formatter = ISO8601DateFormatter()
        formatter.timeZone = TimeZone(identifier: "UTC")
        formatter.formatOptions = [.withInternetDateTime]
        return formatter.string(from: Date(timeIntervalSince1970: TimeInterval(epochSeconds)))
    }

    /// Differences between one translated group and the simulator's raw group
    /// (`pageTimezone`: the raw answer's top-level timezone). Empty = exact.
    static func differences(public group: JSONValue, raw: JSONValue, pageTimezone: String?) -> [String] {
        var found: [String] = []
        func check(_ what: String, _ actual: String?, _ expected: String?) {
            if actual != expected { found.append("\(what): \(actual ?? "nil") != \(expected ?? "nil")") }
        }
        let id = raw["grpid"]?.lenientInt64 ?? -1
        check("id", group["id"]?.numberText, String(id))
        check("taken_at", group["taken_at"]?.string, raw["date"]?.lenientInt64.map(rfc3339))
        check("modified_at", group["modified_at"]?.string, raw["modified"]?.lenientInt64.map(rfc3339))
        check("timezone", group["timezone"]?.string, raw["timezone"]?.string ?? pageTimezone)
        check("category", group["category"]?.string, raw["category"]?.lenientInt == 2 ? "goal" : "real")
        check("attribution", group["attribution"]?.string, raw["attrib"]?.lenientInt.map(attribution))
        check("device_id", group["device_id"]?.string, raw["deviceid"]?.string)
        let measures = group["measures"]?.array ?? []
        let rawMeasures = raw["measures"]?.array ?? []
        guard measures.count == rawMeasures.count else {
            return found + ["group \(id): \(measures.count) measures, upstream has \(rawMeasures.count)"]
        }
        for (measure, rawMeasure) in zip(measures, rawMeasures) {
            guard let code = rawMeasure["type"]?.lenientInt, let mantissa = rawMeasure["value"]?.lenientInt64,
                  let exponent = rawMeasure["unit"]?.lenientInt
            else {
                found.append("group \(id): malformed upstream measure")
                continue
            }
            check("code", measure["code"]?.numberText, String(code))
            check("type", measure["type"]?.string, typeName(code))
            check("unit of \(code)", measure["unit"]?.string, unit(code))
            if unit(code) == nil && measure["unit"]?.isNull != true { found.append("unit of \(code) is not null") }
            check("value of \(code) (\(mantissa)e\(exponent))", measure["value"]?.numberText,
                  decimal(mantissa: mantissa, exponent: exponent))
            if (173...175).contains(code), let position = rawMeasure["position"]?.lenientInt {
                check("position", measure["position"]?.string, positions[position])
            }
        }
        return found.map { "group \(id): \($0)" }
    }
}

/// The simulator's getmeas called directly with a token of the test's own
/// (an authorization code from the control interface, exchanged at the
/// token endpoint): the raw truth the gateway's answers are compared with.
struct DirectWithings {
    let stack: GatewayStack
    let accessToken: String

    init(stack: GatewayStack, userID: String) throws {
        self.stack = stack
        let issued = try stack.simRequest("/_sim/codes", method: "POST", form: [("userid", userID)])
        guard issued.status == 200, let code = try issued.jsonValue()["code"]?.string else {
            throw TestFailure("/_sim/codes: \(issued.status) \(issued.text)")
        }
        let exchanged = try stack.simRequest("/v2/oauth2", method: "POST", form: [
            ("action", "requesttoken"), ("grant_type", "authorization_code"), ("client_id", stack.clientID),
            ("client_secret", stack.clientSecret), ("code", code), ("redirect_uri", stack.redirectURI),
        ])
        guard let token = try exchanged.jsonValue()["body"]?["access_token"]?.string else {
            throw TestFailure("code exchange: \(exchanged.text)")
        }
        accessToken = token
    }

    /// Every raw group for these getmeas parameters, following `more`/`offset`.
    func allGroups(_ parameters: [(String, String)]) throws -> (groups: [JSONValue], timezone: String?) {
        var groups: [JSONValue] = []
        var offset: Int?
        var timezone: String?
        for _ in 0..<1000 {
            var form = [("action", "getmeas")] + parameters
            if let offset { form.append(("offset", String(offset))) }
            let answer = try stack.simRequest("/measure", method: "POST", form: form,
                                              headers: ["Authorization": "Bearer \(accessToken)"])
            let json = try answer.jsonValue()
            guard json["status"]?.int == 0, let body = json["body"] else {
                throw TestFailure("direct getmeas: \(answer.text.prefix(300))")
            }
            groups += body["measuregrps"]?.array ?? []
            timezone = timezone ?? body["timezone"]?.string
            guard body["more"]?.lenientBool == true || body["more"]?.lenientInt == 1,
                  let next = body["offset"]?.lenientInt
            else { return (groups, timezone) }
            offset = next
        }
        throw TestFailure("direct getmeas did not finish paging")
    }
}

extension GatewayStack {
    /// Follows `next_cursor` from the first page until it is null (bounded).
    func allPages(user: ConnectedUser, query: String) throws -> (groups: [JSONValue], pages: Int) {
        var groups: [JSONValue] = []
        var cursor: String?
        for page in 1...1000 {
            var path = "/users/\(user.id)/measures?" + query
            if let cursor { path += (query.isEmpty ? "" : "&") + "cursor=" + formEncode(cursor) }
            let answer = try request(path, key: user.key)
            guard answer.status == 200 else { throw TestFailure("page \(page): \(answer.status) \(answer.text)") }
            let json = try answer.jsonValue()
            groups += json["measure_groups"]?.array ?? []
            guard let next = json["next_cursor"]?.string else { return (groups, page) }
            cursor = next
        }
        throw TestFailure("next_cursor never became null")
    }
}
