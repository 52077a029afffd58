import ArgumentParser
import Foundation
import HeartRateExport

struct ImportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "import",
        abstract: "Import Google Takeout archives (all history, no rate limit) into the monthly files.",
        discussion: """
        Takes Takeout .zip parts (any size; ZIP64 works) or extracted folders, and reads only the heart-rate day \
        files wherever they sit: .../Global Export Data/heart_rate-YYYY-MM-DD.json (Fitbit or Google Health \
        folders), .../Physical Activity/heart_rate-YYYY-MM-DD.json (the older MyFitbitData export) and \
        .../Physical Activity_GoogleData/heart_rate_YYYY-MM-DD.csv. Samples go to heart_rate_1sec (and to a coarser \
        --detail too). The JSON's dateTime is read as UTC unless --takeout-times local says otherwise; the zone that \
        places the samples comes from --timezone, else the manifest's history, else this machine's zone. The last \
        day of the archive is partial (an archive is cut at export time). Importing again changes nothing; a day \
        that an API also fetched keeps the denser series, and the manifest records which won.
        """
    )

    @Argument(help: ArgumentHelp("Takeout .zip files or extracted folders.", valueName: "path"))
    var paths: [String]

    @OptionGroup var location: LocationOptions
    @OptionGroup var writing: WriteOptions
    @OptionGroup var output: OutputOptions

    @Option(help: ArgumentHelp("IANA zone the samples are placed in (default: the manifest's history, else this machine's zone).", valueName: "Area/City"))
    var timezone: String?

    @Option(help: ArgumentHelp("How the JSON files' dateTime reads: utc (default) or local.", valueName: "utc|local"))
    var takeoutTimes: TakeoutTimes = .utc

    @Option(help: ArgumentHelp("Also write this coarser series (1min, 5min or 15min: mean per local bucket).", valueName: "detail"))
    var detail: Detail?

    @Option(help: ArgumentHelp("Output format: parquet or csv. Default: the format 1sec was last written in, else parquet.", valueName: "format"))
    var format: OutputFormat?

    @Option(help: ArgumentHelp("Series to import, comma-separated: 1sec (always read), a coarser detail, hrv (the HRV details files), daily (resting heart rate and the nightly HRV summaries). Default: 1sec, the --detail, hrv and daily.", valueName: "list"))
    var series: String?

    func validate() throws {
        let chosen = try Flags.series(series, detail: detail)
        if let chosen, chosen.compactMap(\.detail).filter({ $0 != .oneSecond }).count > 1 {
            throw ValidationError("--series may name one detail besides 1sec for an import")
        }
        guard !paths.isEmpty else { throw ValidationError("give at least one Takeout .zip or folder") }
        if let timezone, TimeZone(identifier: timezone) == nil { throw ValidationError("unknown time zone \(timezone) (use an IANA name such as Europe/Berlin)") }
    }

    func run() async throws {
        try await reportingErrors {
            let place = location.resolve()
            var options = TakeoutImportOptions(paths: paths.map { ExportLocation.absolute($0) },
                                               out: place.out, stateFolder: place.stateFolder, user: try place.importUser())
            options.timeZone = timezone
            options.times = takeoutTimes
            let chosen = try Flags.series(series, detail: detail)
            options.detail = detail ?? chosen?.compactMap(\.detail).first { $0 != .oneSecond }
            options.series = chosen
            options.format = format
            options.permissions = writing.permissions
            options.force = writing.force
            options.lockTimeout = writing.lockTimeout
            // A test hook: a small cap lets a test show a lying zip entry failing without inflating gigabytes.
            if let limit = Environment.value("HREXPORT_TEST_TAKEOUT_ENTRY_LIMIT").flatMap(Int.init), limit > 0 {
                options.entryLimit = min(limit, options.entryLimit)
            }
            let started = ContinuousClock.now
            let progress = ConsoleProgress(output: output, command: "import")
            let summary = try await TakeoutImport(options: options, reporter: progress).run()
            progress.finish()
            Console.line(summary.line(seconds: (ContinuousClock.now - started).inSeconds))
            if summary.failedDays > 0 {
                Console.error("\(summary.failedDays) day(s) failed; they are listed above and in the manifest")
                throw ExitCode(1)
            }
        }
    }
}
