import Foundation

/// What `hrexport import` needs: values only, like a backfill's options.
public struct TakeoutImportOptions: Sendable {
    public var paths: [String]
    public var out: String
    public var stateFolder: String
    public var user: String
    /// The zone that places the samples; nil: the manifest's history, else the system zone.
    public var timeZone: String?
    public var times: TakeoutTimes = .utc
    /// A coarser series to derive too (1sec is always written).
    public var detail: Detail?
    public var format: OutputFormat?
    public var permissions: FilePermissions = .private
    public var force = false
    public var lockTimeout: Double = 0
    /// The most one entry may inflate to; tests lower it so they never inflate gigabytes.
    public var entryLimit = TakeoutArchives.defaultEntryLimit
    /// "Now", for tests; nil: the clock.
    public var now: Date?
    /// `--series`; nil: 1sec (and `detail`), hrv and daily. The samples are always read: the others need their days.
    public var series: [Series]?

    public init(paths: [String], out: String, stateFolder: String, user: String) {
        self.paths = paths
        self.out = out
        self.stateFolder = stateFolder
        self.user = user
    }
}

/// Imports Google Takeout archives into the same monthly files and manifest as the API sources. Each day
/// file is read as one stream, kept in the raw archive with where it came from, and goes through the
/// shared decode, normalize and write stages: memory is bounded by one day and one month.
public struct TakeoutImport: Sendable {
    public let options: TakeoutImportOptions
    let reporter: any ProgressReporter

    public init(options: TakeoutImportOptions, reporter: any ProgressReporter) {
        self.options = options
        self.reporter = reporter
    }

    /// A day replayed from the raw archive: a coarser series from the bodies the import just stored.
    static func archived(_ date: LocalDate, detail: Detail, from archive: RawArchive) throws(ExportError) -> FetchedDay {
        guard let body = try archive.load(.oneSecond, date) else {
            return FetchedDay(date: date, detail: detail, source: .takeout,
                              outcome: .failed(DayFailure(date: date, kind: .decode, message: "not in the raw archive")), lastSync: nil)
        }
        return FetchedDay(date: date, detail: detail, source: .takeout, outcome: .body(body), lastSync: body.lastSync)
    }

