import Foundation

/// The series beyond the samples: intraday heart-rate variability (`hrv`) and the daily summary (`daily`).
///
/// Their bodies are few (a night, a month of summaries), so they are fetched one after the other within the same
/// budget as the samples and archived the moment they arrive; then every month they touch is rebuilt whole from
/// the raw archive, as `rebuild` does, and each requested day is recorded. A night spans two local days: the body
/// of day D (Fitbit, Takeout) holds the night that ends on D, so day D − 1's windows are complete only once day D's
/// body has been fetched after its night was synced.
struct HeartSeriesExport: Sendable {
    static let hrvFolder = "hrv"
    static let dailyFolder = "daily"

    let layout: ExportLayout
    let user: String
    let permissions: FilePermissions
    let force: Bool
    let reporter: any ProgressReporter
    /// Write every month even when its days are what the file already holds (a rebuild repairs damaged files).
    var rewritesUnchanged = false

    // MARK: fetching

    /// The HRV bodies of `dates`; a body already archived and final is not asked for again (unless in `refetch`).
    func fetchHRV(_ dates: [LocalDate], from source: any HeartRateSource, archive: RawArchive, lastSync: LocalDateTime?,
                  refetch: Set<LocalDate>, concurrency: Int = 1) async throws -> [LocalDate: DayFailure] {
        var wanted = [LocalDate]()
        for date in dates {
            guard let lastSync, lastSync > LocalDateTime(date: date, secondOfDay: 0) else { continue }
            if !refetch.contains(date), let stored = try archive.load(folder: Self.hrvFolder, date), stored.coversWholeDay(date) { continue }
            wanted.append(date)
        }
        // Several nights in flight, as the samples are: each waits for the budget, so the window is used whole.
        var failures = [LocalDate: DayFailure]()
        try await withThrowingTaskGroup(of: (LocalDate, DayFailure?).self) { group in
            var next = 0
            func start() {
                guard next < wanted.count else { return }
                let date = wanted[next]
                next += 1
                group.addTask {
                    switch try await source.fetchHRV(date) {
                    case .success(let bytes):
                        let body = RawBody(bytes: bytes, fetchedAt: Date().timeIntervalSince1970, lastSync: lastSync, origin: .network)
                        try archive.store(body, folder: Self.hrvFolder, date: date)
                        return (date, nil)
                    case .failure(let failure):
                        return (date, failure)
                    }
                }
            }
            for _ in 0..<max(1, concurrency) { start() }
            while let (date, failure) = try await group.next() {
                if let failure { failures[date] = failure }
                start()
            }
        }
        return failures
    }

    /// Daily summary bodies for the days, one request per run of at most `dailyRangeLimit` days within a month;
    /// each body is filed under its first day with the last day it covers in its notes.
    func fetchDaily(_ days: [LocalDate], from source: any HeartRateSource, archive: RawArchive,
                    lastSync: LocalDateTime?) async throws -> [LocalDate: DayFailure] {
        var failures = [LocalDate: DayFailure]()
        for range in Self.ranges(days, limit: source.dailyRangeLimit) {
            guard let lastSync, lastSync > LocalDateTime(date: range.lowerBound, secondOfDay: 0) else { continue }
            let end = min(range.upperBound, lastSync.date)
            switch try await source.fetchDaily(range.lowerBound...end) {
            case .success(let bytes):
                let body = RawBody(bytes: bytes, fetchedAt: Date().timeIntervalSince1970, lastSync: lastSync, origin: .network, notes: ["end": end.description])
                try archive.store(body, folder: Self.dailyFolder, date: range.lowerBound)
            case .failure(let failure):
                var day = range.lowerBound
                while day <= end {
                    failures[day] = DayFailure(date: day, kind: failure.kind, httpStatus: failure.httpStatus, message: failure.message)
                    day = day.adding(days: 1)
                }
            }
        }
        return failures
    }

    /// Consecutive days grouped into ranges that stay within a month and `limit` days.
    static func ranges(_ days: [LocalDate], limit: Int) -> [ClosedRange<LocalDate>] {
        var ranges = [ClosedRange<LocalDate>]()
        for day in Set(days).sorted() {
            if let last = ranges.last, last.upperBound.adding(days: 1) == day, last.lowerBound.month == day.month,
               day.daysSinceEpoch - last.lowerBound.daysSinceEpoch < limit {
                ranges[ranges.count - 1] = last.lowerBound...day
            } else {
                ranges.append(day...day)
            }
        }
        return ranges
    }

    // MARK: HRV months

