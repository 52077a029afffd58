import Foundation

/// Everything a backfill needs besides the network: values only, so tests run many in parallel.
public struct BackfillOptions: Sendable {
    public var out: String
    public var stateFolder: String
    public var user: String?
    public var detail: Detail = .oneMinute
    /// nil: the format this detail was last written in, else Parquet.
    public var format: OutputFormat?
    public var from: LocalDate?
    public var to: LocalDate?
    public var permissions: FilePermissions = .private
    public var retry: RetryPolicy = .standard
    public var lockTimeout: Double = 0
    public var command = "backfill"

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
        let current = try store.load(source: .fitbit, user: credential.user) ?? credential

        let reporter = self.reporter
        let tokens = TokenProvider(credential: current, store: store, oauth: OAuthClient(configuration: configuration, transport: transport, retry: options.retry))
        let budget = RateBudget(onWait: { reporter.waiting(for: $0) })
        let client = FitbitClient(configuration: configuration, transport: transport, tokens: tokens, budget: budget, retry: options.retry)

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

        let today = Self.today(in: profile.timeZone)
        let memberSince = profile.memberSince ?? today
        manifest.timezones.record(currentZone: profile.timeZone, since: memberSince, changeDay: today)
        let (from, to) = clamp(from: options.from ?? memberSince, to: options.to ?? today.adding(days: -1), memberSince: memberSince, today: today)

        var summary = Manifest.RunSummary(command: options.command, startedAt: Self.iso(started), finishedAt: "", detail: options.detail, from: from, to: to)
        let prior = manifest.days[options.detail] ?? [:]
        let format = options.format ?? manifest.recordedFormat(options.detail) ?? .parquet
        if from <= to {
            let settled = Set(prior.filter { $0.value.status.isSettled }.keys)
            let failedBefore = Set(prior.filter { $0.value.status == .failed }.keys)
            let archive = RawArchive(userFolder: layout.userFolder, source: .fitbit, permissions: options.permissions)
            let normalizer = Normalizer(timeZones: manifest.timezones)
            let days = DateRange(from: from, to: to, skipping: settled)
            let fetched = RateLimitedFetcher(days, client: client, detail: options.detail, lastSync: lastSync, archive: archive, refetch: failedBefore)
            let archived = RawArchiveStage(fetched, archive: archive)
            let decoded = DecodeStage(archived)
            let normalized = NormalizeStage(decoded, normalizer: normalizer)
            let months = MonthlyWriterStage(normalized, configuration: .init(
                format: MonthFileFormats.format(format), layout: layout, user: profile.encodedID, source: .fitbit,
                detail: options.detail, permissions: options.permissions, priorEntries: prior,
                loader: ArchivedDayLoader(archive: archive, normalizer: normalizer), onDay: { reporter.day($0) }))

            for try await written in months {
                for day in written.days {
                    manifest.set(entry(for: day, format: format), options.detail, day.date)
                    summary.count(day.status)
                    summary.rows += day.rows
                }
                manifest.record(written, detail: options.detail)
                summary.filesWritten += written.files.count
                manifest.token = await Self.identity(of: tokens.current)
                try manifestStore.save(manifest)
            }
        }
        summary.requests = await budget.requestsSent
        summary.finishedAt = Self.iso(Date())
        summary.exitCode = summary.failed > 0 ? 1 : 0
        manifest.token = await Self.identity(of: tokens.current)
        manifest.lastRun = summary
        try manifestStore.save(manifest)
        return summary
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
        let local = Int(instant.timeIntervalSince1970.rounded(.down)) + offset
        return LocalDate(daysSinceEpoch: local >= 0 ? local / 86_400 : (local - 86_399) / 86_400)
    }

    public static func iso(_ date: Date) -> String {
        var out = [UInt8]()
        TimestampText.append(millis: Int64((date.timeIntervalSince1970).rounded(.down)) * 1000, zulu: true, to: &out)
        return String(decoding: out, as: UTF8.self)
    }
}