    public func run() async throws -> Manifest.RunSummary {
        let started = Date()
        let archives = try TakeoutArchives(paths: options.paths, entryLimit: options.entryLimit)
        for path in archives.skipped {
            reporter.warning("\(Printable.escaped(path)): not a regular file (a FIFO, device or link); skipped")
        }
        guard archives.entries.contains(where: \.kind.isSamples) else {
            throw ExportError.usage("no heart-rate day files in \(options.paths.joined(separator: ", ")) (looked for .../Global Export Data/heart_rate-YYYY-MM-DD.json, .../Physical Activity/heart_rate-YYYY-MM-DD.json and .../Physical Activity_GoogleData/heart_rate_YYYY-MM-DD.csv)")
        }
        let lock = try await UserLock.export(stateFolder: options.stateFolder, user: options.user, timeout: options.lockTimeout)
        defer { withExtendedLifetime(lock) {} }
        let layout = try ExportLayout(out: options.out, user: options.user)
        try FileSystem.removeAbandonedTempFiles(under: layout.userFolder)
        let manifestStore = ManifestStore(userFolder: layout.userFolder, permissions: options.permissions)
        var manifest = try manifestStore.load() ?? Manifest(user: options.user, source: .takeout)

        let byDate = Dictionary(grouping: archives.entries.filter(\.kind.isSamples), by: \.date)
        let dates = byDate.keys.sorted()
        let first = dates.first!, last = dates.last!
        // The zone: --timezone, else what the history knows, else this machine's; recorded either way.
        if let zone = options.timeZone {
            manifest.timezones.declare(zone: zone, from: first, to: manifest.timezones.entries.isEmpty ? nil : last)
        } else if manifest.timezones.entries.isEmpty {
            manifest.timezones.declare(zone: TimeZone.current.identifier, from: first)
            reporter.warning("no --timezone and no zone recorded yet: placing the samples in this machine's zone \(TimeZone.current.identifier)")
        }

        // Days already imported from the same entry and settled are not read again: importing is idempotent.
        let prior = manifest.days[.oneSecond] ?? [:]
        let todo = dates.filter { date in
            guard let entry = prior[date], entry.source == .takeout, entry.status.isSettled else { return true }
            return !byDate[date]!.contains { $0.origin == entry.origin }
        }
        var summary = Manifest.RunSummary(command: "import", startedAt: TimestampText.iso(started), finishedAt: "", detail: .oneSecond, from: first, to: last)
        let cut = Self.cut(last: last, exported: options.paths.compactMap(Self.exportInstant).min(),
                           now: options.now ?? started, zone: manifest.timezones.zone(on: last) ?? TimeZone.current.identifier)
        summary.deviceLastSync = cut.description
        let export = MonthlyExport(layout: layout, user: options.user, permissions: options.permissions, force: options.force,
                                   reporter: reporter, manifestStore: manifestStore)
        let archive = RawArchive(userFolder: layout.userFolder, source: .takeout, permissions: options.permissions)
        let reader = TakeoutDayReader(entries: byDate, archives: archives, archive: archive, cut: cut, times: options.times, reporter: reporter)
        reporter.planned(todo.count, detail: .oneSecond)
        try await export.run(DayList(todo).map { reader.read($0) }, detail: .oneSecond, format: options.format ?? manifest.recordedFormat(.oneSecond) ?? .parquet,
                             manifest: &manifest, summary: &summary, token: { nil })
        if let coarse = options.detail, coarse != .oneSecond {
            // The coarser series from the bodies just stored, without reading the archives again.
            let entries = manifest.days[coarse] ?? [:]
            let read = Set(todo)
            let replay = dates.filter { entries[$0]?.status.isSettled != true || read.contains($0) }
            reporter.planned(replay.count, detail: coarse)
            summary.detail = coarse
            try await export.run(DayList(replay).map { try Self.archived($0, detail: coarse, from: archive) }, detail: coarse,
                                 format: options.format ?? manifest.recordedFormat(coarse) ?? .parquet,
                                 manifest: &manifest, summary: &summary, token: { nil })
        }
        let series = options.series ?? [.samples(.oneSecond), .hrv, .daily]
        let heart = HeartSeriesExport(layout: layout, user: options.user, permissions: options.permissions, force: options.force, reporter: reporter)
        if series.contains(.hrv) {
            // Each details file holds the night that ends on its day: that day's morning and the evening before.
            let files = archives.entries.filter { $0.kind == .hrvDetails }
            // A file that cannot be read fails the two days its night touches; every other night still counts.
            var failures = [LocalDate: DayFailure]()
            for entry in files {
                func fail(_ message: String) {
                    reporter.warning("\(Printable.escaped(entry.origin)): \(message); skipped")
                    for day in [entry.date.adding(days: -1), entry.date] {
                        failures[day] = DayFailure(date: day, kind: .decode, message: "\(entry.origin): \(message)")
                    }
                }
                do {
                    let bytes = try archives.read(entry)
                    _ = try TakeoutHRVDecoder().readings(RawBody(bytes: bytes, fetchedAt: 0, lastSync: nil, origin: .archive), date: entry.date)
                    try archive.store(RawBody(bytes: bytes, fetchedAt: started.timeIntervalSince1970, lastSync: cut, origin: .archive, notes: ["origin": entry.origin]),
                                      folder: HeartSeriesExport.hrvFolder, date: entry.date, level: 1)
                } catch let failure as DayFailure {
                    fail(failure.message)
                } catch let error as ExportError {
                    fail(error.description)
                }
            }
            // An archive holds every night of its span: a day inside it without a window is empty, not unknown.
            var requested = Set<LocalDate>()
            if let first = files.map(\.date).min(), let last = files.map(\.date).max() {
                var day = first.adding(days: -1)
                while day <= last {
                    requested.insert(day)
                    day = day.adding(days: 1)
                }
            }
            let format = options.format ?? manifest.recordedFormat(.hrv) ?? .parquet
            for month in Set(requested.map(\.month)).sorted() {
                summary.filesWritten += try heart.writeHRVMonth(month, source: .takeout, requested: requested, failures: failures, reachWithoutBody: cut,
                                                               manifest: &manifest, format: format).count
                try manifestStore.save(manifest)
            }
            summary.count(requested.compactMap { manifest.hrv[$0]?.status }, of: .hrv)
        }
        if series.contains(.daily) {
            let (values, failures) = Self.dailyValues(archives, reporter: reporter)
            for (date, record) in values {
                try archive.store(RawBody(bytes: record, fetchedAt: started.timeIntervalSince1970, lastSync: cut, origin: .archive, notes: ["end": date.description]),
                                  folder: HeartSeriesExport.dailyFolder, date: date, level: 1)
            }
            let requested = Set(values.keys).union(dates).union(failures.keys)
            let format = options.format ?? manifest.recordedFormat(.daily) ?? .parquet
            for month in Set(requested.map(\.month)).sorted() {
                summary.filesWritten += try heart.writeDailyMonth(month, source: .takeout, requested: requested, failures: failures, reachWithoutBody: cut,
                                                                 manifest: &manifest, format: format).count
                try manifestStore.save(manifest)
            }
            summary.count(requested.compactMap { manifest.daily[$0]?.status }, of: .daily)
        }
        summary.finishedAt = TimestampText.iso(Date())
        summary.exitCode = summary.failedDays > 0 ? 1 : 0
        manifest.lastRun = summary
        try manifestStore.save(manifest)
        return summary
    }

