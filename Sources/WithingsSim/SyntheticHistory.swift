/// Deterministic synthetic Withings histories: a few years of scale
/// weigh-ins, blood-pressure cuff readings, thermometer and ECG results per
/// user, shaped like real getmeas data (exponents, attributions, devices,
/// travel time zones, goals, undocumented codes) so clients meet the same
/// quirks they would meet upstream.
enum SyntheticHistory {
    /// A type code missing from Withings' published list; clients must pass it through.
    static let undocumentedType = 122

    /// Zones with a fixed offset, used only to place readings at plausible local hours.
    static let zones: [(name: String, offset: Int64)] = [
        ("Europe/Paris", 3600), ("America/New_York", -18000), ("Asia/Tokyo", 32400),
        ("Australia/Sydney", 36000), ("Europe/London", 0), ("America/Los_Angeles", -28800),
        ("Asia/Kolkata", 19800), ("America/Sao_Paulo", -10800),
    ]

    /// Scale models, richest first so user 0 always has segmental data.
    private static let scales: [(name: String, id: Int)] = [
        ("Body Scan", 10), ("Body Cardio", 6), ("Body Comp", 18), ("Body+", 5),
    ]

    /// Segment positions for types 173-175 and each segment's share of the whole.
    private static let segments: [(position: Int, share: Double)] = [
        (12, 0.50), (2, 0.06), (3, 0.06), (11, 0.19), (10, 0.19),
    ]

    /// The Withings user id of user `index`: 8 digits, distinct for distinct indexes.
    static func userID(index: Int, seed: UInt64) -> String {
        var rng = SplitMix64(seed: seed, stream: 0xC0FFEE)
        let base = 10_000_000 + rng.int(0...40_000_000)
        return String(base + index * 7919)
    }

    static func generate(index: Int, seed: UInt64, end: Int64, days: Int) -> UserDataset {
        var builder = Builder(index: index, seed: seed, end: end, days: days)
        builder.run()
        return UserDataset(
            userID: userID(index: index, seed: seed), timezone: builder.zone.name, groups: builder.groups)
    }

    private struct Builder {
        var rng: SplitMix64
        let index: Int
        let end: Int64
        let days: Int
        let zone: (name: String, offset: Int64)
        let travelZone: (name: String, offset: Int64)
        let scale: SimDevice
        let hasSegments: Bool
        let hasCardio: Bool
        let hasComposition: Bool
        let cuff: SimDevice
        let thermometer: SimDevice
        let ecg: SimDevice
        let heightCm: Int
        let baseWeight: Double
        let baseFatRatio: Double
        let age: Int
        var weight: Double
        var groups: [MeasureGroupRecord] = []
        var scaleReadings = 0

        init(index: Int, seed: UInt64, end: Int64, days: Int) {
            var rng = SplitMix64(seed: seed, stream: UInt64(index) &+ 1)
            self.index = index
            self.end = end
            self.days = days
            let zoneIndex = (index + Int(seed % UInt64(SyntheticHistory.zones.count))) % SyntheticHistory.zones.count
            zone = SyntheticHistory.zones[zoneIndex]
            travelZone = SyntheticHistory.zones[(zoneIndex + 3) % SyntheticHistory.zones.count]
            let model = SyntheticHistory.scales[index % SyntheticHistory.scales.count]
            scale = SimDevice(deviceID: rng.hex(byteCount: 20), model: model.name, modelID: model.id)
            hasSegments = model.id == 10
            hasCardio = model.id == 10 || model.id == 6
            hasComposition = model.id == 10 || model.id == 18
            cuff = index % 2 == 0
                ? SimDevice(deviceID: rng.hex(byteCount: 20), model: "BPM Core", modelID: 44)
                : SimDevice(deviceID: rng.hex(byteCount: 20), model: "BPM Connect", modelID: 45)
            thermometer = SimDevice(deviceID: rng.hex(byteCount: 20), model: "Thermo", modelID: 70)
            ecg = index % 2 == 0
                ? SimDevice(deviceID: rng.hex(byteCount: 20), model: "Move ECG", modelID: 91)
                : SimDevice(deviceID: rng.hex(byteCount: 20), model: "ScanWatch", modelID: 93)
            heightCm = rng.int(155...195)
            let meters = Double(heightCm) / 100
            baseWeight = rng.double(20, 29) * meters * meters
            baseFatRatio = rng.chance(0.5) ? rng.double(24, 32) : rng.double(14, 22)
            age = rng.int(25...70)
            weight = baseWeight
            self.rng = rng
        }

        var nextGroupNumber: Int64 = 0

        mutating func nextID() -> Int64 {
            nextGroupNumber += 1
            return 4_000_000_000 + Int64(index) * 100_000 + nextGroupNumber
        }