    /// The month's HRV windows of one source, by local day, placed in time (wall clocks by the zone history).
    func hrvRows(_ month: YearMonth, source: SourceKind, zones: TimeZoneHistory) throws(ExportError) -> [LocalDate: [HRVSample]] {
        let archive = RawArchive(userFolder: layout.userFolder, source: source)
        let last = source.hrvBodyHoldsTheNightEndingOnIt ? month.lastDay.adding(days: 1) : month.lastDay
        var placer = HRVPlacer(zones: zones)
        var byDay = [LocalDate: [Int64: HRVSample]]()
        var date = month.firstDay
        while date <= last {
            defer { date = date.adding(days: 1) }
            guard let body = try archive.load(folder: Self.hrvFolder, date) else { continue }
            let readings: [HRVReading]
            do { readings = try source.hrvDecoder.readings(body, date: date) } catch {
                reporter.warning("\(date): the stored HRV body \(archive.path(folder: Self.hrvFolder, date)) does not decode: \(error.message)")
                continue
            }
            for reading in readings {
                guard let sample = placer.place(reading), sample.localDate.month == month else { continue }
                byDay[sample.localDate, default: [:]][sample.epochMillis] = byDay[sample.localDate]?[sample.epochMillis] ?? sample
            }
        }
        // After a change of zone a local day can begin before the previous one ended: as with the samples, a
        // window of the later day that is not after the earlier day's last one is dropped, so the file stays sorted.
        var result = [LocalDate: [HRVSample]]()
        var lastEnd = Int64.min
        for day in byDay.keys.sorted() {
            let windows = byDay[day]!.values.sorted { $0.epochMillis < $1.epochMillis }.filter { $0.epochMillis > lastEnd }
            if let last = windows.last { lastEnd = last.epochMillis }
            result[day] = windows
        }
        return result
    }

    /// Rebuilds the month's HRV file and records the requested days (and keeps the others it already knew).
    func writeHRVMonth(_ month: YearMonth, source: SourceKind, requested: Set<LocalDate>, failures: [LocalDate: DayFailure],
                       reachWithoutBody: LocalDateTime?, manifest: inout Manifest, format: OutputFormat) throws(ExportError) -> [String] {
        let prior = manifest.hrv
        var rowsBySource = [source: try hrvRows(month, source: source, zones: manifest.timezones)]
        func rows(_ kind: SourceKind, _ day: LocalDate) throws(ExportError) -> [HRVSample] {
            if rowsBySource[kind] == nil { rowsBySource[kind] = try hrvRows(month, source: kind, zones: manifest.timezones) }
            return rowsBySource[kind]?[day] ?? []
        }
        let archive = RawArchive(userFolder: layout.userFolder, source: source)
        func final(_ day: LocalDate) throws(ExportError) -> Bool {
            if let body = try archive.load(folder: Self.hrvFolder, day) { return body.coversWholeDay(day) }
            return reachWithoutBody.map { $0 >= LocalDateTime(date: day.adding(days: 1), secondOfDay: 0) } ?? false
        }
        var kept = [LocalDate: [HRVSample]]()
        for day in month.days where requested.contains(day) || prior[day] != nil {
            var entry: Manifest.DayEntry
            if requested.contains(day) {
                let (mine, chosen, other) = try Self.merged(try rows(source, day), from: source, written: prior[day], count: \.count) {
                    kind throws(ExportError) in try rows(kind, day)
                }
                var settled = try final(day)
                if settled && source.hrvBodyHoldsTheNightEndingOnIt { settled = try final(day.adding(days: 1)) }
                let failure = failures[day] ?? (source.hrvBodyHoldsTheNightEndingOnIt ? failures[day.adding(days: 1)] : nil)
                let status: DayStatus = failure != nil ? .failed : settled ? (mine.isEmpty ? .empty : .complete) : .partial
                entry = Manifest.DayEntry(status: status, rows: mine.count, sha256: CanonicalDigest.sha256(hrv: mine), source: chosen,
                                          format: mine.isEmpty ? nil : format, fetchedAt: TimestampText.iso(Date()),
                                          lastSync: try archive.load(folder: Self.hrvFolder, day)?.lastSync?.description,
                                          error: failure.map { Printable.escaped($0.message) }, httpStatus: failure?.httpStatus)
                entry.otherSource = other?.0
                entry.otherRows = other?.1
                if let failure { reporter.warning("\(day) hrv: failed: \(failure.message)") }
            } else {
                entry = prior[day]!
                if entry.rows > 0 {
                    let theirs = try rows(entry.source, day)
                    entry.rows = theirs.count
                    entry.sha256 = CanonicalDigest.sha256(hrv: theirs)
                    entry.format = format
                }
            }
            if entry.rows > 0 { kept[day] = try rows(entry.source, day) }
            manifest.set(entry, .hrv, day)
        }
        let samples = kept.keys.sorted().flatMap { kept[$0]! }
        guard !samples.isEmpty else { return [] }
        let path = layout.seriesFile(.hrv, month, format)
        if unchanged(month, before: prior, after: manifest.hrv, path: path) { return [] }
        try refuseForeign(path)
        var context = MonthFileContext(user: user, source: source, detail: .oneSecond, month: month, timeZone: manifest.timezones.zone(on: month.lastDay) ?? "UTC")
        context.sources = Array(Set(kept.keys.compactMap { manifest.hrv[$0]?.source })).sorted { $0.rawValue < $1.rawValue }
        try MonthFileFormats.format(format).writeHRV(samples, context: context, to: path, permissions: permissions)
        try removeOther(than: format) { layout.seriesFile(.hrv, month, $0) }
        return [path]
    }