    /// Each day's summary from the archive's `resting_heart_rate-*.json` (every element names its own day; a `value`
    /// of 0, or none, is no resting rate) and `Daily Heart Rate Variability Summary` CSVs, as the small JSON
    /// records `TakeoutDailyDecoder` reads. A file that does not parse is reported with its entry and skipped, and
    /// the day its name gives (the only day it surely holds) fails.
    static func dailyValues(_ archives: TakeoutArchives, reporter: any ProgressReporter) -> (values: [LocalDate: [UInt8]], failures: [LocalDate: DayFailure]) {
        var records = [LocalDate: [String: Double]]()
        var failures = [LocalDate: DayFailure]()
        func fail(_ entry: TakeoutEntry, _ message: String) {
            reporter.warning("\(Printable.escaped(entry.origin)): \(message); skipped")
            failures[entry.date] = DayFailure(date: entry.date, kind: .decode, message: "\(entry.origin): \(message)")
        }
        for entry in archives.entries where entry.kind == .resting {
            do {
                let bytes = try archives.read(entry)
                guard let elements = try? JSONSerialization.jsonObject(with: Data(bytes)) as? [[String: Any]] else {
                    throw DayFailure(date: entry.date, kind: .decode, message: "is not a list of resting heart-rate records")
                }
                for element in elements {
                    guard let value = element["value"] as? [String: Any], let text = value["date"] as? String,
                          let seconds = TakeoutDayDecoder.fitbitDateTime(Array((text + " 00:00:00").utf8)[...]) else { continue }
                    let day = LocalDate(containingSecond: seconds)
                    if let resting = SeriesJSON.number(value["value"]), resting > 0 { records[day, default: [:]]["resting_bpm"] = resting }
                }
            } catch let failure as DayFailure {
                fail(entry, failure.message)
            } catch {
                fail(entry, "\(error)")
            }
        }
        for entry in archives.entries where entry.kind == .hrvSummary {
            do {
                let rows = try TakeoutCSV.rows(try archives.read(entry), header: "timestamp,rmssd,nremhr,entropy", date: entry.date) { fields, line throws(DayFailure) in
                    let bad = DayFailure(date: entry.date, kind: .decode, message: "line \(line) is not `timestamp,rmssd,nremhr,entropy`")
                    guard fields.count >= 4, let wall = SeriesJSON.wallClock(fields[0]) else { throw bad }
                    var values = [Double?]()
                    for field in fields[1..<4] { values.append(try TakeoutCSV.measured(field, or: bad)) }
                    return (LocalDate(containingSecond: wall), values)
                }
                for (day, values) in rows {
                    for (name, value) in zip(["rmssd", "nremhr", "entropy"], values) where value != nil { records[day, default: [:]][name] = value }
                }
            } catch let failure as DayFailure {
                fail(entry, failure.message)
            } catch {
                fail(entry, "\(error)")
            }
        }
        let values = records.mapValues { record in
            Array(((try? JSONSerialization.data(withJSONObject: record, options: [.sortedKeys])) ?? Data("{}".utf8)))
        }
        return (values, failures)
    }
}

extension TakeoutImport {
    /// How far an import's data reach, as a device's last sync would say: a day is complete only when it ended
    /// before this. An archive is cut at export time, so its last day is partial; so is every day that had not
    /// ended when the archive was exported (its name says when: `takeout-20261120T000000Z-001.zip`), and every
    /// day that has not ended yet here, whatever the archive holds.
    static func cut(last: LocalDate, exported: Date?, now: Date, zone: String) -> LocalDateTime {
        func local(_ instant: Date) -> LocalDateTime {
            let offset = ZoneLabel.timeZone(zone)?.secondsFromGMT(for: instant) ?? 0
            return LocalDateTime(secondsAsIfUTC: Int64(instant.timeIntervalSince1970.rounded(.down)) + Int64(offset))
        }
        var cut = LocalDateTime(date: last, secondOfDay: 0)
        if let exported { cut = min(cut, local(exported)) }
        return min(cut, local(now))
    }

    /// The export time in a Takeout part's name (`takeout-YYYYMMDDTHHMMSSZ-NNN.zip`), nil for other names.
    static func exportInstant(_ path: String) -> Date? {
        let name = Array(FileSystem.lastComponent(of: path).utf8)
        guard name.count >= 25, name.starts(with: Array("takeout-".utf8)), name[16] == UInt8(ascii: "T"), name[23] == UInt8(ascii: "Z"),
              let date = LocalDate(year: LocalDate.digits(name[8..<12]) ?? 0, month: LocalDate.digits(name[12..<14]) ?? 0, day: LocalDate.digits(name[14..<16]) ?? 0),
              let h = LocalDate.digits(name[17..<19]), let m = LocalDate.digits(name[19..<21]), let sec = LocalDate.digits(name[21..<23]),
              h < 24, m < 60, sec < 60 else { return nil }
        return Date(timeIntervalSince1970: TimeInterval(date.daysSinceEpoch * 86_400 + h * 3600 + m * 60 + sec))
    }
}
