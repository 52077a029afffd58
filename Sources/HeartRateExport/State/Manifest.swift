import Foundation

/// `<out>/<user>/manifest.json`: which days are done, in what state, and how the files were made.
/// `manifest_version` 1 is the first release's shape; fields are only ever added.
public struct Manifest: Codable, Sendable, Equatable {
    public static let currentVersion = 1

    public struct DayEntry: Codable, Sendable, Equatable {
        public var status: DayStatus
        public var rows: Int
        public var sha256: String?
        public var source: SourceKind
        public var format: OutputFormat?
        public var fetchedAt: String?
        /// The device's `lastSyncTime` (local wall clock) seen when the day was fetched.
        public var lastSync: String?
        public var error: String?
        public var httpStatus: Int?
        /// Takeout days: the archive and entry the day was read from (the archive is the raw record).
        public var origin: String?
        /// When two sources held this day, the one not kept (it had fewer rows) and its rows.
        public var otherSource: SourceKind?
        public var otherRows: Int?

        public init(status: DayStatus, rows: Int, sha256: String? = nil, source: SourceKind, format: OutputFormat? = nil,
                    fetchedAt: String? = nil, lastSync: String? = nil, error: String? = nil, httpStatus: Int? = nil) {
            self.status = status
            self.rows = rows
            self.sha256 = sha256
            self.source = source
            self.format = format
            self.fetchedAt = fetchedAt
            self.lastSync = lastSync
            self.error = error
            self.httpStatus = httpStatus
        }

        enum CodingKeys: String, CodingKey {
            case status, rows, sha256, source, format, error
            case fetchedAt = "fetched_at", lastSync = "last_sync", httpStatus = "http_status", origin
            case otherSource = "other_source", otherRows = "other_rows"
        }
    }

    /// The identity of the refresh token in use; the token itself lives only in the credentials file.
    public struct TokenIdentity: Codable, Sendable, Equatable {
        public var fingerprint: String
        public var rotatedAt: String

        public init(fingerprint: String, rotatedAt: String) {
            self.fingerprint = fingerprint
            self.rotatedAt = rotatedAt
        }

        enum CodingKeys: String, CodingKey {
            case fingerprint
            case rotatedAt = "rotated_at"
        }
    }

    public struct RunSummary: Codable, Sendable, Equatable {
        public var command: String
        public var startedAt: String
        public var finishedAt: String
        public var detail: Detail
        public var from: LocalDate?
        public var to: LocalDate?
        public var complete = 0
        public var partial = 0
        public var empty = 0
        public var noAccess = 0
        public var failed = 0
        public var requests = 0
        public var rows = 0
        public var filesWritten = 0
        public var exitCode: Int32 = 0
        /// The device's `lastSyncTime` (local wall clock) this run saw.
        public var deviceLastSync: String?
        /// The days of the series beyond the samples (`hrv`, `daily`), by status; the counts above are the samples'.
        public var series: [String: Tally]?

        /// How many days of one series ended in each status.
        public struct Tally: Codable, Sendable, Equatable {
            public var complete = 0
            public var partial = 0
            public var empty = 0
            public var noAccess = 0
            public var failed = 0

            public var days: Int { complete + partial + empty + noAccess + failed }

            enum CodingKeys: String, CodingKey {
                case complete, partial, empty, failed
                case noAccess = "no_access"
            }
        }

        /// Counts the days of a series beyond the samples.
        public mutating func count(_ statuses: [DayStatus], of other: Series) {
            var tally = series?[other.name] ?? Tally()
            for status in statuses {
                switch status {
                case .complete: tally.complete += 1
                case .partial: tally.partial += 1
                case .empty: tally.empty += 1
                case .noAccess: tally.noAccess += 1
                case .failed: tally.failed += 1
                }
            }
            series = (series ?? [:]).merging([other.name: tally]) { $1 }
        }

        /// Days that failed in any series: what makes the exit code 1.
        public var failedDays: Int { failed + (series ?? [:]).values.reduce(0) { $0 + $1.failed } }

        public init(command: String, startedAt: String, finishedAt: String, detail: Detail, from: LocalDate?, to: LocalDate?) {
            self.command = command
            self.startedAt = startedAt
            self.finishedAt = finishedAt
            self.detail = detail
            self.from = from
            self.to = to
        }

        public mutating func count(_ status: DayStatus) {
            switch status {
            case .complete: complete += 1
            case .partial: partial += 1
            case .empty: empty += 1
            case .noAccess: noAccess += 1
            case .failed: failed += 1
            }
        }

        enum CodingKeys: String, CodingKey {
            case command, detail, from, to, complete, partial, empty, failed, requests, rows
            case startedAt = "started_at", finishedAt = "finished_at", noAccess = "no_access"
            case filesWritten = "files_written", exitCode = "exit_code", deviceLastSync = "device_last_sync", series
        }
    }

    public var manifestVersion: Int
    public var user: String
    public var source: SourceKind
    /// The sample details' days; `hrv` and `daily` are the other series, written under the same `days` key.
    public var days: [Detail: [LocalDate: DayEntry]]
    public var hrv: [LocalDate: DayEntry] = [:]
    public var daily: [LocalDate: DayEntry] = [:]
    public var timezones: TimeZoneHistory
    public var token: TokenIdentity?
    public var lastRun: RunSummary?

