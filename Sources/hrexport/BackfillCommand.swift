import ArgumentParser
import Foundation
import HeartRateExport

struct BackfillCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "backfill",
        abstract: "Export a range of days into monthly files.",
        discussion: """
        Fetches each day not yet settled in the manifest (complete or empty days are never fetched again), \
        keeps every response in the raw archive, and rewrites the month files the days belong to. A range \
        before the account's first day or after today is clamped with a warning. Runs again safely: a \
        second identical run makes no data request, and a run killed at any moment resumes where it stopped.
        """
    )

    @OptionGroup var location: LocationOptions
    @OptionGroup var writing: WriteOptions
    @OptionGroup var api: APIOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup(title: "Many users") var cohort: CohortOptions

    @Flag(help: "With --all: also print every user's outcome (exit code, failed days, summary) as JSON on stdout.")
    var json = false

    @Option(help: "First day (YYYY-MM-DD). Default: the account's first day.")
    var from: LocalDate?

    @Option(help: "Last day (YYYY-MM-DD). Default: yesterday in the user's time zone.")
    var to: LocalDate?

    @Option(help: ArgumentHelp("Sample detail: \(Detail.allCases.map(\.rawValue).joined(separator: ", ")). Default 1min from Fitbit; Google's samples always go to 1sec, and a coarser --detail adds that series (mean per local bucket).", valueName: "detail"))
    var detail: Detail?

    @Option(help: ArgumentHelp("Output format: parquet or csv (gzip). Default: the format this detail was last written in, else parquet. A month written in another format is rewritten whole in this one.", valueName: "format"))
    var format: OutputFormat?

    @Option(help: Flags.seriesHelp)
    var series: String?

    func validate() throws {
        if json && !cohort.isCohort { throw ValidationError("--json reports the users of --all or --users; add one") }
        _ = try Flags.series(series, detail: detail)
        if let from, let to, from > to { throw ValidationError("--from \(from) is after --to \(to)") }
        try Flags.notInTheFuture(from)
        guard (1...16).contains(concurrency) else { throw ValidationError("--concurrency must be between 1 and 16") }
    }

    @Option(help: "Requests kept in flight while the rate budget allows.")
    var concurrency: Int = 4

    func run() async throws {
        try await reportingErrors {
            let series = try Flags.series(series, detail: detail)
            let configure = { (options: inout BackfillOptions) in
                if let detail {
                    options.detail = detail
                    options.detailGiven = true
                }
                options.format = format
                options.series = series
                options.from = from
                options.to = to
                options.concurrency = concurrency
            }
            if cohort.isCohort {
                try await ExportRunner.runCohort(cohort, json: json, location: location, api: api, writing: writing, output: output, console: Console(), configure: configure)
                return
            }
            var options = try ExportRunner.options(location: location, api: api, writing: writing)
            configure(&options)
            try await ExportRunner.run(options, api: api, output: output)
        }
    }

}

/// What backfill and sync share: options from flags and stored state, the run, the summary line, exit 1.
enum ExportRunner {
    /// `warnLooseFolder: false` when the caller has said it once already (a cohort asks for every member).
    static func options(location: LocationOptions, api: APIOptions, writing: WriteOptions, warnLooseFolder: Bool = true) throws -> BackfillOptions {
        try api.checkOverrides()
        let place = location.resolve()
        let store = CredentialsStore(stateFolder: place.stateFolder)
        if warnLooseFolder, let warning = store.looseFolderWarning() { Console.warning(warning) }
        // The entry this run is for: the one already found, unless --source asks for another (its errors, a loose
        // mode or an unknown version, are reported here).
        let found = place.credential.flatMap { api.source == nil || $0.source == api.source ? $0 : nil }
        guard let stored = try found ?? store.find(source: api.source, user: location.user) else {
            throw ExportError.authorizationNeeded("no \(api.source.map { $0.rawValue + " " } ?? "")credentials in \(place.stateFolder)")
        }
        var options = BackfillOptions(out: place.out, stateFolder: place.stateFolder)
        options.user = stored.user
        options.source = stored.source
        options.detail = stored.source.defaultDetail
        options.credential = stored
        options.pacing = api.pacing
        options.retry = api.retryPolicy
        options.lockTimeout = writing.lockTimeout
        options.force = writing.force
        options.permissions = writing.permissions
        return options
    }

    static func run(_ options: BackfillOptions, api: APIOptions, output: OutputOptions, console: Console = Console()) async throws {
        let started = ContinuousClock.now
        let progress = ConsoleProgress(output: output, command: options.command, console: console)
        defer { progress.finish() }
        let stored = options.credential
        let transport = AsyncHTTPTransport()
        let summary: Manifest.RunSummary
        do {
            summary = try await Backfill(options: options, configuration: api.configuration(stored: stored), transport: transport, reporter: progress).run()
        } catch {
            await transport.shutdown()
            throw error
        }
        await transport.shutdown()
        progress.finish()
        console.line(summary.line(seconds: (ContinuousClock.now - started).inSeconds))
        if summary.failedDays > 0 {
            console.error("\(summary.failedDays) day(s) failed; they are listed above and in the manifest, and the next run retries them")
            throw ExitCode(1)
        }
    }
}
