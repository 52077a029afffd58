import Foundation

/// A day's `heart-rate-variability` data points (a JSON array of the day's page bodies, as stored):
/// `"heartRateVariability":{"sampleTime":{"physicalTime":"...Z","utcOffset":"-18000s"},
/// "rootMeanSquareOfSuccessiveDifferencesMilliseconds":30.1,"standardDeviationMilliseconds":41.5}`.
public struct GoogleHRVDecoder: HRVDecoder {
    public init() {}

    public func readings(_ body: RawBody, date: LocalDate) throws(DayFailure) -> [HRVReading] {
        var readings = [HRVReading]()
        for point in try GoogleSeriesPages.points(body.bytes, date: date, what: "HRV") {
            guard let hrv = point["heartRateVariability"] as? [String: Any], let time = hrv["sampleTime"] as? [String: Any],
                  let physical = time["physicalTime"] as? String, let millis = RFC3339.millis(Array(physical.utf8)[...]) else {
                throw DayFailure(date: date, kind: .decode, message: "malformed HRV data point: no sampleTime.physicalTime")
            }
            let offset = (time["utcOffset"] as? String).flatMap { $0.hasSuffix("s") ? Double($0.dropLast()) : nil } ?? 0
            guard offset.isFinite, abs(offset) <= 18 * 3600 else { throw DayFailure(date: date, kind: .decode, message: "malformed HRV data point: utcOffset") }
            let values = HRVSample(epochMillis: millis, utcOffsetMinutes: Int16(Int(offset) / 60),
                                   rmssd: SeriesJSON.number(hrv["rootMeanSquareOfSuccessiveDifferencesMilliseconds"]),
                                   sdnn: SeriesJSON.number(hrv["standardDeviationMilliseconds"]))
            readings.append(HRVReading(time: .instant(epochMillis: millis, utcOffsetMinutes: Int16(Int(offset) / 60)), values: values))
        }
        return readings
    }
}

/// A month's daily bodies, stored as `{"resting":[pages],"hrv":[pages]}`: `dailyRestingHeartRate` (bpm an int64,
/// so a string) and `dailyHeartRateVariability` (each of its four values optional).
public struct GoogleDailyDecoder: DailyDecoder {
    public init() {}

    public func values(_ body: RawBody, date: LocalDate) throws(DayFailure) -> [LocalDate: DailyValues] {
        guard let root = try SeriesJSON.object(body.bytes, date: date, what: "daily") as? [String: Any],
              let resting = root["resting"] as? [[String: Any]], let hrv = root["hrv"] as? [[String: Any]] else {
            throw DayFailure(date: date, kind: .decode, message: "malformed daily body: no resting and hrv pages")
        }
        var result = [LocalDate: DailyValues]()
        for point in resting.flatMap({ $0["dataPoints"] as? [[String: Any]] ?? [] }) {
            guard let value = point["dailyRestingHeartRate"] as? [String: Any], let day = SeriesJSON.civilDate(value["date"]) else {
                throw DayFailure(date: date, kind: .decode, message: "malformed daily resting heart rate: no date")
            }
            result[day, default: DailyValues()].restingBPM = DailyValues.resting(SeriesJSON.number(value["beatsPerMinute"]))
        }
        for point in hrv.flatMap({ $0["dataPoints"] as? [[String: Any]] ?? [] }) {
            guard let value = point["dailyHeartRateVariability"] as? [String: Any], let day = SeriesJSON.civilDate(value["date"]) else {
                throw DayFailure(date: date, kind: .decode, message: "malformed daily heart-rate variability: no date")
            }
            var v = result[day] ?? DailyValues()
            v.hrvRMSSD = SeriesJSON.number(value["averageHeartRateVariabilityMilliseconds"])
            v.hrvDeepRMSSD = SeriesJSON.number(value["deepSleepRootMeanSquareOfSuccessiveDifferencesMilliseconds"])
            v.hrvNREMBPM = SeriesJSON.number(value["nonRemHeartRateBeatsPerMinute"])
            v.hrvEntropy = SeriesJSON.number(value["entropy"])
            result[day] = v
        }
        return result
    }
}

/// The data points of a JSON array of Google page bodies.
enum GoogleSeriesPages {
    static func points(_ bytes: [UInt8], date: LocalDate, what: String) throws(DayFailure) -> [[String: Any]] {
        guard let pages = try SeriesJSON.object(bytes, date: date, what: what) as? [[String: Any]] else {
            throw DayFailure(date: date, kind: .decode, message: "malformed \(what) body: not a list of pages")
        }
        return pages.flatMap { $0["dataPoints"] as? [[String: Any]] ?? [] }
    }
}
