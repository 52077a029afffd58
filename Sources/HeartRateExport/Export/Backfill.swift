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

    public init(out: String, stateFolder: String) {
        self.out = out
        self.stateFolder = stateFolder
    }
}

/// What the user is told along the way. The CLI prints to stderr; tests collect.
public protocol ProgressReporter: Sendable {
    func warning(_ message: String)
    func day(_ day: ProcessedDay)
    func waiting(for duration: Duration)
    /// The days this run will go through for a detail, before the first is fetched.
    func planned(_ days: Int, detail: Detail)
    /// A month file (and the manifest describing it) is written.
    func monthWritten(_ month: WrittenMonth, detail: Detail)
    /// What the rate window allows now: learned from each response.
    func budget(_ snapshot: RateBudgetStore.Saved)
    /// One request and its answer (`GET /1/user/-/... 200 12 ms`): never a token.
    func request(_ line: String)
}

extension ProgressReporter {
    public func planned(_ days: Int, detail: Detail) {}
    public func monthWritten(_ month: WrittenMonth, detail: Detail) {}
    public func budget(_ snapshot: RateBudgetStore.Saved) {}
    public func request(_ line: String) {}
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
        let store = CredentialsStore(stateFolder: options.stateFolder)
        guard let credential = try store.load(source: .fitbit, user: options.user) else {
            throw ExportError.authorizationNeeded("no \(SourceKind.fitbit.rawValue) credentials in \(store.path)" + (options.user.map { " for \($0)" } ?? ""))
        }
        let lock = try await UserLock.acquire(stateFolder: options.stateFolder, source: .fitbit, user: credential.user, timeout: options.lockTimeout)
        defer { withExtendedLifetime(lock) {} }
        try FileSystem.removeAbandonedTempFiles(under: ExportLayout(out: options.out, user: credential.user).userFolder)
        // Re-read under the lock: another run may have rotated the token while we waited.
        var current = try store.load(source: .fitbit, user: credential.user) ?? credential
        if current.exportFolder != options.out {
            current.exportFolder = options.out
            try store.save(current)
        }

        let reporter = self.reporter
        let tokens = TokenProvider(credential: current, store: store, oauth: OAuthClient(configuration: configuration, transport: transport, retry: options.retry))
        let budget = RateBudget(store: RateBudgetStore(stateFolder: options.stateFolder, source: .fitbit, user: current.user),
                                onWait: { reporter.waiting(for: $0) }, onUpdate: { reporter.budget($0) })
        let client = FitbitClient(configuration: configuration, transport: transport, tokens: tokens, budget: budget, retry: options.retry,
                                  observer: { reporter.request($0) })

        let profile = try await client.profile()
        guard profile.encodedID == current.user else {
            throw ExportError.usage("the token belongs to \(profile.encodedID), but the credentials entry says \(current.user); run `hrexport auth` again")
        }
        let lastSync = try await client.lastSync()

        let layout = ExportLayout(out: options.out, user: profile.encodedID)
        let manifestStore = ManifestStore(userFolder: layout.userFolder, permissions: options.permissions)
        var manifest = try manifestStore.load() ?? Manifest(user: profile.encodedID)
        guard manifest.user == profile.encodedID else {
            throw ExportError.corrupt(path: manifestStore.path, message: "belongs to user \(manifest.user), not \(profile.encodedID)")
        }

        let today = options.today ?? Self.today(in: profile.timeZone)
        let memberSince = profile.memberSince ?? today
        manifest.timezones.record(currentZone: profile.timeZone, since: memberSince, changeDay: today)

