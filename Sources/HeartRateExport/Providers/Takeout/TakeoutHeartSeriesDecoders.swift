import Foundation

/// `Heart Rate Variability Details - YYYY-MM-DD.csv`: `timestamp,rmssd,coverage,low_frequency,high_frequency`,
/// one row per 5-minute window of the sleep that ends on the date; `timestamp` is the wall clock without a zone.
public struct TakeoutHRVDecoder: HRVDecoder {
    public init() {}

    public func readings(_ body: RawBody, date: LocalDate) throws(DayFailure) -> [HRVReading] {
        try TakeoutCSV.rows(body.bytes, header: "timestamp,rmssd,coverage,low_frequency,high_frequency", date: date) { fields, line throws(DayFailure) in
            let bad = DayFailure(date: date, kind: .decode, message: "HRV details line \(line) is not `timestamp,rmssd,coverage,low_frequency,high_frequency`")
            guard fields.count >= 5, let wall = SeriesJSON.wallClock(fields[0]) else { throw bad }
            var n = [Double?]()
            for field in fields[1..<5] { n.append(try TakeoutCSV.measured(field, or: bad)) }
            return HRVReading(time: .wallClock(seconds: wall), values: HRVSample(epochMillis: 0, utcOffsetMinutes: 0, rmssd: n[0], coverage: n[1], lf: n[2], hf: n[3]))
        }
    }
}

/// A Takeout day's summary as the import stores it from the archive's files: `{"resting_bpm":61.37,
/// "rmssd":34.9,"nremhr":56.1,"entropy":2.9}` (each optional), taken from `resting_heart_rate-*.json` (the element
/// whose own `date` is the day; `value` 0 or absent is none) and `Daily Heart Rate Variability Summary -
/// YYYY-MM-(DD).csv` (`timestamp,rmssd,nremhr,entropy`).
public struct TakeoutDailyDecoder: DailyDecoder {
    public init() {}

    public func values(_ body: RawBody, date: LocalDate) throws(DayFailure) -> [LocalDate: DailyValues] {
        guard let record = try SeriesJSON.object(body.bytes, date: date, what: "daily") as? [String: Any] else {
            throw DayFailure(date: date, kind: .decode, message: "malformed daily record: not an object")
        }
        return [date: DailyValues(restingBPM: DailyValues.resting(SeriesJSON.number(record["resting_bpm"])), hrvRMSSD: SeriesJSON.number(record["rmssd"]),
                                  hrvNREMBPM: SeriesJSON.number(record["nremhr"]), hrvEntropy: SeriesJSON.number(record["entropy"]))]
    }
}

/// The small CSVs of a Takeout archive: a header (BOM tolerated) that must start as given, then one row per line.
enum TakeoutCSV {
    static func rows<Row>(_ bytes: [UInt8], header: String, date: LocalDate,
                          _ row: ([String], Int) throws(DayFailure) -> Row) throws(DayFailure) -> [Row] {
        let text = String(decoding: bytes, as: UTF8.self).replacingOccurrences(of: "\r\n", with: "\n")
        var lines = text.split(separator: "\n", omittingEmptySubsequences: true).map(String.init)
        guard let first = lines.first, first.trimmingPrefix("\u{FEFF}").lowercased().hasPrefix(header) else {
            throw DayFailure(date: date, kind: .decode, message: "the CSV header is not `\(header)`")
        }
        lines.removeFirst()
        var rows = [Row]()
        for (index, line) in lines.enumerated() {
            rows.append(try row(line.split(separator: ",", omittingEmptySubsequences: false).map { $0.trimmingCharacters(in: .whitespaces) }, index + 2))
        }
        return rows
    }

    /// A measured value: empty, NaN or infinite is none (a source's ways of saying so); any other text that is
    /// not a number makes its line malformed.
    static func measured(_ field: String, or bad: DayFailure) throws(DayFailure) -> Double? {
        if field.isEmpty { return nil }
        guard let value = Double(field) else { throw bad }
        return DailyValues.measured(value)
    }
}
