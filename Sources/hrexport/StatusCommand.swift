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
    @OptionGroup(title: "Many users") var cohort: CohortOptions

    @Flag(help: "Print JSON instead of a table.")
    var json = false

    func run() async throws {
        try await reportingErrors {
            if cohort.isCohort { return try cohortStatus() }
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

    /// One line per participant of the shard (`--json`: one object each), from the manifests alone.
    private func cohortStatus() throws {
        guard location.user == nil else { throw ExportError.usage("--all and --users show many users; leave out --user") }
        let place = location.resolve()
        let (shard, members) = try cohort.members(stateFolder: place.stateFolder, source: nil)
        let store = CredentialsStore(stateFolder: place.stateFolder)
        let statuses = members.map { member -> Cohort.MemberStatus in
            do {
                let layout = try CohortOptions.layout(of: member, location: location, store: store)
                return Cohort.MemberStatus(member: member, export: layout.userFolder, manifest: try ManifestStore(userFolder: layout.userFolder).load())
            } catch {
                return Cohort.MemberStatus(member: member, export: "", manifest: nil, problem: String(describing: error))
            }
        }
        if json {
            let encoder = JSONEncoder()
            encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
            Console.line(String(decoding: try encoder.encode(Cohort.StatusReport(shard: shard.description, users: statuses)), as: UTF8.self))
        } else {
            Console.line("cohort shard \(shard): \(statuses.count) user(s)")
            for status in statuses { Console.line(status.line) }
        }
    }
}
