import Testing
import WithingsAPI

struct MeasureTypesTests {
    /// DESIGN.md's table, verbatim.
    @Test(
        arguments: [
            (1, "weight", "kg"), (4, "height", "m"), (5, "fat_free_mass", "kg"), (6, "fat_ratio", "%"),
            (8, "fat_mass", "kg"), (9, "diastolic_blood_pressure", "mmHg"), (10, "systolic_blood_pressure", "mmHg"),
            (11, "heart_pulse", "bpm"), (12, "temperature", "°C"), (54, "spo2", "%"), (71, "body_temperature", "°C"),
            (73, "skin_temperature", "°C"), (76, "muscle_mass", "kg"), (77, "hydration", "kg"), (88, "bone_mass", "kg"),
            (91, "pulse_wave_velocity", "m/s"), (123, "vo2_max", "ml/min/kg"),
            (226, "basal_metabolic_rate", "kcal/day"),
            (227, "metabolic_age", "years"), (229, "electrochemical_skin_conductance", "\u{00B5}S"),
            (130, "afib_ecg", nil), (135, "qrs_interval", "ms"), (136, "pr_interval", "ms"), (137, "qt_interval", "ms"),
            (138, "corrected_qt_interval", "ms"), (139, "afib_ppg", nil), (155, "vascular_age", "years"),
            (158, "nerve_health_score_left_foot", nil), (159, "nerve_health_score_right_foot", nil),
            (167, "nerve_health_score_feet", nil), (168, "extracellular_water", "kg"),
            (169, "intracellular_water", "kg"),
            (170, "visceral_fat", nil), (173, "segmental_fat_free_mass", "kg"), (174, "segmental_fat_mass", "kg"),
            (175, "segmental_muscle_mass", "kg"), (196, "electrodermal_activity_feet", nil),
            (197, "electrodermal_activity_left_foot", nil), (198, "electrodermal_activity_right_foot", nil),
            (119, "glucose", "mg/dL"),
        ] as [(Int, String, String?)])
    func tableMatchesDesign(code: Int, name: String, unit: String?) {
        let type = MeasureTypes.byCode(code)
        #expect(type == MeasureType(code: code, name: name, unit: unit))
        #expect(type.isKnown)
        #expect(MeasureTypes.byName(name) == type)
    }

    @Test func tableIsComplete() {
        #expect(MeasureTypes.all.count == 40)
        #expect(Set(MeasureTypes.all.map(\.code)).count == 40)
        #expect(Set(MeasureTypes.all.map(\.name)).count == 40)
        for type in MeasureTypes.all {
            #expect(type.name.allSatisfy { $0.isLowercase || $0.isNumber || $0 == "_" }, "\(type.name)")
        }
    }

    @Test(arguments: [0, 2, 3, 7, 120, 4242, -1, Int.max])
    func unknownCodesPassThrough(code: Int) {
        let type = MeasureTypes.byCode(code)
        #expect(type.name == "unknown_\(code)")
        #expect(type.unit == nil)
        #expect(type.code == code)
        #expect(!type.isKnown)
    }

    @Test func unknownNamesRoundTrip() {
        #expect(MeasureTypes.byName("unknown_4242") == MeasureTypes.byCode(4242))
        // A known code under its unknown_ spelling is not a name the gateway writes.
        #expect(MeasureTypes.byName("unknown_1") == nil)
        for bad in [
            "unknown_", "unknown_-1", "unknown_01", "unknown_1x", "unknown_99999999999", "Weight", "weight ", "",
        ] {
            #expect(MeasureTypes.byName(bad) == nil, "\(bad)")
        }
    }

    @Test(arguments: [
        (0, "right_wrist"), (1, "left_wrist"), (2, "right_arm"), (3, "left_arm"), (4, "right_foot"), (5, "left_foot"),
        (6, "between_legs"), (7, "whole_body"), (8, "left_body"), (9, "right_body"), (10, "left_leg"),
        (11, "right_leg"), (12, "torso"), (13, "left_hand"), (14, "right_hand"), (15, "stethoscope_zone_1"),
        (28, "stethoscope_zone_14"), (29, "between_arms"), (30, "hold_right"), (31, "hold_left"), (32, "unknown_32"),
        (-1, "unknown_-1"),
    ])
    func positions(position: Int, name: String) {
        #expect(MeasurePositions.name(position) == name)
    }

    @Test(arguments: [
        (0, "device"), (8, "device"), (1, "ambiguous"), (2, "manual"), (4, "manual_at_creation"), (5, "auto_device"),
        (7, "confirmed"), (15, "guided"), (17, "guided_nhs_esc"), (3, "unknown_3"), (10000, "unknown_10000"),
    ])
    func attributions(attrib: Int, name: String) {
        #expect(Attribution.name(attrib) == name)
    }
}
