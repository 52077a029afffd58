import Foundation

/// `/1/user/-/hrv/date/{date}/all.json`: `{"hrv":[{"minutes":[{"minute":"2026-03-01T02:30:00.000",
/// "value":{"rmssd":26.617,"coverage":0.935,"hf":127.45,"lf":306.458}}],"dateTime":"2026-03-01"}]}`, the night that
/// ends on the date, one element per 5-minute window; `minute` is the wall clock without a zone.
public struct FitbitHRVDecoder: HRVDecoder {
    public init() {}

    public func readings(_ body: RawBody, date: LocalDate) throws(DayFailure) -> [HRVReading] {
        guard let root = try SeriesJSON.object(body.bytes, date: date, what: "HRV") as? [String: Any], let nights = root["hrv"] as? [[String: Any]] else {
            throw DayFailure(date: date, kind: .decode, message: "malformed HRV body: no hrv list")
        }
        var readings = [HRVReading]()
        for night in nights {
            for window in night["minutes"] as? [[String: Any]] ?? [] {
                guard let minute = window["minute"] as? String, let wall = SeriesJSON.wallClock(minute), let value = window["value"] as? [String: Any] else {
                    throw DayFailure(date: date, kind: .decode, message: "malformed HRV body: a window lacks its minute or value")
                }
                let values = HRVSample(epochMillis: 0, utcOffsetMinutes: 0, rmssd: SeriesJSON.number(value["rmssd"]), coverage: SeriesJSON.number(value["coverage"]),
                                       lf: SeriesJSON.number(value["lf"]), hf: SeriesJSON.number(value["hf"]))
                readings.append(HRVReading(time: .wallClock(seconds: wall), values: values))
            }
        }
        return readings
    }
}

/// `/1/user/-/hrv/date/{start}/{end}.json`: `{"hrv":[{"value":{"dailyRmssd":34.938,"deepRmssd":31.567},
/// "dateTime":"2026-03-01"}]}`, the main sleep ending on each date; a night without one is absent.
public struct FitbitDailyDecoder: DailyDecoder {
    public init() {}

    public func values(_ body: RawBody, date: LocalDate) throws(DayFailure) -> [LocalDate: DailyValues] {
        guard let root = try SeriesJSON.object(body.bytes, date: date, what: "daily HRV") as? [String: Any], let nights = root["hrv"] as? [[String: Any]] else {
            throw DayFailure(date: date, kind: .decode, message: "malformed daily HRV body: no hrv list")
        }
        var result = [LocalDate: DailyValues]()
        for night in nights {
            guard let day = (night["dateTime"] as? String).flatMap({ LocalDate($0) }), let value = night["value"] as? [String: Any] else {
                throw DayFailure(date: date, kind: .decode, message: "malformed daily HRV body: an element lacks its dateTime or value")
            }
            result[day] = DailyValues(hrvRMSSD: SeriesJSON.number(value["dailyRmssd"]), hrvDeepRMSSD: SeriesJSON.number(value["deepRmssd"]))
        }
        return result
    }
}
