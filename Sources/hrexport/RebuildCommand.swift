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

    @Option(help: ArgumentHelp("Output format: parquet or csv. Default: the format each detail was last written in.", valueName: "format"))
    var format: OutputFormat?

    @Flag(help: "Replace a month file even if hrexport did not write it or it is damaged (it is refused otherwise).")
    var force = false

    @Flag(help: "Create folders 0750 and files 0640 instead of 0700 and 0600.")
    var groupReadable = false

    @Option(help: "Seconds to wait for another run of the same user to finish before exiting 4.")
    var lockTimeout: Double = 0

    func validate() throws {
        guard lockTimeout >= 0 else { throw ValidationError("--lock-timeout must not be negative") }
    }

    func run() async throws {
        try await reportingErrors {
            let out = location.resolvedOut
            var options = RebuildOptions(out: out, stateFolder: location.resolvedStateDir, user: try location.resolvedUser(out: out))
            options.format = format
            options.lockTimeout = lockTimeout
            options.force = force
            if groupReadable { options.permissions = .groupReadable }
            let summary = try await Rebuild(options: options).run { detail, written in
                Console.info("\(written.month)  \(detail.rawValue)  \(written.rowsInFile) rows  \(written.format.rawValue)")
            }
            Console.line("rebuilt \(summary.months) month(s): \(summary.files) files, \(summary.days) days, \(summary.rows) rows")
        }
    }
}
