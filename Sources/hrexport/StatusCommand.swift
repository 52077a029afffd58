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
            let (manifest, _, user) = try location.loadManifest()
            var report = StatusReport(manifest: manifest)
            report.budget = RateBudgetStore(stateFolder: location.resolvedStateDir, source: manifest.source, user: user).load()
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

/// The status as a value: the same numbers feed the table and the JSON.
struct StatusReport: Encodable {
    struct Month: Encodable {
        var detail: String
        var month: String
        var complete = 0, partial = 0, empty = 0, noAccess = 0, failed = 0, rows = 0

        enum CodingKeys: String, CodingKey {
            case detail, month, complete, partial, empty, failed, rows
            case noAccess = "no_access"
        }
    }

    /// The rate window as the last run left it; a window that has reset is reported as full.
    struct Budget: Encodable {
        var limit: Int
        var remaining: Int
        var resetsAt: String?

        init(saved: RateBudgetStore.Saved) {
            limit = saved.limit
            let open = saved.resetAt > Date().timeIntervalSince1970
            remaining = open ? saved.remaining : saved.limit
            resetsAt = open ? Backfill.iso(Date(timeIntervalSince1970: saved.resetAt)) : nil
        }

        enum CodingKeys: String, CodingKey {
            case limit, remaining
            case resetsAt = "resets_at"
        }
    }

    var user: String
    var months: [Month]
    var token: Manifest.TokenIdentity?
    var lastRun: Manifest.RunSummary?
    var timezones: TimeZoneHistory
    var deviceLastSync: String?
    var budget: Budget?

    enum CodingKeys: String, CodingKey {
        case user, months, token, timezones, budget
        case lastRun = "last_run", deviceLastSync = "device_last_sync"
    }

    init(manifest: Manifest) {
        user = manifest.user
        token = manifest.token
        lastRun = manifest.lastRun
        deviceLastSync = manifest.lastRun?.deviceLastSync
        timezones = manifest.timezones
        var months = [String: Month]()
        for (detail, days) in manifest.days {
            for (date, entry) in days {
                let key = "\(detail.rawValue) \(date.month)"
                var m = months[key] ?? Month(detail: detail.rawValue, month: date.month.description)
                switch entry.status {
                case .complete: m.complete += 1
                case .partial: m.partial += 1
                case .empty: m.empty += 1
                case .noAccess: m.noAccess += 1
                case .failed: m.failed += 1
                }
                m.rows += entry.rows
                months[key] = m
            }
        }
        self.months = months.values.sorted { ($0.detail, $0.month) < ($1.detail, $1.month) }
    }

    var table: String {
        var lines = ["user \(user)", "detail  month    complete partial empty no_access failed       rows"]
        for m in months {
            lines.append([m.detail.padding(7), m.month.padding(8), String(m.complete).left(8), String(m.partial).left(7), String(m.empty).left(5),
                          String(m.noAccess).left(9), String(m.failed).left(6), String(m.rows).left(10)].joined(separator: " "))
        }
        if let token { lines.append("token   fingerprint \(token.fingerprint), rotated \(token.rotatedAt)") }
        if let deviceLastSync { lines.append("device  last sync \(deviceLastSync) (local time)") }
        if let budget {
            lines.append("budget  \(budget.remaining) of \(budget.limit) requests left" + (budget.resetsAt.map { " until \($0)" } ?? " (a new window)"))
        }
        if let run = lastRun {
            lines.append("last    \(run.command) \(run.from.map(\.description) ?? "")..\(run.to.map(\.description) ?? "") finished \(run.finishedAt), exit \(run.exitCode), \(run.requests) requests")
        }
        return lines.joined(separator: "\n")
    }
}

extension String {
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
    func left(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
