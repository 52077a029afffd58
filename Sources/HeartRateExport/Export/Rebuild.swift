/// What `hrexport rebuild` needs: values only, like a backfill's options.
public struct RebuildOptions: Sendable {
    public var out: String
    public var stateFolder: String
    public var user: String
    /// nil: each detail keeps the format it was last written in (Parquet when it has none).
    public var format: OutputFormat?
    public var permissions: FilePermissions = .private
    public var lockTimeout: Double = 0
    /// A zone the user declares for past days (`hrexport timezone set`): recorded under the lock, then only
    /// the months it touches are rebuilt.
    public var declaredZone: ZoneDeclaration?
    /// Replace month files that hrexport did not write (or that are damaged).
    public var force = false

    public init(out: String, stateFolder: String, user: String) {
        self.out = out
        self.stateFolder = stateFolder
        self.user = user
    }
}

public struct ZoneDeclaration: Sendable, Equatable {
    public var zone: String
    public var from: LocalDate
    public var to: LocalDate?

    public init(zone: String, from: LocalDate, to: LocalDate?) {
        self.zone = zone
        self.from = from
        self.to = to
    }
}

public struct RebuildSummary: Sendable, Equatable {
    public var months = 0
    public var files = 0
    public var rows = 0
    public var days = 0
}

/// Rewrites every month file of a user from the raw archive, without a request: after a change of format,
/// a bug fix, or a damaged file. The manifest's rows, sha256 and format are brought up to date month by month.
public struct Rebuild: Sendable {
    public let options: RebuildOptions

    public init(options: RebuildOptions) {
        self.options = options
    }

    public func run(onMonth: (Detail, WrittenMonth) -> Void = { _, _ in }) async throws -> RebuildSummary {
        let layout = try ExportLayout(out: options.out, user: options.user)
        let store = ManifestStore(userFolder: layout.userFolder, permissions: options.permissions)
        guard try store.load() != nil else {
            throw ExportError.usage("no manifest at \(store.path); nothing to rebuild (run `hrexport backfill` first)")
        }
        let lock = try await UserLock.export(stateFolder: options.stateFolder, user: options.user, timeout: options.lockTimeout)
        defer { withExtendedLifetime(lock) {} }
        try FileSystem.removeAbandonedTempFiles(under: layout.userFolder)
        // Read under the lock: a run that just finished may have changed it.
        guard var manifest = try store.load() else { throw ExportError.corrupt(path: store.path, message: "disappeared while waiting for the lock") }
        var months: ClosedRange<YearMonth>?
        if let declared = options.declaredZone {
            let before = manifest.timezones
            manifest.timezones.declare(zone: declared.zone, from: declared.from, to: declared.to)
            try store.save(manifest)
            // Months from the declared day through the next day whose zone did not change.
            let last = (manifest.days.values.flatMap(\.keys) + manifest.hrv.keys).max() ?? declared.from
            var end = declared.from
            var date = declared.from
            while date <= last {
                if before.zone(on: date) != manifest.timezones.zone(on: date) { end = date }
                date = date.adding(days: 1)
            }
            months = declared.from.month...end.month
        }

        let normalizer = Normalizer(timeZones: manifest.timezones)
        var summary = RebuildSummary()
        for detail in manifest.days.keys.sorted() {
            let entries = manifest.days[detail] ?? [:]
            let format = options.format ?? manifest.recordedFormat(detail) ?? .parquet
            var configuration = MonthAssembler(
                format: MonthFileFormats.format(format), layout: layout, user: manifest.user, source: manifest.source, detail: detail,
                permissions: options.permissions, priorEntries: entries, loader: ArchivedDayLoader(userFolder: layout.userFolder, normalizer: normalizer))
            configuration.force = options.force
            for month in Set(entries.keys.map(\.month)).sorted() where months?.contains(month) ?? true {
                let written = try configuration.write(month: month, days: [])
                manifest.record(written, detail: detail, recompute: true)
                try store.save(manifest)
                summary.months += 1
                summary.files += written.files.count
                summary.rows += written.rowsInFile
                summary.days += written.contents.count
                onMonth(detail, written)
            }
        }
        // The series beyond the samples, from their raw bodies too: the HRV windows are placed anew (a declared
        // zone moves them), the daily rows take the sample counts just recomputed.
        var heart = HeartSeriesExport(layout: layout, user: manifest.user, permissions: options.permissions, force: options.force, reporter: QuietReporter())
        heart.rewritesUnchanged = true
        for month in Set(manifest.hrv.keys.map(\.month)).sorted() where months?.contains(month) ?? true {
            let files = try heart.writeHRVMonth(month, source: manifest.source, requested: [], failures: [:], reachWithoutBody: nil, manifest: &manifest,
                                                format: options.format ?? manifest.recordedFormat(.hrv) ?? .parquet)
            try store.save(manifest)
            summary.months += 1
            summary.files += files.count
        }
        for month in Set(manifest.daily.keys.map(\.month)).sorted() where months?.contains(month) ?? true {
            let files = try heart.writeDailyMonth(month, source: manifest.source, requested: [], failures: [:], manifest: &manifest,
                                                  format: options.format ?? manifest.recordedFormat(.daily) ?? .parquet)
            try store.save(manifest)
            summary.months += 1
            summary.files += files.count
        }
        return summary
    }
}

/// A reporter that says nothing: for runs whose caller reports by itself.
struct QuietReporter: ProgressReporter {
    func warning(_ message: String) {}
    func day(_ day: ProcessedDay) {}
    func waiting(for duration: Duration) {}
}
