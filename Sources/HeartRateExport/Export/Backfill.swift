import Foundation

/// Everything a backfill needs besides the network: values only, so tests run many in parallel.
public struct BackfillOptions: Sendable {
    public enum Mode: Sendable, Equatable {
        /// `from...to` (defaults: the account's first day, yesterday), every day not yet settled.
        case backfill
        /// What the manifest and the device's last sync say is missing, partial, failed or newly synced,
        /// for every detail the export holds (or `detail` when `detailGiven`).
        case sync(lookback: Int)
    }

    public var mode: Mode = .backfill
    public var out: String
    public var stateFolder: String
    public var user: String?
    public var detail: Detail = .oneMinute
    /// For a sync: true when `--detail` was given, so only that detail is synced.
    public var detailGiven = false
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
        let exportLock = try await UserLock.export(stateFolder: options.stateFolder, user: credential.user, timeout: options.lockTimeout)
        defer { withExtendedLifetime((lock, exportLock)) {} }
        try FileSystem.removeAbandonedTempFiles(under: try ExportLayout(out: options.out, user: credential.user).userFolder)
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
        let requester = AuthorizedRequester(configuration: configuration, transport: transport, tokens: tokens, budget: budget, retry: options.retry,
                                            observer: { reporter.request($0) })
        let source = provider.makeSource(requester: requester)

        let account = try await source.account()
        guard account.user == current.user else {
            throw ExportError.usage("the token belongs to \(account.user), but the credentials entry says \(current.user); run `hrexport auth` again")
        }
        let layout = try ExportLayout(out: options.out, user: account.user)
        let manifestStore = ManifestStore(userFolder: layout.userFolder, permissions: options.permissions)
        var manifest = try manifestStore.load() ?? Manifest(user: account.user, source: kind)
        guard manifest.user == account.user else {
            throw ExportError.corrupt(path: manifestStore.path, message: "belongs to user \(manifest.user), not \(account.user)")
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
        let details = plannedDetails(kind: kind, known: Array(manifest.days.keys))
        let export = MonthlyExport(layout: layout, user: account.user, permissions: options.permissions, force: options.force,
                                   reporter: reporter, manifestStore: manifestStore)
        for detail in details {
            let entries = manifest.days[detail] ?? [:]
            let plan: DayPlan
            switch options.mode {
            case .backfill:
                guard let first = options.from ?? memberSince ?? entries.keys.max()?.adding(days: 1) else {
                    throw ExportError.usage("--from is needed: the \(kind.rawValue) API does not tell the account's first day")
                }
                let (from, to) = clamp(from: first, to: options.to ?? today.adding(days: -1), memberSince: memberSince ?? first, today: today)
                summary.from = from
                summary.to = to
                plan = from <= to ? .range(from: from, to: to, entries: entries) : DayPlan()
            case .sync(let lookback):
                plan = SyncPlanner.plan(entries: entries, lastSync: lastSync, firstDay: options.from ?? memberSince ?? entries.keys.min() ?? today,
                                        today: today, lookback: lookback)
                if let first = plan.days.min() { summary.from = min(summary.from ?? first, first) }
                if let last = plan.days.max() { summary.to = max(summary.to ?? last, last) }
            }
            summary.detail = detail
            reporter.planned(plan.days.count, detail: detail)
            guard !plan.isEmpty else { continue }
            let archive = RawArchive(userFolder: layout.userFolder, source: kind, permissions: options.permissions)
            let fetched = DayList(plan.days).fetched(by: source, detail: detail, lastSync: lastSync, archive: archive,
                                                     refetch: plan.refetch, concurrency: options.concurrency)
            try await export.run(fetched, detail: detail, format: options.format ?? manifest.recordedFormat(detail) ?? .parquet,
                                 manifest: &manifest, summary: &summary, token: { await Self.identity(of: tokens.current) })
        }
        summary.requests = await source.requestsSent()
        summary.finishedAt = TimestampText.iso(Date())
        summary.exitCode = summary.failed > 0 ? 1 : 0
        manifest.token = await Self.identity(of: tokens.current)
        manifest.lastRun = summary
        try manifestStore.save(manifest)
        return summary
    }

    /// Fitbit serves each detail; Google's samples always go to 1sec first, and a coarser `--detail` is
    /// derived from the same bodies after it. A sync keeps every detail the export holds.
    func plannedDetails(kind: SourceKind, known: [Detail]) -> [Detail] {
        var details: [Detail]
        switch options.mode {
        case .backfill: details = [options.detail]
        case .sync: details = options.detailGiven || known.isEmpty ? [options.detail] : known
        }
        details.append(kind.rawDetail(for: options.detail))
        return Array(Set(details)).sorted()
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
