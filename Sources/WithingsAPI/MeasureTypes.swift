/// A Withings measure type: its code, the public snake_case name and the
/// unit of `value × 10^unit` (nil where the value is a score, a class or an index).
public struct MeasureType: Sendable, Equatable {
    public var code: Int
    public var name: String
    public var unit: String?

    public init(code: Int, name: String, unit: String?) {
        self.code = code
        self.name = name
        self.unit = unit
    }

    /// True for codes outside the table (named `unknown_<code>`).
    public var isKnown: Bool { MeasureTypes.known(code) != nil }
}

/// The measure-type table of DESIGN.md and withings-api.md §5.
public enum MeasureTypes {
    /// Every known type, in code order.
    public static let all: [MeasureType] = [
        MeasureType(code: 1, name: "weight", unit: "kg"),
        MeasureType(code: 4, name: "height", unit: "m"),
        MeasureType(code: 5, name: "fat_free_mass", unit: "kg"),
        MeasureType(code: 6, name: "fat_ratio", unit: "%"),
        MeasureType(code: 8, name: "fat_mass", unit: "kg"),
        MeasureType(code: 9, name: "diastolic_blood_pressure", unit: "mmHg"),
        MeasureType(code: 10, name: "systolic_blood_pressure", unit: "mmHg"),
        MeasureType(code: 11, name: "heart_pulse", unit: "bpm"),
        MeasureType(code: 12, name: "temperature", unit: "°C"),
        MeasureType(code: 54, name: "spo2", unit: "%"),
        MeasureType(code: 71, name: "body_temperature", unit: "°C"),
        MeasureType(code: 73, name: "skin_temperature", unit: "°C"),
        MeasureType(code: 76, name: "muscle_mass", unit: "kg"),
        MeasureType(code: 77, name: "hydration", unit: "kg"),
        MeasureType(code: 88, name: "bone_mass", unit: "kg"),
        MeasureType(code: 91, name: "pulse_wave_velocity", unit: "m/s"),
        // Only one community source documents 119 (withings-api.md §5, UNCERTAIN).
        MeasureType(code: 119, name: "glucose", unit: "mg/dL"),
        MeasureType(code: 123, name: "vo2_max", unit: "ml/min/kg"),
        MeasureType(code: 130, name: "afib_ecg", unit: nil),
        MeasureType(code: 135, name: "qrs_interval", unit: "ms"),
        MeasureType(code: 136, name: "pr_interval", unit: "ms"),
        MeasureType(code: 137, name: "qt_interval", unit: "ms"),
        MeasureType(code: 138, name: "corrected_qt_interval", unit: "ms"),
        MeasureType(code: 139, name: "afib_ppg", unit: nil),
        MeasureType(code: 155, name: "vascular_age", unit: "years"),
        MeasureType(code: 158, name: "nerve_health_score_left_foot", unit: nil),
        MeasureType(code: 159, name: "nerve_health_score_right_foot", unit: nil),
        MeasureType(code: 167, name: "nerve_health_score_feet", unit: nil),
        MeasureType(code: 168, name: "extracellular_water", unit: "kg"),
        MeasureType(code: 169, name: "intracellular_water", unit: "kg"),
        MeasureType(code: 170, name: "visceral_fat", unit: nil),
        MeasureType(code: 173, name: "segmental_fat_free_mass", unit: "kg"),
        MeasureType(code: 174, name: "segmental_fat_mass", unit: "kg"),
        MeasureType(code: 175, name: "segmental_muscle_mass", unit: "kg"),
        MeasureType(code: 196, name: "electrodermal_activity_feet", unit: nil),
        MeasureType(code: 197, name: "electrodermal_activity_left_foot", unit: nil),
        MeasureType(code: 198, name: "electrodermal_activity_right_foot", unit: nil),
        MeasureType(code: 226, name: "basal_metabolic_rate", unit: "kcal/day"),
        MeasureType(code: 227, name: "metabolic_age", unit: "years"),
        MeasureType(code: 229, name: "electrochemical_skin_conductance", unit: "\u{00B5}S"),
    ]

    /// The segmental types, whose measures carry a body `position`.
    public static let segmentalCodes: ClosedRange<Int> = 173...175

    /// Prefix of the name given to codes outside the table.
    public static let unknownPrefix = "unknown_"

    /// Direct index by code (codes are small), so rendering a page does no hashing.
    private static let byCodeTable: [MeasureType?] = {
        var table = [MeasureType?](repeating: nil, count: (all.map(\.code).max() ?? 0) + 1)
        for type in all { table[type.code] = type }
        return table
    }()

    private static let byNameTable: [String: MeasureType] = Dictionary(
        uniqueKeysWithValues: all.map { ($0.name, $0) })

    static func known(_ code: Int) -> MeasureType? {
        guard code >= 0, code < byCodeTable.count else { return nil }
        return byCodeTable[code]
    }

    /// The type for a code; unknown codes come back as `unknown_<code>` with no unit.
    public static func byCode(_ code: Int) -> MeasureType {
        known(code) ?? MeasureType(code: code, name: unknownPrefix + String(code), unit: nil)
    }

    /// The type for a public name, including `unknown_<code>` for a code
    /// outside the table (so a name the gateway wrote can be asked for again).
    public static func byName(_ name: String) -> MeasureType? {
        if let type = byNameTable[name] { return type }
        guard name.hasPrefix(unknownPrefix) else { return nil }
        let digits = name.utf8.dropFirst(unknownPrefix.utf8.count)
        guard !digits.isEmpty, digits.count <= 9, digits.allSatisfy({ $0 >= 0x30 && $0 <= 0x39 }),
            digits.count == 1 || digits.first != UInt8(ascii: "0"),
            let code = Int(String(decoding: digits, as: UTF8.self)), known(code) == nil
        else { return nil }
        return byCode(code)
    }
}
