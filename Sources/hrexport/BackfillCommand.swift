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

    @Option(help: "First day (YYYY-MM-DD). Default: the account's first day.")
    var from: LocalDate?

    @Option(help: "Last day (YYYY-MM-DD). Default: yesterday in the user's time zone.")
    var to: LocalDate?

    @Option(help: ArgumentHelp("Sample detail: \(Detail.allCases.map(\.rawValue).joined(separator: ", ")). Default 1min from Fitbit; Google's samples always go to 1sec, and a coarser --detail adds that series (mean per local bucket).", valueName: "detail"))
    var detail: Detail?

    @Option(help: ArgumentHelp("Output format: parquet or csv (gzip). Default: the format this detail was last written in, else parquet. A month written in another format is rewritten whole in this one.", valueName: "format"))
    var format: OutputFormat?

    func validate() throws {
        if let from, let to, from > to { throw ValidationError("--from \(from) is after --to \(to)") }
        try Flags.notInTheFuture(from)
        guard (1...16).contains(concurrency) else { throw ValidationError("--concurrency must be between 1 and 16") }
    }

    @Option(help: "Requests kept in flight while the rate budget allows.")
    var concurrency: Int = 4

    func run() async throws {
        try await reportingErrors {
            var options = try ExportRunner.options(location: location, api: api, writing: writing)
            if let detail {
                options.detail = detail
                options.detailGiven = true
            }
            options.format = format
            options.from = from
            options.to = to
            options.concurrency = concurrency
            try await ExportRunner.run(options, api: api, output: output)
        }
    }

}

/// What backfill and sync share: options from flags and stored state, the run, the summary line, exit 1.
enum ExportRunner {
    static func options(location: LocationOptions, api: APIOptions, writing: WriteOptions) throws -> BackfillOptions {
        try api.checkOverrides()
        let stateDir = location.resolvedStateDir
        if let warning = CredentialsStore(stateFolder: stateDir).looseFolderWarning() { Console.warning(warning) }
        guard let stored = try CredentialsStore(stateFolder: stateDir).find(source: api.source, user: location.user) else {
            throw ExportError.authorizationNeeded("no \(api.source.map { $0.rawValue + " " } ?? "")credentials in \(stateDir)")
        }
        var options = BackfillOptions(out: location.resolvedOut, stateFolder: stateDir)
        options.user = stored.user
        options.source = stored.source
        options.detail = stored.source == .fitbit ? .oneMinute : .oneSecond
        options.pacing = api.pacing
        options.retry = api.retryPolicy
        options.lockTimeout = writing.lockTimeout
        options.force = writing.force
        options.permissions = writing.permissions
        return options
    }

    static func run(_ options: BackfillOptions, api: APIOptions, output: OutputOptions) async throws {
        let started = ContinuousClock.now
        let progress = ConsoleProgress(output: output, command: options.command)
        defer { progress.finish() }
        let stored = try CredentialsStore(stateFolder: options.stateFolder).load(source: options.source, user: options.user)
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
        Console.line(describe(summary, seconds: (ContinuousClock.now - started).inSeconds))
        if summary.failed > 0 {
            Console.error("\(summary.failed) day(s) failed; they are listed above and in the manifest, and the next run retries them")
            throw ExitCode(1)
        }
    }

    static func describe(_ s: Manifest.RunSummary, seconds: Double) -> String {
        let days = s.complete + s.partial + s.empty + s.noAccess + s.failed
        if days == 0 && s.command == "sync" { return "up to date: \(s.requests) requests, " + String(format: "%.1f s", seconds) }
        let range = s.from.flatMap { from in s.to.map { "\(from)..\($0)" } } ?? "nothing to do"
        return "\(range): \(days) days \(s.command == "import" ? "read" : "fetched or resumed") (\(s.complete) complete, \(s.partial) partial, \(s.empty) empty, "
            + "\(s.noAccess) no access, \(s.failed) failed), \(s.rows) rows, \(s.filesWritten) files, \(s.requests) requests, "
            + String(format: "%.1f s", seconds)
    }
}