    // MARK: daily months

    /// What one source says of each day of the month: its daily bodies, and (Fitbit) each day's heart-rate body.
    func dailyValues(_ month: YearMonth, source: SourceKind) throws(ExportError) -> (values: [LocalDate: DailyValues], finalThrough: [LocalDate: LocalDateTime]) {
        let archive = RawArchive(userFolder: layout.userFolder, source: source)
        var values = [LocalDate: DailyValues]()
        var reach = [LocalDate: LocalDateTime]()
        for date in archive.dates(folder: Self.dailyFolder, month: month) {
            guard let body = try archive.load(folder: Self.dailyFolder, date) else { continue }
            let end = body.notes["end"].flatMap { LocalDate($0) } ?? date
            do {
                for (day, v) in try source.dailyDecoder.values(body, date: date) where day.month == month {
                    values[day] = v.filled(from: values[day] ?? DailyValues())
                }
            } catch {
                reporter.warning("\(date): the stored daily body \(archive.path(folder: Self.dailyFolder, date)) does not decode: \(error.message)")
                continue
            }
            var day = date
            while day <= end {
                if let lastSync = body.lastSync { reach[day] = max(reach[day] ?? lastSync, lastSync) }
                day = day.adding(days: 1)
            }
        }
        if source.dailyFromHeartRateBody {
            for day in month.days {
                // The finest detail archived for the day: every detail's response carries the same summary.
                for detail in Detail.allCases {
                    guard let body = try archive.load(detail, day), let decoded = try? source.decoder.decode(body, date: day, detail: detail) else { continue }
                    var v = values[day] ?? DailyValues()
                    v.restingBPM = decoded.summary.restingBPM
                    v.zoneMinutes = decoded.hasIntraday || !decoded.summary.zoneMinutes.allSatisfy({ $0 == 0 }) ? decoded.summary.zoneMinutes : v.zoneMinutes
                    values[day] = v
                    reach[day] = min(reach[day] ?? body.lastSync ?? LocalDateTime(date: day, secondOfDay: 0),
                                     body.lastSync ?? LocalDateTime(date: day, secondOfDay: 0))
                    break
                }
            }
        }
        return (values, reach)
    }

    /// Rebuilds the month's daily file from the raw archive and the manifest's sample counts, and records the
    /// requested days (and keeps the others it already knew).
    func writeDailyMonth(_ month: YearMonth, source: SourceKind, requested: Set<LocalDate>, failures: [LocalDate: DayFailure],
                         reachWithoutBody: LocalDateTime? = nil, manifest: inout Manifest, format: OutputFormat) throws(ExportError) -> [String] {
        let prior = manifest.daily
        var bySource = [source: try dailyValues(month, source: source)]
        func values(_ kind: SourceKind, _ day: LocalDate) throws(ExportError) -> DailyValues {
            if bySource[kind] == nil { bySource[kind] = try dailyValues(month, source: kind) }
            return bySource[kind]?.values[day] ?? DailyValues()
        }
        var rows = [DailyRow]()
        for day in month.days where requested.contains(day) || prior[day] != nil {
            let samples = Int32(clamping: manifest.finestSampleRows(day))
            var entry: Manifest.DayEntry
            var row: DailyRow
            if requested.contains(day) {
                let (mine, chosen, other) = try Self.merged(try values(source, day), from: source, written: prior[day], count: \.count) {
                    kind throws(ExportError) in try values(kind, day)
                }
                row = DailyRow(date: day, values: mine, samples: samples)
                // Final once either source's answer is: this one's is, and what was kept is at least as full.
                let ownReach = bySource[source]?.finalThrough[day] ?? reachWithoutBody
                let keptReach = chosen == source ? nil : bySource[chosen]?.finalThrough[day]
                let reach = [ownReach, keptReach].compactMap { $0 }.max()
                let settled = reach.map { $0 >= LocalDateTime(date: day.adding(days: 1), secondOfDay: 0) } ?? false
                let failure = failures[day]
                let status: DayStatus = failure != nil ? .failed : settled ? (mine.count == 0 && samples == 0 ? .empty : .complete) : .partial
                entry = Manifest.DayEntry(status: status, rows: 1, sha256: CanonicalDigest.sha256(daily: [row]), source: chosen, format: format,
                                          fetchedAt: TimestampText.iso(Date()), lastSync: reach?.description,
                                          error: failure.map { Printable.escaped($0.message) }, httpStatus: failure?.httpStatus)
                entry.otherSource = other?.0
                entry.otherRows = other?.1
                if let failure { reporter.warning("\(day) daily: failed: \(failure.message)") }
            } else {
                entry = prior[day]!
                row = DailyRow(date: day, values: try values(entry.source, day), samples: samples)
                entry.sha256 = CanonicalDigest.sha256(daily: [row])
                entry.format = format
            }
            rows.append(row)
            manifest.set(entry, .daily, day)
        }
        guard !rows.isEmpty else { return [] }
        let path = layout.seriesFile(.daily, month, format)
        if unchanged(month, before: prior, after: manifest.daily, path: path) { return [] }
        try refuseForeign(path)
        var context = MonthFileContext(user: user, source: source, detail: .oneSecond, month: month, timeZone: manifest.timezones.zone(on: month.lastDay) ?? "UTC")
        context.sources = Array(Set(rows.compactMap { manifest.daily[$0.date]?.source })).sorted { $0.rawValue < $1.rawValue }
        try MonthFileFormats.format(format).writeDaily(rows, context: context, to: path, permissions: permissions)
        try removeOther(than: format) { layout.seriesFile(.daily, month, $0) }
        return [path]
    }

