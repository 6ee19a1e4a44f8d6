/// Names of a group's `attrib` (how Withings attributed it), as DESIGN.md fixes them.
public enum Attribution {
    public static func name(_ attrib: Int) -> String {
        switch attrib {
        case 0, 8: return "device"
        case 1: return "ambiguous"
        case 2: return "manual"
        case 4: return "manual_at_creation"
        case 5: return "auto_device"
        case 7: return "confirmed"
        case 15: return "guided"
        case 17: return "guided_nhs_esc"
        default: return "unknown_\(attrib)"
        }
    }
}
