import ArgumentParser
import Foundation
import HeartRateExport

struct CohortCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "cohort",
        abstract: "Views of many participants at once.",
        subcommands: [CohortReportCommand.self]
    )
}

struct CohortReportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "report",
        abstract: "Compliance per participant: days with data, hours worn, last day, token age, last run.",
        discussion: """
        For every participant with credentials in the state folder, or of a roster (or a shard of them): the days with data in \
        the last 7 and 30 days, counted back from the participant's local yesterday; the median over those 30 \
        days of the hours with at least one sample (a day without data counts 0); the last day with data; the \
        refresh token's age; the last run and its exit code. Reads manifests and month files only; no request.
        """
    )

    @OptionGroup var location: LocationOptions

    @Option(help: ArgumentHelp("Only the participants of shard K of N (as for sync --all).", valueName: "K/N"))
    var shard: String?

    @Option(help: ArgumentHelp("The participants of a study roster (`study_id,source,user`, as for sync --users), named by their study ids.", valueName: "file"))
    var users: String?

    @Option(help: ArgumentHelp("The last day of the 7- and 30-day windows (YYYY-MM-DD). Default: each participant's local yesterday.", valueName: "date"))
    var until: LocalDate?

    @Flag(help: "Print JSON (with each participant's hours worn per day) instead of a table.")
    var json = false

    @Flag(help: "Print CSV instead of a table.")
    var csv = false

    @Option(help: ArgumentHelp("Also write participants × days as an SVG heat map of hours worn.", valueName: "file"))
    var svg: String?

    func validate() throws {
        if json && csv { throw ValidationError("choose one of --json and --csv") }
        if let shard, Shard(shard) == nil { throw ValidationError("--shard \(Printable.quoted(shard)) is not K/N with 0 <= K < N <= 100000") }
        if location.user != nil { throw ValidationError("a cohort report covers every participant; leave out --user") }
    }

    func run() async throws {
        try await reportingErrors {
            let place = location.resolve()
            let (shard, members) = try CohortOptions.members(stateFolder: place.stateFolder, source: nil, roster: users, shard: shard, shardCount: nil)
            let store = CredentialsStore(stateFolder: place.stateFolder)
            let now = Date()
            let participants = members.map { member -> Compliance.Participant in
                do {
                    let layout = try CohortOptions.layout(of: member, location: location, store: store)
                    guard let manifest = try ManifestStore(userFolder: layout.userFolder).load() else {
                        return Compliance.Participant(member: member, problem: "no export yet in \(layout.userFolder)")
                    }
                    return try Compliance.Participant(member: member, layout: layout, manifest: manifest,
                                                      credential: try? store.load(source: member.source, user: member.user), now: now, until: until)
                } catch {
                    return Compliance.Participant(member: member, problem: String(describing: error))
                }
            }
            let report = Compliance(shard: shard.description, participants: participants)
            if let svg {
                try AtomicFile.write(Array(report.svg.utf8), to: ExportLocation.absolute(svg), permissions: .private)
            }
            if json {
                let encoder = JSONEncoder()
                encoder.outputFormatting = [.prettyPrinted, .sortedKeys, .withoutEscapingSlashes]
                Console.line(String(decoding: try encoder.encode(report), as: UTF8.self))
            } else if csv {
                FileHandle.standardOutput.write(Data(report.csv.utf8))
            } else {
                Console.line(report.table)
            }
        }
    }
}
