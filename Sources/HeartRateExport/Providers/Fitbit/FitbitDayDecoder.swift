/// Decodes the body of `GET /1/user/-/activities/heart/date/{day}/1d/{detail}.json` into a typed day.
///
/// A malformed body fails that day only, with an error naming the day; the run goes on.
public struct FitbitDayDecoder: DayDecoder {
    public init() {}

    public func decode(_ body: RawBody, date: LocalDate, detail: Detail) throws(DayFailure) -> HeartRateDay {
        try decode(body.bytes, date: date, detail: detail)
    }

    public func decode(_ body: [UInt8], date: LocalDate, detail: Detail) throws(DayFailure) -> HeartRateDay {
        var scanner = JSONScanner(body)
        var daySummary: JSONValue?
        var hasIntraday = false
        var datasetType: JSONValue?
        var samples = [WallClockSample]()
        samples.reserveCapacity(detail == .oneSecond ? 32_768 : 1_440)
        var dropped = 0
        do {
            try scanner.object { (s, key) throws(JSONScanner.Failure) in
                switch key {
                case "activities-heart":
                    daySummary = try s.value()
                case "activities-heart-intraday":
                    hasIntraday = true
                    try s.object { (s, key) throws(JSONScanner.Failure) in
                        switch key {
                        case "dataset": try s.array { (s) throws(JSONScanner.Failure) in try Self.sample(&s, into: &samples, dropped: &dropped) }
                        case "datasetType": datasetType = try s.value()
                        default: try s.skip()
                        }
                    }
                default:
                    try s.skip()
                }
            }
            try scanner.end()
        } catch {
            throw DayFailure(date: date, kind: .decode, message: "malformed heart-rate body: \(error.description)")
        }
        var summary = DailySummary()
        if let entry = daySummary?.array?.first {
            guard let dateTime = entry["dateTime"]?.string else {
                throw DayFailure(date: date, kind: .decode, message: "malformed heart-rate body: the day summary lacks dateTime")
            }
            guard dateTime == date.description else {
                throw DayFailure(date: date, kind: .decode, message: "body is for \(dateTime), not the requested day")
            }
            if let resting = entry["value"]?["restingHeartRate"]?.integer, BPMValue.plausible.contains(resting) {
                summary.restingBPM = Int16(resting)
            }
            for zone in entry["value"]?["heartRateZones"]?.array ?? [] {
                guard let index = Self.zoneIndex[zone["name"]?.string ?? ""] else { continue }
                summary.zoneMinutes[index] = Int16(clamping: zone["minutes"]?.integer ?? 0)
            }
        }
        guard hasIntraday else {
            return HeartRateDay(date: date, detail: detail, samples: [], summary: summary, hasIntraday: false)
        }
        if let type = datasetType?.string, type != Self.datasetType(detail) {
            throw DayFailure(date: date, kind: .decode, message: "dataset is of type \"\(type)\", expected \"\(Self.datasetType(detail))\" for \(detail.rawValue)")
        }
        var day = HeartRateDay(date: date, detail: detail, samples: samples, summary: summary)
        day.droppedValues = dropped
        return day
    }

    /// One `{"time":"HH:mm:ss","value":N}`; the value may also come as a numeric string. Implausible bpm
    /// are dropped here; a sample without a valid time or value fails the day.
    private static func sample(_ s: inout JSONScanner, into samples: inout [WallClockSample], dropped: inout Int) throws(JSONScanner.Failure) {
        if let compact = s.compactSample() {
            if BPMValue.plausible.contains(compact.value) { samples.append(WallClockSample(secondOfDay: Int32(compact.second), bpm: Int16(compact.value))) }
            return
        }
        var second: Int?
        var bpm: Int?
        var unrepresentable = false
        let start = s.position
        try s.object { (s, key) throws(JSONScanner.Failure) in
            switch key {
            case "time":
                second = try s.string("sample time", expected: "HH:mm:ss of one day", at: start) { WallClock.secondOfDay($0) }
            case "value":
                if let fast = try s.smallInteger() {
                    bpm = fast
                } else {
                    let value = try s.value()
                    if case .number(let number) = value {
                        switch BPMValue.number(number) {
                        case .whole(let whole): bpm = whole
                        case .unrepresentable: unrepresentable = true
                        case .fraction: throw JSONScanner.Failure(offset: start, reason: "sample value \(value) is not a whole number")
                        }
                    } else if let number = value.integer {
                        bpm = number
                    } else {
                        throw JSONScanner.Failure(offset: start, reason: "sample value \(value) is not a whole number")
                    }
                }
            default:
                try s.skip()
            }
        }
        if unrepresentable, second != nil {
            dropped += 1
            return
        }
        guard let second, let bpm else { throw JSONScanner.Failure(offset: start, reason: "a sample lacks its time or value") }
        if BPMValue.plausible.contains(bpm) { samples.append(WallClockSample(secondOfDay: Int32(second), bpm: Int16(bpm))) }
    }

    static func datasetType(_ detail: Detail) -> String { detail == .oneSecond ? "second" : "minute" }

    static let zoneIndex = ["Out of Range": 0, "Fat Burn": 1, "Cardio": 2, "Peak": 3]
}
