/// Names of the `position` of a measure (body segment or device position),
/// withings-api.md §4. Unlisted values come through as `unknown_<n>`.
public enum MeasurePositions {
    private static let names: [String] = [
        "right_wrist",  // 0
        "left_wrist",  // 1
        "right_arm",  // 2
        "left_arm",  // 3
        "right_foot",  // 4
        "left_foot",  // 5
        "between_legs",  // 6
        "whole_body",  // 7 (aiowithings only)
        "left_body",  // 8
        "right_body",  // 9
        "left_leg",  // 10
        "right_leg",  // 11
        "torso",  // 12
        "left_hand",  // 13
        "right_hand",  // 14
    ]

    /// Stethoscope zones 15–28 are numbered from 1.
    private static let stethoscopeZones: ClosedRange<Int> = 15...28

    public static func name(_ position: Int) -> String {
        if names.indices.contains(position) { return names[position] }
        if stethoscopeZones.contains(position) { return "stethoscope_zone_\(position - 14)" }
        switch position {
        case 29: return "between_arms"
        case 30: return "hold_right"
        case 31: return "hold_left"
        default: return "unknown_\(position)"
        }
    }
}
