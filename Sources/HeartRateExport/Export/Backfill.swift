import Foundation

/// Everything a backfill needs besides the network: values only, so tests run many in parallel.
public struct BackfillOptions: Sendable {
    public enum Mode: Sendable, Equatable {
        /// `from...to` (defaults: the account's first day, yesterday), every day not yet settled.
        case backfill
        /// What the manifest and the device's last sync say is missing, partial, failed or newly synced,
        /// for every series the export holds (`--detail` narrows the sample details, `--series` chooses).
        case sync(lookback: Int)
    }

    public var mode: Mode = .backfill
    public var out: String
    public var stateFolder: String
    public var user: String?
    /// The study's id for this user (a roster's `study_id`): the export folder's name and the `user_id` column.
    /// nil: the provider's user id.
    public var exportName: String?
    public var detail: Detail = .oneMinute
    /// For a sync: true when `--detail` was given, so only that detail is synced.
    public var detailGiven = false
    /// `--series`; nil: `<detail>,hrv,daily` for a backfill, every series the export holds for a sync.
    public var series: [Series]?
    public var concurrency = 4
    /// Replace month files that hrexport did not write (or that are damaged).
    public var force = false
    /// nil: the format this detail was last written in, else Parquet.
    public var format: OutputFormat?
    public var from: LocalDate?
    public var to: LocalDate?
    public var permissions: FilePermissions = .private
    public var retry: RetryPolicy = .standard
    public var lockTimeout: Double = 0
    public var command = "backfill"
    /// Pins "today" (tests, with a sandbox whose calendar is pinned too); nil: today in the profile's zone.
    public var today: LocalDate?
    /// Google's pacing (default 300 requests per 60 s): the sandbox's compressed clock needs its own.
    public var pacing: RateBudget.Pacing?
    /// Google's per-project quota, shared by every user this process exports (nil: a single user, far below it).
    public var projectBudget: RateBudget?
    /// The credentials entry's source, which the configuration must match.
    public var source: SourceKind = .fitbit
    /// The entry the caller chose the run by (to find the user and the endpoints); the run reads it again under
    /// the user's lock, since another run may have rotated the token meanwhile.
    public var credential: Credential?

    public init(out: String, stateFolder: String) {
        self.out = out
        self.stateFolder = stateFolder
    }
}

/// The whole export of one range: the stages wired together, the manifest kept after each month.
public struct Backfill: Sendable {
    public let options: BackfillOptions
    public let configuration: APIConfiguration
    let transport: any HTTPTransport
    let reporter: any ProgressReporter

    public init(options: BackfillOptions, configuration: APIConfiguration, transport: any HTTPTransport, reporter: any ProgressReporter) {
        self.options = options
        self.configuration = configuration
        self.transport = transport
        self.reporter = reporter
    }

