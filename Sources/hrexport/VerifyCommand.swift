import ArgumentParser
import HeartRateExport

struct VerifyCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "verify",
        abstract: "Read every month file back and check it against the manifest.",
        discussion: """
        Reads each Parquet or CSV.gz file with hrexport's own reader and compares every day's row count and \
        canonical sha256 with the manifest; also reports files that are unsorted, missing, or unknown to the \
        manifest. Makes no request. Exits 0 when everything agrees, 1 with one line per problem otherwise.
        """
    )

    @OptionGroup var location: LocationOptions

    func run() async throws {
        try await reportingErrors {
            let place = location.resolve()
            let report = try Verify(layout: try ExportLayout(out: place.out, user: try place.resolvedUser())).run()
            for problem in report.problems { Console.error(problem) }
            let summary = "\(report.filesRead) files, \(report.daysChecked) days, \(report.rows) rows checked"
            if report.isClean {
                Console.line("ok: " + summary + "; every day matches the manifest")
            } else {
                Console.line("\(report.problems.count) problem(s): " + summary + "; `hrexport rebuild` rewrites the files from the raw archive (`--force` for a damaged file)")
                throw ExitCode(1)
            }
        }
    }
}
