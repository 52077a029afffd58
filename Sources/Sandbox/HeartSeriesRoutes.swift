import Foundation
import HeartRateExport
import Hummingbird
import NIOCore

/// The heart series beyond the samples, in both flavours: Fitbit's `/1/user/-/hrv/...` and Google's
/// `daily-resting-heart-rate`, `daily-heart-rate-variability` and `heart-rate-variability` data types; and their
/// truth, computed here from the synthetic data and the design's definitions.
extension SandboxRoutes {
    // MARK: what is served when

    /// A night is synced once the device synced after the wake-up that ended it (07:00 on the wall clock).
    func nightServed(user: String, endingOn date: LocalDate) async -> Bool {
        let sync = await state.lastSync(for: user)
        return date >= memberSince && date <= today && sync >= LocalDateTime(date: date, secondOfDay: 7 * 3600)
    }

    func servedNight(user: String, endingOn date: LocalDate) async -> [SyntheticHeartRate.HRVWindow] {
        guard await nightServed(user: user, endingOn: date) else { return [] }
        return data.night(user: user, endingOn: date, zone: TimeZone(identifier: await state.zone(on: date)))
    }

    func servedSummary(user: String, endingOn date: LocalDate) async -> SyntheticHeartRate.NightSummary? {
        guard await nightServed(user: user, endingOn: date) else { return nil }
        return data.nightSummary(user: user, endingOn: date, zone: TimeZone(identifier: await state.zone(on: date)))
    }

    static func number(_ value: Double) -> String { value.description }

    // MARK: Fitbit

    /// `/1/user/-/hrv/date/{date}/all.json` (the night's windows) and `/1/user/-/hrv/date/{start}/{end}.json` (the
    /// nights' summaries, at most 30 days).
    func fitbitHRV(user: String, first: String, second: String) async -> Response {
        guard let start = LocalDate(first) else { return error(400, "validation", "Invalid date:\(first)") }
        if second == "all.json" {
            let windows = await servedNight(user: user, endingOn: start)
            guard !windows.isEmpty else { return raw("{\"hrv\":[]}") }
            let minutes = windows.map { w -> String in
                let local = LocalDateTime(secondsAsIfUTC: Int64(w.localSeconds))
                return "{\"minute\":\"\(local.description).000\",\"value\":{\"rmssd\":\(Self.number(w.rmssd)),\"coverage\":\(Self.number(w.coverage)),"
                    + "\"hf\":\(Self.number(w.hf)),\"lf\":\(Self.number(w.lf))}}"
            }
            return raw("{\"hrv\":[{\"minutes\":[" + minutes.joined(separator: ",") + "],\"dateTime\":\"\(start)\"}]}")
        }
        guard second.hasSuffix(".json"), let end = LocalDate(second.dropLast(5)), start <= end else {
            return error(400, "validation", "Invalid date range: \(first)/\(second)")
        }
        guard end.daysSinceEpoch - start.daysSinceEpoch < 30 else { return error(400, "validation", "Date range must be at most 30 days") }
        var days = [String]()
        var date = start
        while date <= end {
            if let s = await servedSummary(user: user, endingOn: date) {
                days.append("{\"value\":{\"dailyRmssd\":\(Self.number(s.rmssd)),\"deepRmssd\":\(Self.number(s.deepRmssd))},\"dateTime\":\"\(date)\"}")
            }
            date = date.adding(days: 1)
        }
        return raw("{\"hrv\":[" + days.joined(separator: ",") + "]}")
    }

    // MARK: Google

