import ArgumentParser
import Foundation
import HeartRateExport

struct TimeZoneCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "timezone",
        abstract: "Show or declare the time zones your days were lived in.",
        discussion: """
        Fitbit reports wall-clock times and only your current zone. hrexport records a change of zone the \
        first day it sees it; for the past, declare it: `hrexport timezone set --from 2025-06-01 Europe/Berlin` \
        (add --to for a trip). The months it affects are rebuilt from the raw archive, without a request.
        """,
        subcommands: [ListZones.self, SetZone.self],
        defaultSubcommand: ListZones.self
    )

    struct ListZones: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "list", abstract: "Print the zone history the manifest records.")

        @OptionGroup var location: LocationOptions

        func run() async throws {
            try await reportingErrors {
                let manifest = try location.resolve().manifest().manifest
                for entry in manifest.timezones.entries { Console.line("\(entry.from)  \(entry.zone)") }
            }
        }
    }

    struct SetZone: AsyncParsableCommand {
        static let configuration = CommandConfiguration(commandName: "set", abstract: "Declare the zone in force from a day on, and rebuild the months it changes.")

        @OptionGroup var location: LocationOptions

        @Option(help: "First local day in the zone (YYYY-MM-DD).")
        var from: LocalDate

        @Option(help: "Last local day in the zone, for a trip (YYYY-MM-DD). Default: until the next recorded change.")
        var to: LocalDate?

        @Argument(help: "An IANA time zone, such as Europe/Berlin.")
        var zone: String

        @Option(help: "Seconds to wait for another run of the same user to finish before exiting 4.")
        var lockTimeout: Double = 0

        func validate() throws {
            guard TimeZone(identifier: zone) != nil else { throw ValidationError("unknown time zone \(zone) (use an IANA name such as Europe/Berlin)") }
            if let to, to < from { throw ValidationError("--to \(to) is before --from \(from)") }
            try Flags.seconds(lockTimeout, "--lock-timeout", allowZero: true)
        }

        func run() async throws {
            try await reportingErrors {
                let place = location.resolve()
                var options = RebuildOptions(out: place.out, stateFolder: place.stateFolder, user: try place.resolvedUser())
                options.declaredZone = ZoneDeclaration(zone: zone, from: from, to: to)
                options.lockTimeout = lockTimeout
                let summary = try await Rebuild(options: options).run()
                Console.line("\(zone) from \(from)\(to.map { " through \($0)" } ?? ""): rebuilt \(summary.months) month(s), \(summary.rows) rows")
            }
        }
    }
}
