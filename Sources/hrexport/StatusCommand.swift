import ArgumentParser
import Foundation
import HeartRateExport

struct StatusCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "status",
        abstract: "Show what the manifest knows: days per month and status, rows, token identity, last run.",
        discussion: "Reads only local files; makes no request. `--json` prints the schema documented in the README."
    )

    @OptionGroup var location: LocationOptions

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() async throws {
        try await reportingErrors {
            let place = location.resolve()
            let (manifest, layout) = try place.manifest()
            var report = StatusReport(manifest: manifest, layout: layout)
            let source = place.credential.map(\.source) ?? manifest.source
            report.budget = RateBudgetStore(stateFolder: place.stateFolder, source: source, user: manifest.user).load()
                .map(StatusReport.Budget.init(saved:))
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                Console.line(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else {
                Console.line(report.table)
            }
        }
    }
}

