import Foundation

/// Reads one stored body of intraday HRV into readings (instants, or wall clocks the zone history places).
public protocol HRVDecoder: Sendable {
    func readings(_ body: RawBody, date: LocalDate) throws(DayFailure) -> [HRVReading]
}

/// Reads one stored body of daily summaries into values per day (each element names its own day).
public protocol DailyDecoder: Sendable {
    func values(_ body: RawBody, date: LocalDate) throws(DayFailure) -> [LocalDate: DailyValues]
}

extension SourceKind {
    public var hrvDecoder: any HRVDecoder {
        switch self {
        case .fitbit: FitbitHRVDecoder()
        case .google: GoogleHRVDecoder()
        case .takeout: TakeoutHRVDecoder()
        }
    }

    public var dailyDecoder: any DailyDecoder {
        switch self {
        case .fitbit: FitbitDailyDecoder()
        case .google: GoogleDailyDecoder()
        case .takeout: TakeoutDailyDecoder()
        }
    }

    /// Whether the HRV body of day D holds the night that ends on D, and so windows of the evening of D − 1 too
    /// (Fitbit, Takeout); Google's HRV bodies hold exactly one local day's samples.
    public var hrvBodyHoldsTheNightEndingOnIt: Bool { self != .google }

    /// Whether a day's resting heart rate and zone minutes ride in its heart-rate body (Fitbit's day response);
    /// the others send them in the daily bodies.
    public var dailyFromHeartRateBody: Bool { self == .fitbit }
}

/// Small JSON bodies (a night, a month of summaries) read with Foundation: a malformed one fails its day with
/// the reason, never the process.
enum SeriesJSON {
    static func object(_ bytes: [UInt8], date: LocalDate, what: String) throws(DayFailure) -> Any {
        guard ResponseShape.isWholeJSON(bytes), let value = try? JSONSerialization.jsonObject(with: Data(bytes)) else {
            throw DayFailure(date: date, kind: .decode, message: "malformed \(what) body: not whole JSON")
        }
        return value
    }

    /// A finite number, from a JSON number or an int64 sent as a string; nil for anything else.
    static func number(_ value: Any?) -> Double? {
        if let string = value as? String { return Double(string).flatMap(DailyValues.measured) }
        // JSON's true and false arrive as NSNumbers too (and 0 or 1 would pass for a Bool): only a number's own type counts.
        if let number = value as? NSNumber, String(cString: number.objCType) != "c" { return DailyValues.measured(number.doubleValue) }
        return nil
    }

    /// `{"year":2026,"month":11,"day":1}`.
    static func civilDate(_ value: Any?) -> LocalDate? {
        guard let parts = value as? [String: Any], let y = number(parts["year"]), let m = number(parts["month"]), let d = number(parts["day"]),
              let year = Int(exactly: y), let month = Int(exactly: m), let day = Int(exactly: d) else { return nil }
        return LocalDate(year: year, month: month, day: day)
    }

    /// `2026-03-01T02:30:00.000` or `2026-03-01T02:30:00` (a wall clock): seconds since 1970 on that clock.
    static func wallClock(_ text: String) -> Int64? {
        let whole = text.split(separator: ".", maxSplits: 1).first.map(String.init) ?? text
        return LocalDateTime(whole).map { Int64($0.secondsAsIfUTC) }
    }
}