    /// The data points of the other heart types, newest first, paged like heart rate.
    func googleHeartSeries(user: String, type: String, query: FormFields) async -> Response {
        let snake = type.replacingOccurrences(of: "-", with: "_")
        guard let filter = query["filter"], !filter.isEmpty else {
            return googleError(400, "INVALID_ARGUMENT", "A filter on \(snake) is required", reason: "INVALID_DATA_POINT_FILTER")
        }
        guard !filter.contains(type), let range = Self.parseSeriesFilter(filter, type: snake) else {
            return googleError(400, "INVALID_ARGUMENT", "Invalid filter: \(filter)", reason: "INVALID_DATA_POINT_FILTER")
        }
        var points = [(sort: Int, json: String)]()
        switch type {
        case "heart-rate-variability":
            let first = range.lower.floorDiv(86_400) - 1, last = (range.upper - 1).floorDiv(86_400) + 1
            guard last - first <= 63 else { return googleError(400, "INVALID_ARGUMENT", "The range may span at most 62 days") }
            for day in first...last {
                for w in await servedNight(user: user, endingOn: LocalDate(daysSinceEpoch: day)) {
                    let key = range.civil ? w.localSeconds : w.epochSeconds
                    guard key >= range.lower, key < range.upper else { continue }
                    let instant = LocalDateTime(secondsAsIfUTC: Int64(w.epochSeconds)).description
                    points.append((w.epochSeconds, "{\"dataSource\":{\"platform\":\"FITBIT\"},\"heartRateVariability\":{\"sampleTime\":{\"physicalTime\":\"\(instant)Z\""
                        + (w.offsetSeconds == 0 ? "" : ",\"utcOffset\":\"\(w.offsetSeconds)s\"") + "},"
                        + "\"rootMeanSquareOfSuccessiveDifferencesMilliseconds\":\(Self.number(w.rmssd)),\"standardDeviationMilliseconds\":\(Self.number(w.sdnn))}}"))
                }
            }
        case "daily-resting-heart-rate", "daily-heart-rate-variability":
            let first = range.lower / 86_400, last = (range.upper - 1) / 86_400
            guard last - first <= 62 else { return googleError(400, "INVALID_ARGUMENT", "The range may span at most 62 days") }
            for day in stride(from: first, through: last, by: 1) {
                let date = LocalDate(daysSinceEpoch: day)
                let c = date.components
                let civil = "\"date\":{\"year\":\(c.year),\"month\":\(c.month),\"day\":\(c.day)}"
                if type == "daily-resting-heart-rate" {
                    guard let resting = await served(user: user, date: date, detail: .oneMinute).restingBPM,
                          await state.lastSync(for: user) >= LocalDateTime(date: date.adding(days: 1), secondOfDay: 0) else { continue }
                    points.append((day, "{\"dataSource\":{\"platform\":\"FITBIT\"},\"dailyRestingHeartRate\":{\(civil),\"beatsPerMinute\":\"\(resting)\"}}"))
                } else if let s = await servedSummary(user: user, endingOn: date) {
                    points.append((day, "{\"dataSource\":{\"platform\":\"FITBIT\"},\"dailyHeartRateVariability\":{\(civil),"
                        + "\"averageHeartRateVariabilityMilliseconds\":\(Self.number(s.rmssd)),"
                        + "\"deepSleepRootMeanSquareOfSuccessiveDifferencesMilliseconds\":\(Self.number(s.deepRmssd)),"
                        + "\"nonRemHeartRateBeatsPerMinute\":\"\(s.nremBPM)\",\"entropy\":\(Self.number(s.entropy))}}"))
                }
            }
        default:
            return googleError(400, "INVALID_ARGUMENT", "Unknown data type \(type)", reason: "INVALID_DATA_TYPE")
        }
        points.sort { $0.sort > $1.sort }
        let pageSize = max(1, min(query["pageSize"].flatMap { Int($0) } ?? 1440, 10_000))
        let offset = query["pageToken"].flatMap { $0.hasPrefix("p") ? Int($0.dropFirst()) : nil } ?? 0
        guard offset <= points.count else { return googleError(400, "INVALID_ARGUMENT", "Invalid page token") }
        let end = min(points.count, offset + pageSize)
        var body = "{\"dataPoints\":[" + points[offset..<end].map(\.json).joined(separator: ",") + "]"
        if end < points.count { body += ",\"nextPageToken\":\"p\(end)\"" }
        return raw(body + "}")
    }