        mutating func run() {
            let lastDay = end / 86400 - 1
            let firstDay = lastDay - Int64(days) + 1
            addCreationEntries(day: firstDay)
            for day in firstDay...lastDay {
                let travelling = (day - firstDay) % 182 >= 100 && (day - firstDay) % 182 < 110
                let here = travelling ? travelZone : zone
                let localMidnight = day * 86400 - here.offset
                let groupZone = travelling ? travelZone.name : nil
                // Slow random walk around the base weight, pulled back towards it.
                weight += rng.double(-0.15, 0.15) + (baseWeight - weight) * 0.01
                if rng.chance(0.7) {
                    addScaleReading(at: localMidnight + 23_400 + Int64(rng.int(0...7200)), zone: groupZone)
                } else if rng.chance(0.1) {
                    addManualWeight(at: localMidnight + 28_800 + Int64(rng.int(0...3600)))
                }
                if rng.chance(0.35) {
                    addCuffReading(at: localMidnight + 68_400 + Int64(rng.int(0...10_800)), zone: groupZone)
                }
                if rng.chance(0.03) { addTemperature(at: localMidnight + Int64(rng.int(25_000...80_000))) }
                if rng.chance(0.025) { addECG(at: localMidnight + Int64(rng.int(30_000...75_000))) }
                if hasSegments && rng.chance(0.03) {
                    addGuidedScan(at: localMidnight + 25_200 + Int64(rng.int(0...3600)))
                }
                if day == firstDay + Int64(days / 2) { addGoal(at: localMidnight + 43_200) }
            }
            // Local evening readings of the last day can fall after `end` in UTC.
            groups.removeAll { $0.modified > end }
        }

        /// Height and weight typed in when the account was made (attrib 4), and a first goal.
        mutating func addCreationEntries(day: Int64) {
            let date = day * 86400 - zone.offset + 72_000
            groups.append(MeasureGroupRecord(
                id: nextID(), attrib: 4, date: date, created: date, modified: date, category: 1, device: nil,
                timezone: nil, measures: [
                    MeasureRecord(type: 4, value: Int64(heightCm), unit: -2, fm: 0),
                    MeasureRecord(type: 1, value: Int64((weight * 10).rounded()), unit: -1, fm: 0),
                ]))
            addGoal(at: date + 60)
        }

        mutating func addGoal(at date: Int64) {
            let target = Int64(((baseWeight - rng.double(2, 6)) * 100).rounded()) * 10
            groups.append(MeasureGroupRecord(
                id: nextID(), attrib: 2, date: date, created: date, modified: date, category: 2, device: nil,
                timezone: nil, measures: [MeasureRecord(type: 1, value: target, unit: -3, fm: 0)]))
        }

        mutating func addScaleReading(at date: Int64, zone groupZone: String?) {
            scaleReadings += 1
            let n = scaleReadings
            // Fixed rhythms guarantee every attribution appears for every user.
            let attrib: Int
            if n % 37 == 5 { attrib = 1 } else if n % 53 == 7 { attrib = 10 } else if n % 20 == 3 { attrib = 8 }
            else if n % 97 == 11 { attrib = 7 } else { attrib = 0 }
            // An ambiguous reading is usually someone else in the household.
            let w = attrib == 1 ? weight * rng.double(0.7, 0.85) : weight + rng.double(-0.2, 0.2)
            let fatRatio = baseFatRatio + (w - baseWeight) * 0.4 + rng.double(-0.8, 0.8)
            let fatMass = w * fatRatio / 100
            let fatFree = w - fatMass
            let hydration = fatFree * 0.72
            let fm = 1
            var measures = [
                MeasureRecord(type: 1, value: Int64((w * 100).rounded()) * 10, unit: -3, fm: fm),
                MeasureRecord(type: 8, value: Int64((fatMass * 1000).rounded()), unit: -3, fm: fm),
                MeasureRecord(type: 5, value: Int64((fatFree * 1000).rounded()), unit: -3, fm: fm),
                MeasureRecord(type: 6, value: Int64((fatRatio * 1000).rounded()), unit: -3, fm: fm),
                MeasureRecord(type: 76, value: Int64((fatFree * 93).rounded()), unit: -2, fm: fm),
                MeasureRecord(type: 77, value: Int64((hydration * 100).rounded()), unit: -2, fm: fm),
                MeasureRecord(type: 88, value: Int64((fatFree * 5).rounded()), unit: -2, fm: fm),
            ]
            if hasCardio {
                measures.append(MeasureRecord(type: 11, value: Int64(rng.int(52...82)), unit: 0, fm: fm))
                measures.append(MeasureRecord(type: 91, value: Int64(rng.int(5500...9500)), unit: -3, fm: fm))
                measures.append(MeasureRecord(type: 155, value: Int64(age + rng.int(-4...6)), unit: 0, fm: fm))
            }
            if hasComposition {
                // Visceral fat is an index in tenths; whole values come out as e.g. 80 × 10^-1.
                let visceral = Int64(max(10, min(200, (fatRatio - 8) * 6 + rng.double(-3, 3))))
                measures.append(MeasureRecord(type: 170, value: visceral, unit: -1, fm: fm))
                measures.append(MeasureRecord(type: 226, value: Int64((fatFree * 21.6 + 370).rounded()), unit: 0, fm: fm))
                measures.append(MeasureRecord(type: 227, value: Int64(age + rng.int(-6...6)), unit: 0, fm: fm))
                measures.append(MeasureRecord(type: 168, value: Int64((hydration * 40).rounded()), unit: -2, fm: fm))
                measures.append(MeasureRecord(type: 169, value: Int64((hydration * 60).rounded()), unit: -2, fm: fm))
            }
            if hasSegments {
                let muscle = fatFree * 0.93
                for (type, total) in [(173, fatFree), (174, fatMass), (175, muscle)] {
                    for segment in SyntheticHistory.segments {
                        let value = Int64((total * segment.share * rng.double(0.97, 1.03) * 100).rounded())
                        measures.append(MeasureRecord(type: type, value: value, unit: -2, fm: fm, position: segment.position))
                    }
                }
            }
            if n % 29 == 13 {
                measures.append(MeasureRecord(type: SyntheticHistory.undocumentedType, value: Int64(rng.int(1...100)), unit: 0, fm: fm))
            }
            let created = date + Int64(rng.int(5...240))
            // A confirmed reading (7) was attributed by the user later.
            let modified = attrib == 7 ? min(created + Int64(rng.int(3600...172_800)), end) : created
            groups.append(MeasureGroupRecord(
                id: nextID(), attrib: attrib, date: date, created: created, modified: modified, category: 1,
                device: scale, timezone: groupZone, measures: measures))
        }

