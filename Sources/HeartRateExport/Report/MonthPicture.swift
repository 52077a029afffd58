import Foundation

/// What one month looks like, computed from the files on disk: median bpm per local day and hour, the
/// daily resting heart rate, the nightly HRV (RMSSD), and each day's status. The SVG is drawn from this value alone.
public struct MonthPicture: Sendable, Equatable {
    public var month: YearMonth
    public var detail: Detail
    /// [day index][hour] = median bpm, nil where there is no sample.
    public var medians: [[Int?]]
    public var resting: [Int?]
    /// The night's RMSSD in ms, from the daily file; nil for a night without a measurement.
    public var hrv: [Double?]
    public var statuses: [DayStatus?]
    public var rows: Int

    public var days: Int { medians.count }

    /// Reads the month's intraday and daily files (any format) and the manifest's statuses.
    public static func load(layout: ExportLayout, manifest: Manifest, detail: Detail, month: YearMonth) throws(ExportError) -> MonthPicture {
        let dates = month.days
        let entries = manifest.days[detail] ?? [:]
        let format = entries.filter { $0.key.month == month }.compactMap(\.value.format).first ?? manifest.recordedFormat(detail) ?? .parquet
        var buckets = [[[Int16]]](repeating: [[Int16]](repeating: [], count: 24), count: dates.count)
        var rows = 0
        let intraday = layout.intradayFile(detail, month, format)
        if FileSystem.exists(intraday) {
            for sample in try MonthFileFormats.format(format).readIntraday(from: intraday) {
                let local = sample.localMillis / 1000
                let day = LocalDate(containingSecond: local).daysSinceEpoch - month.firstDay.daysSinceEpoch
                guard day >= 0, day < dates.count else { continue }
                let hour = Int((local - Int64(month.firstDay.daysSinceEpoch + day) * 86_400) / 3600)
                buckets[day][min(23, max(0, hour))].append(sample.bpm)
                rows += 1
            }
        }
        var resting = [Int?](repeating: nil, count: dates.count)
        var hrv = [Double?](repeating: nil, count: dates.count)
        for candidate in [format] + OutputFormat.allCases where FileSystem.exists(layout.dailyFile(month, candidate)) {
            for row in try MonthFileFormats.format(candidate).readDaily(from: layout.dailyFile(month, candidate)) {
                let index = row.date.daysSinceEpoch - month.firstDay.daysSinceEpoch
                guard index >= 0, index < dates.count else { continue }
                resting[index] = row.values.restingBPM.map(Int.init)
                hrv[index] = row.values.hrvRMSSD
            }
            break
        }
        return MonthPicture(month: month, detail: detail,
                            medians: buckets.map { $0.map(Self.median) }, resting: resting, hrv: hrv,
                            statuses: dates.map { entries[$0]?.status }, rows: rows)
    }

    static func median(_ values: [Int16]) -> Int? {
        guard !values.isEmpty else { return nil }
        let sorted = values.sorted()
        let mid = sorted.count / 2
        return sorted.count % 2 == 1 ? Int(sorted[mid]) : (Int(sorted[mid - 1]) + Int(sorted[mid]) + 1) / 2
    }

    /// Days to mark: anything short of complete (partial, empty, no access, failed, never requested).
    public func isGap(_ day: Int) -> Bool { statuses[day] != .complete }
}