    /// `<snake>.date >= "YYYY-MM-DD" AND <snake>.date < "YYYY-MM-DD"`, or for samples `<snake>.sample_time.civil_time`
    /// (`physical_time` with `Z`): a closed-open range in seconds, civil (wall clock) or physical.
    static func parseSeriesFilter(_ filter: String, type snake: String) -> (civil: Bool, lower: Int, upper: Int)? {
        var lower: Int?, upper: Int?, civil = true
        for clause in filter.components(separatedBy: " AND ") {
            let parts = clause.trimmingCharacters(in: .whitespaces).split(separator: " ", maxSplits: 2).map(String.init)
            guard parts.count == 3, parts[2].hasPrefix("\""), parts[2].hasSuffix("\""), parts[2].count >= 2 else { return nil }
            let text = String(parts[2].dropFirst().dropLast())
            let value: Int
            switch parts[0] {
            case snake + ".date":
                guard let date = LocalDate(text) else { return nil }
                value = date.daysSinceEpoch * 86_400
            case snake + ".sample_time.civil_time":
                if let date = LocalDate(text) { value = date.daysSinceEpoch * 86_400 } else if let time = LocalDateTime(text) { value = time.secondsAsIfUTC } else { return nil }
            case snake + ".sample_time.physical_time":
                guard text.hasSuffix("Z"), let time = LocalDateTime(text.dropLast()) else { return nil }
                civil = false
                value = time.secondsAsIfUTC
            default:
                return nil
            }
            switch parts[1] {
            case ">=": lower = value
            case "<": upper = value
            default: return nil
            }
        }
        guard let lower, let upper, lower < upper else { return nil }
        return (civil, lower, upper)
    }

    // MARK: truth

    /// `/_sandbox/truth?series=hrv|daily&user=&date=`: what the export must hold for the day, in this flavour.
    func seriesTruth(user: String, date: LocalDate, series: String) async -> Response {
        let google = configuration.api == .google
        if series == "hrv" {
            var windows = [SyntheticHeartRate.HRVWindow]()
            for night in [date, date.adding(days: 1)] { windows += await servedNight(user: user, endingOn: night) }
            windows = windows.filter { $0.localDate == date }.sorted { $0.epochSeconds < $1.epochSeconds }
            let rows: [TruthDigest.HRVRow] = windows.map {
                (Int64($0.epochSeconds) * 1000, $0.offsetSeconds / 60, [$0.rmssd, google ? nil : $0.coverage, google ? nil : $0.lf, google ? nil : $0.hf, google ? $0.sdnn : nil])
            }
            let json: [[String: Any]] = rows.map { row in
                var fields: [String: Any] = ["epoch_ms": row.epochMillis, "utc_offset_min": row.offsetMinutes]
                for (name, value) in zip(["rmssd_ms", "coverage", "lf", "hf", "sdnn_ms"], row.values) { fields[name] = value.map { $0 as Any } ?? NSNull() }
                return fields
            }
            return self.json(["user": user, "date": date.description, "series": "hrv", "rows": json, "sha256": TruthDigest.hrv(rows)])
        }
        let day = await served(user: user, date: date, detail: .oneMinute)
        let summary = await servedSummary(user: user, endingOn: date)
        let values: [String: Any] = [
            "resting_bpm": day.restingBPM.map { $0 as Any } ?? NSNull(),
            "zone_minutes": google ? NSNull() : day.zoneMinutes as Any,
            "hrv_rmssd_ms": summary.map { $0.rmssd as Any } ?? NSNull(),
            "hrv_deep_rmssd_ms": summary.map { $0.deepRmssd as Any } ?? NSNull(),
            "hrv_nrem_bpm": google ? summary.map { Double($0.nremBPM) as Any } ?? NSNull() : NSNull(),
            "hrv_entropy": google ? summary.map { $0.entropy as Any } ?? NSNull() : NSNull(),
        ]
        return json(["user": user, "date": date.description, "series": "daily", "values": values])
    }

    func raw(_ text: String) -> Response {
        Response(status: .ok, headers: [.contentType: "application/json;charset=UTF-8"], body: .init(byteBuffer: ByteBuffer(string: text)))
    }
}
