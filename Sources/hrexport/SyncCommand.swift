import ArgumentParser
import Foundation
import HeartRateExport

struct SyncCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sync",
        abstract: "The nightly run: fetch only what is new, late or failed.",
        discussion: """
        Needs no flags: the user, export folder, details and format come from the credentials and the manifest \
        of earlier runs. From the device's last sync it works out which days to fetch: failed days first, \
        partial days the device has synced further into, new days up to the last sync, and the last --lookback \
        complete days when the device has synced since they were fetched (a watch can upload old data late). \
        When nothing changed it makes two requests (profile and devices) and prints "up to date". Only the \
        month files of changed days are rewritten. Exit codes as for backfill.
        """
    )

    @OptionGroup var location: LocationOptions
    @OptionGroup var writing: WriteOptions
    @OptionGroup var api: APIOptions
    @OptionGroup var output: OutputOptions
    @OptionGroup(title: "Many users") var cohort: CohortOptions

    @Flag(help: "With --all: also print every user's outcome (exit code, failed days, summary) as JSON on stdout.")
    var json = false

    @Option(help: ArgumentHelp("Sync only this sample detail (hrv and daily still sync when the export holds them). Default: every detail the export holds (1min for a new one).", valueName: "detail"))
    var detail: Detail?

    @Option(help: ArgumentHelp("Output format: parquet or csv. Default: the format each detail was last written in.", valueName: "format"))
    var format: OutputFormat?

    @Option(help: "Complete days, counted back from the newest, that are fetched again when the device synced since.")
    var lookback: Int = 3

    @Option(help: "Requests kept in flight while the rate budget allows.")
    var concurrency: Int = 4

    @Option(help: ArgumentHelp("Also append every line printed, timestamped, to this file (rotated at 1 MiB, 3 kept).", valueName: "file"))
    var log: String?

    @Option(help: ArgumentHelp("Series to sync, comma-separated (as for backfill). Default: every series the export holds.", valueName: "list"))
    var series: String?

    func validate() throws {
        if json && !cohort.isCohort { throw ValidationError("--json reports the users of --all or --users; add one") }
        _ = try Flags.series(series, detail: detail)
        guard (0...366).contains(lookback) else { throw ValidationError("--lookback must be between 0 and 366") }
        guard (1...16).contains(concurrency) else { throw ValidationError("--concurrency must be between 1 and 16") }
    }

    func run() async throws {
        var console = Console()
        if let log {
            console.log = LogFile(path: ExportLocation.absolute(log))
            if console.log == nil { console.warning("cannot write the log file \(log); this run logs to stderr only") }
        }
        do {
            try await body(console)
            console.log?.append("exit 0")
        } catch let exit as ExitCode {
            console.log?.append("exit \(exit.rawValue)")
            throw exit
        } catch {
            console.log?.append("exit 1: \(error)")
            throw error
        }
    }

    private func body(_ console: Console) async throws {
        try await reportingErrors(to: console) {
            let series = try Flags.series(series, detail: detail)
            let configure = { (options: inout BackfillOptions) in
                options.mode = .sync(lookback: lookback)
                options.command = "sync"
                if let detail {
                    options.detail = detail
                    options.detailGiven = true
                }
                options.format = format
                options.series = series
                options.concurrency = concurrency
            }
            if cohort.isCohort {
                try await ExportRunner.runCohort(cohort, json: json, location: location, api: api, writing: writing, output: output, console: console, configure: configure)
                return
            }
            var options = try ExportRunner.options(location: location, api: api, writing: writing)
            configure(&options)
            try await ExportRunner.run(options, api: api, output: output, console: console)
        }
    }
}