    /// The merge rule between sources (design): the denser series wins; on a tie the one already written stays;
    /// the other is recorded as (source, rows).
    static func merged<Rows>(_ mine: Rows, from source: SourceKind, written: Manifest.DayEntry?, count: (Rows) -> Int,
                             theirs: (SourceKind) throws(ExportError) -> Rows) throws(ExportError) -> (Rows, SourceKind, (SourceKind, Int)?) {
        guard let written, written.source != source, written.status.hasRows else { return (mine, source, nil) }
        let kept = try theirs(written.source)
        return count(kept) >= count(mine) ? (kept, written.source, (source, count(mine))) : (mine, source, (written.source, count(kept)))
    }

    // MARK: files

    /// The month's days are the ones its file was written from: the same days, digests and sources. Leaving the
    /// file alone keeps its modification time, which is what tools that copy only changed files go by.
    private func unchanged(_ month: YearMonth, before: [LocalDate: Manifest.DayEntry], after: [LocalDate: Manifest.DayEntry], path: String) -> Bool {
        guard !rewritesUnchanged, !force, FileSystem.exists(path) else { return false }
        let old = before.filter { $0.key.month == month }, new = after.filter { $0.key.month == month }
        return old.count == new.count && new.allSatisfy { day, entry in
            old[day].map { $0.sha256 == entry.sha256 && $0.rows == entry.rows && $0.source == entry.source } ?? false
        }
    }

    private func refuseForeign(_ path: String) throws(ExportError) {
        guard !force, FileSystem.exists(path), !MonthFileFormats.format(path.hasSuffix(".parquet") ? .parquet : .csv).isOurs(path) else { return }
        throw .corrupt(path: path, message: "is not a file hrexport wrote, or is damaged; move it aside, or pass --force to replace it")
    }

    /// A month lives in one format: once the new file is in place, the other format's file goes.
    private func removeOther(than format: OutputFormat, _ path: (OutputFormat) -> String) throws(ExportError) {
        for other in OutputFormat.allCases where other != format { try FileSystem.removeFile(path(other)) }
    }
}

/// Places HRV readings in time: instants as they come, wall clocks by the zone in force on their local day.
struct HRVPlacer {
    let zones: TimeZoneHistory
    private var offsets: [LocalDate: DayOffsets] = [:]

    init(zones: TimeZoneHistory) {
        self.zones = zones
    }

    mutating func place(_ reading: HRVReading) -> HRVSample? {
        var sample = reading.values
        switch reading.time {
        case .instant(let millis, let offset):
            sample.epochMillis = millis
            sample.utcOffsetMinutes = offset
        case .wallClock(let seconds):
            let date = LocalDate(containingSecond: seconds)
            if offsets[date] == nil {
                guard let name = zones.zone(on: date), let zone = ZoneLabel.timeZone(name) else { return nil }
                offsets[date] = DayOffsets(zone: zone, date: date)
            }
            let (utc, offset) = offsets[date]!.resolve(localSecondsAsIfUTC: Int(seconds))
            sample.epochMillis = Int64(utc) * 1000
            sample.utcOffsetMinutes = Int16(offset / 60)
        }
        return sample
    }
}
