import ArgumentParser
import HeartRateExport

struct RebuildCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "rebuild",
        abstract: "Rewrite every month file from the raw archive, without a request.",
        discussion: """
        Use it to change the format of an export (`--format csv` or `--format parquet`), after upgrading \
        hrexport, or to repair a file `hrexport verify` reported. Each month is written atomically, the file in \
        the other format is removed, and the manifest's rows and sha256 are recomputed.
        """
    )

    @OptionGroup var location: LocationOptions
    @OptionGroup var writing: WriteOptions

    @Option(help: ArgumentHelp("Output format: parquet or csv. Default: the format each detail was last written in.", valueName: "format"))
    var format: OutputFormat?


    func run() async throws {
        try await reportingErrors {
            let place = location.resolve()
            var options = RebuildOptions(out: place.out, stateFolder: place.stateFolder, user: try place.resolvedUser())
            options.format = format
            options.lockTimeout = writing.lockTimeout
            options.force = writing.force
            options.permissions = writing.permissions
            let summary = try await Rebuild(options: options).run { detail, written in
                Console.info("\(written.month)  \(detail.rawValue)  \(written.rowsInFile) rows  \(written.format.rawValue)")
            }
            Console.line("rebuilt \(summary.months) month(s): \(summary.files) files, \(summary.days) days, \(summary.rows) rows")
        }
    }
}