    public init(user: String, source: SourceKind = .fitbit) {
        manifestVersion = Self.currentVersion
        self.user = user
        self.source = source
        days = [:]
        timezones = TimeZoneHistory()
    }

    enum CodingKeys: String, CodingKey {
        case user, source, days, timezones, token
        case manifestVersion = "manifest_version", lastRun = "last_run"
    }

    public init(from decoder: any Decoder) throws {
        let c = try decoder.container(keyedBy: CodingKeys.self)
        manifestVersion = try c.decode(Int.self, forKey: .manifestVersion)
        guard manifestVersion == Self.currentVersion else {
            throw DecodingError.dataCorruptedError(forKey: .manifestVersion, in: c,
                debugDescription: "manifest_version \(manifestVersion) is not supported by hrexport \(HRExport.version) (it reads version \(Self.currentVersion))")
        }
        user = try c.decode(String.self, forKey: .user)
        source = try c.decodeIfPresent(SourceKind.self, forKey: .source) ?? .fitbit
        let raw = try c.decode([String: [String: DayEntry]].self, forKey: .days)
        var days = [Detail: [LocalDate: DayEntry]]()
        for (seriesName, entries) in raw {
            guard let series = Series(name: seriesName) else {
                throw DecodingError.dataCorruptedError(forKey: .days, in: c, debugDescription: "unknown series \(seriesName)")
            }
            var byDate = [LocalDate: DayEntry]()
            for (dateText, entry) in entries {
                guard let date = LocalDate(dateText) else {
                    throw DecodingError.dataCorruptedError(forKey: .days, in: c, debugDescription: "bad date \(dateText)")
                }
                byDate[date] = entry
            }
            switch series {
            case .samples(let detail): days[detail] = byDate
            case .hrv: hrv = byDate
            case .daily: daily = byDate
            }
        }
        self.days = days
        timezones = try c.decodeIfPresent(TimeZoneHistory.self, forKey: .timezones) ?? TimeZoneHistory()
        token = try c.decodeIfPresent(TokenIdentity.self, forKey: .token)
        lastRun = try c.decodeIfPresent(RunSummary.self, forKey: .lastRun)
    }

    public func encode(to encoder: any Encoder) throws {
        var c = encoder.container(keyedBy: CodingKeys.self)
        try c.encode(manifestVersion, forKey: .manifestVersion)
        try c.encode(user, forKey: .user)
        try c.encode(source, forKey: .source)
        var raw = [String: [String: DayEntry]]()
        for series in seriesPresent {
            raw[series.name] = Dictionary(uniqueKeysWithValues: entries(series).map { ($0.key.description, $0.value) })
        }
        try c.encode(raw, forKey: .days)
        try c.encode(timezones, forKey: .timezones)
        try c.encodeIfPresent(token, forKey: .token)
        try c.encodeIfPresent(lastRun, forKey: .lastRun)
    }

    public func entry(_ detail: Detail, _ date: LocalDate) -> DayEntry? { days[detail]?[date] }

    /// The series the export holds, in their order.
    public var seriesPresent: [Series] {
        (days.keys.map(Series.samples) + (hrv.isEmpty ? [] : [.hrv]) + (daily.isEmpty ? [] : [.daily])).sorted()
    }

    public func entries(_ series: Series) -> [LocalDate: DayEntry] {
        switch series {
        case .samples(let detail): days[detail] ?? [:]
        case .hrv: hrv
        case .daily: daily
        }
    }

    public mutating func set(_ entry: DayEntry, _ series: Series, _ date: LocalDate) {
        switch series {
        case .samples(let detail): days[detail, default: [:]][date] = entry
        case .hrv: hrv[date] = entry
        case .daily: daily[date] = entry
        }
    }

    /// The rows the finest sample detail holds for a day: the daily file's `samples`.
    public func finestSampleRows(_ date: LocalDate) -> Int {
        for detail in Detail.allCases.sorted() { if let entry = days[detail]?[date] { return entry.status.hasRows ? entry.rows : 0 } }
        return 0
    }

    public mutating func set(_ entry: DayEntry, _ detail: Detail, _ date: LocalDate) {
        days[detail, default: [:]][date] = entry
    }

    /// The format the latest written day of a detail is in: what a run without `--format` continues with.
    public func recordedFormat(_ detail: Detail) -> OutputFormat? { recordedFormat(.samples(detail)) }

    public func recordedFormat(_ series: Series) -> OutputFormat? {
        entries(series).filter { $0.value.format != nil }.max { $0.key < $1.key }?.value.format
    }

    /// After a month file is written, every day in it is in its format; rows and sha256 describe the day
    /// as written (a travel overlap can trim a day). `recompute` rehashes every day, as `rebuild` does.
    public mutating func record(_ written: WrittenMonth, detail: Detail, recompute: Bool = false) {
        for (date, day) in written.contents {
            guard var entry = days[detail]?[date] else { continue }
            entry.format = written.format
            if recompute || entry.rows != day.samples.count || entry.sha256 == nil {
                entry.rows = day.samples.count
                entry.sha256 = CanonicalDigest.sha256(of: day.samples)
            }
            days[detail]?[date] = entry
        }
    }
}