        mutating func addManualWeight(at date: Int64) {
            let value = Int64((weight * 10).rounded())
            groups.append(MeasureGroupRecord(
                id: nextID(), attrib: 2, date: date, created: date + 30, modified: date + 30, category: 1, device: nil,
                timezone: nil, measures: [MeasureRecord(type: 1, value: value, unit: -1, fm: 0)]))
        }

        mutating func addCuffReading(at date: Int64, zone groupZone: String?) {
            let systolic = Int64(rng.int(105...145))
            var measures = [
                MeasureRecord(type: 9, value: systolic - Int64(rng.int(30...50)), unit: 0, fm: 3),
                MeasureRecord(type: 10, value: systolic, unit: 0, fm: 3),
                MeasureRecord(type: 11, value: Int64(rng.int(55...90)), unit: 0, fm: 3),
            ]
            if rng.chance(0.3) { measures.append(MeasureRecord(type: 54, value: Int64(rng.int(94...99)), unit: 0, fm: 3)) }
            // BPM "auto" mode reports the best of three readings as attrib 5.
            let attrib = rng.chance(0.2) ? 5 : 0
            let created = date + Int64(rng.int(5...120))
            groups.append(MeasureGroupRecord(
                id: nextID(), attrib: attrib, date: date, created: created, modified: created, category: 1,
                device: cuff, timezone: groupZone, measures: measures))
        }

        mutating func addTemperature(at date: Int64) {
            let body = Int64(rng.int(3610...3790))
            let created = date + Int64(rng.int(5...60))
            groups.append(MeasureGroupRecord(
                id: nextID(), attrib: 0, date: date, created: created, modified: created, category: 1,
                device: thermometer, timezone: nil, measures: [
                    MeasureRecord(type: 71, value: body, unit: -2, fm: 131),
                    MeasureRecord(type: 73, value: body - Int64(rng.int(150...300)), unit: -2, fm: 131),
                ]))
        }

        mutating func addECG(at date: Int64) {
            let roll = rng.unit()
            // Mostly negative, some inconclusive, rarely positive, as ECG results go.
            let afib: Int64 = roll < 0.03 ? 1 : roll < 0.13 ? 2 : 0
            let qt = Int64(rng.int(350...430))
            let created = date + Int64(rng.int(30...600))
            groups.append(MeasureGroupRecord(
                id: nextID(), attrib: 0, date: date, created: created, modified: created, category: 1, device: ecg,
                timezone: nil, measures: [
                    MeasureRecord(type: 130, value: afib, unit: 0, fm: 0),
                    MeasureRecord(type: 135, value: Int64(rng.int(80...110)), unit: 0, fm: 0),
                    MeasureRecord(type: 136, value: Int64(rng.int(120...200)), unit: 0, fm: 0),
                    MeasureRecord(type: 137, value: qt, unit: 0, fm: 0),
                    MeasureRecord(type: 138, value: qt + Int64(rng.int(10...30)), unit: 0, fm: 0),
                    MeasureRecord(type: 11, value: Int64(rng.int(55...90)), unit: 0, fm: 0),
                ]))
        }

        /// Body Scan's guided nerve-health session (attrib 15, or 17 with ESC).
        mutating func addGuidedScan(at date: Int64) {
            let withConductance = rng.chance(0.4)
            var measures = [
                MeasureRecord(type: 167, value: Int64(rng.int(40...100)), unit: 0, fm: 0),
                MeasureRecord(type: 196, value: Int64(rng.int(20...90)), unit: 0, fm: 0),
            ]
            if withConductance {
                measures.append(MeasureRecord(type: 229, value: Int64(rng.int(4000...9000)), unit: -2, fm: 0))
            }
            let created = date + Int64(rng.int(5...120))
            groups.append(MeasureGroupRecord(
                id: nextID(), attrib: withConductance ? 17 : 15, date: date, created: created, modified: created,
                category: 1, device: scale, timezone: nil, measures: measures))
        }
    }
}