    public func run() async throws -> Manifest.RunSummary {
        let started = Date()
        let kind = configuration.source
        let store = CredentialsStore(stateFolder: options.stateFolder)
        guard let credential = try options.credential ?? store.load(source: kind, user: options.user) else {
            throw ExportError.authorizationNeeded("no \(kind.rawValue) credentials in \(store.folder)" + (options.user.map { " for \($0)" } ?? ""))
        }
        let lock = try await UserLock.acquire(stateFolder: options.stateFolder, source: kind, user: credential.user, timeout: options.lockTimeout)
        let name = options.exportName ?? credential.user
        let exportLock = try await UserLock.export(stateFolder: options.stateFolder, user: name, timeout: options.lockTimeout)
        defer { withExtendedLifetime((lock, exportLock)) {} }
        try FileSystem.removeAbandonedTempFiles(under: try ExportLayout(out: options.out, user: name).userFolder)
        // Re-read under the lock: another run may have rotated the token while we waited.
        var current = try store.load(source: kind, user: credential.user) ?? credential
        if current.exportFolder != options.out {
            current.exportFolder = options.out
            try store.save(current, holding: lock.proof)
        }

        let reporter = self.reporter
        let provider = configuration.provider
        let tokens = TokenProvider(credential: current, store: store, lock: lock.proof, oauth: OAuthClient(configuration: configuration, transport: transport, retry: options.retry))
        let budget = RateBudget(store: RateBudgetStore(stateFolder: options.stateFolder, source: kind, user: current.user),
                                pacing: provider.pacing(override: options.pacing),
                                onWait: { reporter.waiting(for: $0) }, onUpdate: { reporter.budget($0) })
        let requester = AuthorizedRequester(configuration: configuration, transport: transport, tokens: tokens, budget: budget,
                                            // Only a provider that paces by quota (Google) has a project's quota.
                                            project: provider.pacing(override: nil) == nil ? nil : options.projectBudget, retry: options.retry,
                                            observer: { reporter.request($0) })
        let source = provider.makeSource(requester: requester)

        let account = try await source.account()
        guard account.user == current.user else {
            throw ExportError.usage("the token belongs to \(account.user), but the credentials entry says \(current.user); run `hrexport auth` again")
        }
        let layout = try ExportLayout(out: options.out, user: name)
        let manifestStore = ManifestStore(userFolder: layout.userFolder, permissions: options.permissions)
        var manifest = try manifestStore.load() ?? Manifest(user: name, source: kind)
        guard manifest.user == name else {
            throw ExportError.corrupt(path: manifestStore.path, message: "belongs to user \(manifest.user), not \(name)")
        }

        let zone = account.timeZone ?? manifest.timezones.entries.last?.zone ?? "UTC"
        let today = options.today ?? LocalDate.today(in: zone)
        let lastSync = provider.settledReach(lastSync: account.lastSync, today: today)
        let memberSince = account.memberSince
        if account.zoneIsAccountSetting, let zone = account.timeZone {
            manifest.timezones.record(currentZone: zone, since: memberSince ?? today, changeDay: today)
        }

        var summary = Manifest.RunSummary(command: options.command, startedAt: TimestampText.iso(started), finishedAt: "", detail: options.detail, from: nil, to: nil)
        summary.deviceLastSync = lastSync?.description
        let series = plannedSeries(kind: kind, known: manifest.seriesPresent)
        let export = MonthlyExport(layout: layout, user: name, permissions: options.permissions, force: options.force,
                                   reporter: reporter, manifestStore: manifestStore)
        let archive = RawArchive(userFolder: layout.userFolder, source: kind, permissions: options.permissions)
        /// The days a series fetches this run: a backfill's range less what is settled, or what a sync finds new, late or failed.
        func plan(_ entries: [LocalDate: Manifest.DayEntry]) throws -> DayPlan {
            switch options.mode {
            case .backfill:
                guard let first = options.from ?? memberSince ?? entries.keys.max()?.adding(days: 1) else {
                    throw ExportError.usage("--from is needed: the \(kind.rawValue) API does not tell the account's first day")
                }
                let (from, to) = clamp(from: first, to: options.to ?? today.adding(days: -1), memberSince: memberSince ?? first, today: today)
                summary.from = from
                summary.to = to
                return from <= to ? .range(from: from, to: to, entries: entries) : DayPlan()
            case .sync(let lookback):
                let plan = SyncPlanner.plan(entries: entries, lastSync: lastSync, firstDay: options.from ?? memberSince ?? entries.keys.min() ?? today,
                                            today: today, lookback: lookback)
                if let first = plan.days.min() { summary.from = min(summary.from ?? first, first) }
                if let last = plan.days.max() { summary.to = max(summary.to ?? last, last) }
                return plan
            }
        }
        for detail in series.compactMap(\.detail) {
            let plan = try plan(manifest.days[detail] ?? [:])
            summary.detail = detail
            reporter.planned(plan.days.count, detail: detail)
            guard !plan.isEmpty else { continue }
            let fetched = DayList(plan.days).fetched(by: source, detail: detail, lastSync: lastSync, archive: archive,
                                                     refetch: plan.refetch, concurrency: options.concurrency)
            try await export.run(fetched, detail: detail, format: options.format ?? manifest.recordedFormat(detail) ?? .parquet,
                                 manifest: &manifest, summary: &summary, token: { await Self.identity(of: tokens.current) })
        }
        let heart = HeartSeriesExport(layout: layout, user: name, permissions: options.permissions, force: options.force, reporter: reporter)
        if series.contains(.hrv) {
            let plan = try plan(manifest.hrv)
            // The night that ends on D + 1 holds D's evening: its body is fetched with D's.
            let next = kind.hrvBodyHoldsTheNightEndingOnIt ? plan.days.map { $0.adding(days: 1) } : []
            let bodies = Array(Set(plan.days + next)).filter { $0 <= today }.sorted()
            let failures = try await heart.fetchHRV(bodies, from: source, archive: archive, lastSync: lastSync,
                                                    refetch: plan.refetch.union(plan.refetch.map { $0.adding(days: 1) }), concurrency: options.concurrency)
            let format = options.format ?? manifest.recordedFormat(.hrv) ?? .parquet
            for month in Set(plan.days.map(\.month)).sorted() {
                summary.filesWritten += try heart.writeHRVMonth(month, source: kind, requested: Set(plan.days), failures: failures, reachWithoutBody: nil,
                                                               manifest: &manifest, format: format).count
                try manifestStore.save(manifest)
            }
            summary.count(plan.days.compactMap { manifest.hrv[$0]?.status }, of: .hrv)
        }
        if series.contains(.daily) {
            let plan = try plan(manifest.daily)
            var failures = try await heart.fetchDaily(plan.days, from: source, archive: archive, lastSync: lastSync)
            if kind.dailyFromHeartRateBody {
                // Resting heart rate and zone minutes ride in the heart-rate day body: fetch one where none is archived.
                for day in plan.days where !Detail.allCases.contains(where: { FileSystem.exists(archive.path($0, day)) }) {
                    guard let lastSync, lastSync > LocalDateTime(date: day, secondOfDay: 0) else { continue }
                    // The samples of this day failed in this run: asking again would spend the retries twice.
                    if let failed = series.compactMap(\.detail).compactMap({ manifest.days[$0]?[day] }).first(where: { $0.status == .failed }) {
                        failures[day] = DayFailure(date: day, kind: failed.httpStatus == nil ? .network : .http, httpStatus: failed.httpStatus,
                                                   message: failed.error ?? "the day's samples failed")
                        continue
                    }
                    switch try await source.fetchDay(day, rawDetail: .oneMinute) {
                    case .success(let bytes):
                        try archive.store(RawBody(bytes: bytes, fetchedAt: Date().timeIntervalSince1970, lastSync: lastSync, origin: .network), detail: .oneMinute, date: day)
                    case .failure(let failure):
                        failures[day] = failure
                    }
                }
            }
            let format = options.format ?? manifest.recordedFormat(.daily) ?? .parquet
            for month in Set(plan.days.map(\.month)).sorted() {
                summary.filesWritten += try heart.writeDailyMonth(month, source: kind, requested: Set(plan.days), failures: failures,
                                                                 manifest: &manifest, format: format).count
                try manifestStore.save(manifest)
            }
            summary.count(plan.days.compactMap { manifest.daily[$0]?.status }, of: .daily)
        }
        summary.requests = await source.requestsSent()
        summary.finishedAt = TimestampText.iso(Date())
        summary.exitCode = summary.failedDays > 0 ? 1 : 0
        manifest.token = await Self.identity(of: tokens.current)
        manifest.lastRun = summary
        try manifestStore.save(manifest)
        return summary
    }