        var summary = Manifest.RunSummary(command: options.command, startedAt: Self.iso(started), finishedAt: "", detail: options.detail, from: nil, to: nil)
        summary.deviceLastSync = lastSync?.description
        let details: [Detail]
        switch options.mode {
        case .backfill:
            details = [options.detail]
        case .sync:
            let known = manifest.days.keys.sorted()
            details = options.detailGiven || known.isEmpty ? [options.detail] : known
        }
        for detail in details {
            let entries = manifest.days[detail] ?? [:]
            let plan: DayPlan
            switch options.mode {
            case .backfill:
                let (from, to) = clamp(from: options.from ?? memberSince, to: options.to ?? today.adding(days: -1), memberSince: memberSince, today: today)
                summary.from = from
                summary.to = to
                plan = from <= to ? .range(from: from, to: to, entries: entries) : DayPlan()
            case .sync(let lookback):
                plan = SyncPlanner.plan(entries: entries, lastSync: lastSync, firstDay: options.from ?? memberSince, today: today, lookback: lookback)
                if let first = plan.days.min() { summary.from = min(summary.from ?? first, first) }
                if let last = plan.days.max() { summary.to = max(summary.to ?? last, last) }
            }
            summary.detail = detail
            reporter.planned(plan.days.count, detail: detail)
            guard !plan.isEmpty else { continue }
            try await export(plan, detail: detail, lastSync: lastSync, client: client, tokens: tokens, layout: layout, user: profile.encodedID,
                             manifest: &manifest, manifestStore: manifestStore, summary: &summary)
        }
        summary.requests = await budget.requestsSent
        summary.finishedAt = Self.iso(Date())
        summary.exitCode = summary.failed > 0 ? 1 : 0
        manifest.token = await Self.identity(of: tokens.current)
        manifest.lastRun = summary
        try manifestStore.save(manifest)
        return summary
    }

    /// The stages wired together for one detail: fetch (archiving on arrival), decode, normalize, write
    /// each month, and save the manifest after each month file.
    private func export(_ plan: DayPlan, detail: Detail, lastSync: LocalDateTime?, client: FitbitClient, tokens: TokenProvider,
                        layout: ExportLayout, user: String, manifest: inout Manifest, manifestStore: ManifestStore,
                        summary: inout Manifest.RunSummary) async throws {
        let reporter = self.reporter
        let prior = manifest.days[detail] ?? [:]
        let format = options.format ?? manifest.recordedFormat(detail) ?? .parquet
        let archive = RawArchive(userFolder: layout.userFolder, source: .fitbit, permissions: options.permissions)
        let normalizer = Normalizer(timeZones: manifest.timezones)
        let fetched = RateLimitedFetcher(DayList(plan.days), client: client, detail: detail, lastSync: lastSync, archive: archive,
                                         refetch: plan.refetch, concurrency: options.concurrency)
        let decoded = DecodeStage(fetched)
        let normalized = NormalizeStage(decoded, normalizer: normalizer)
        var assembler = MonthAssembler(
            format: MonthFileFormats.format(format), layout: layout, user: user, source: .fitbit,
            detail: detail, permissions: options.permissions, priorEntries: prior,
            loader: ArchivedDayLoader(archive: archive, normalizer: normalizer), onDay: { reporter.day($0) })
        assembler.force = options.force
        let months = MonthlyWriterStage(normalized, configuration: assembler)

        for try await written in months {
            for day in written.days {
                manifest.set(entry(for: day, format: format), detail, day.date)
                summary.count(day.status)
                summary.rows += day.rows
            }
            manifest.record(written, detail: detail)
            summary.filesWritten += written.files.count
            manifest.token = await Self.identity(of: tokens.current)
            if !written.files.isEmpty { CrashPoint.reached(.beforeManifest) }
            try manifestStore.save(manifest)
            reporter.monthWritten(written, detail: detail)
        }
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

    func entry(for day: ProcessedDay, format: OutputFormat) -> Manifest.DayEntry {
        Manifest.DayEntry(
            status: day.status, rows: day.rows, sha256: day.day.map { CanonicalDigest.sha256(of: $0.samples) },
            source: .fitbit, format: day.rows > 0 ? format : nil,
            fetchedAt: day.fetchedAt.map { Self.iso(Date(timeIntervalSince1970: $0)) }, lastSync: day.lastSync?.description,
            error: day.failure?.message, httpStatus: day.failure?.httpStatus)
    }

    static func identity(of credential: Credential) -> Manifest.TokenIdentity {
        Manifest.TokenIdentity(fingerprint: credential.fingerprint, rotatedAt: iso(Date(timeIntervalSince1970: credential.rotatedAt)))
    }

    public static func today(in zone: String, at instant: Date = Date()) -> LocalDate {
        let offset = TimeZone(identifier: zone)?.secondsFromGMT(for: instant) ?? 0
        return LocalDate(containingSecond: Int64(instant.timeIntervalSince1970.rounded(.down)) + Int64(offset))
    }

    public static func iso(_ date: Date) -> String {
        var out = [UInt8]()
        TimestampText.append(millis: Int64((date.timeIntervalSince1970).rounded(.down)) * 1000, zulu: true, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