    /// What this run exports. A backfill: `--series`, else `<detail>,hrv,daily`; a sync keeps every series the export
    /// holds (`--series` chooses; `--detail` chooses among the sample details only). Fitbit serves each detail; Google's samples always go to 1sec first,
    /// and a coarser detail is derived from the same bodies after it.
    func plannedSeries(kind: SourceKind, known: [Series]) -> [Series] {
        var series: [Series]
        switch options.mode {
        case .backfill: series = options.series ?? [.samples(options.detail), .hrv, .daily]
        case .sync:
            // `--detail` narrows the samples only: the night's HRV and the daily file keep coming.
            let others = known.filter { $0.detail == nil }
            series = options.series ?? (known.isEmpty ? [.samples(options.detail), .hrv, .daily]
                : options.detailGiven ? [.samples(options.detail)] + others : known)
        }
        series += series.compactMap(\.detail).map { .samples(kind.rawDetail(for: $0)) }
        return Array(Set(series)).sorted()
    }

    func clamp(from: LocalDate, to: LocalDate, memberSince: LocalDate, today: LocalDate) -> (LocalDate, LocalDate) {
        var from = from, to = to
        if from < memberSince {
            reporter.warning("--from \(from) is before the account's first day \(memberSince); starting at \(memberSince)")
            from = memberSince
        }
        if to > today {
            reporter.warning("--to \(to) is after today (\(today)) in the user's time zone; stopping at \(today)")
            to = today
        }
        return (from, to)
    }

    static func identity(of credential: Credential) -> Manifest.TokenIdentity {
        Manifest.TokenIdentity(fingerprint: credential.fingerprint, rotatedAt: TimestampText.iso(Date(timeIntervalSince1970: credential.rotatedAt)))
    }
}
