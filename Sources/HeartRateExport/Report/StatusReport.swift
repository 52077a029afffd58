import Foundation

/// `hrexport status`: what the manifest knows, as the table a person reads and the JSON a script reads. The JSON
/// schema is documented in the README and only grows: fields are added, never renamed.
public struct StatusReport: Encodable {
    public struct Month: Encodable {
        var detail: String
        var month: String
        var complete = 0, partial = 0, empty = 0, noAccess = 0, failed = 0, rows = 0
        /// One character per day of the month: `#` complete, `+` partial, `.` empty, `-` no access,
        /// `x` failed, a space when the day was never requested.
        var days = ""
        /// Size of the month's intraday file, if there is one.
        var fileBytes: Int?

        enum CodingKeys: String, CodingKey {
            case detail, month, complete, partial, empty, failed, rows, days
            case noAccess = "no_access", fileBytes = "file_bytes"
        }
    }

    /// The rate window as the last run left it; a window that has reset is reported as full.
    public struct Budget: Encodable {
        var limit: Int
        var remaining: Int
        var resetsAt: String?

        public init(saved: RateBudgetStore.Saved) {
            limit = saved.limit
            let open = saved.resetAt > Date().timeIntervalSince1970
            remaining = open ? saved.remaining : saved.limit
            resetsAt = open ? TimestampText.iso(Date(timeIntervalSince1970: saved.resetAt)) : nil
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
    public var budget: Budget?
    /// Days per source, over every detail: where the export's rows came from.
    var sources: [String: Int] = [:]

    enum CodingKeys: String, CodingKey {
        case user, months, token, timezones, budget, sources
        case lastRun = "last_run", deviceLastSync = "device_last_sync"
    }

    static func symbol(_ status: DayStatus?) -> Character {
        switch status {
        case .complete: "#"
        case .partial: "+"
        case .empty: "."
        case .noAccess: "-"
        case .failed: "x"
        case nil: " "
        }
    }

    public init(manifest: Manifest, layout: ExportLayout) {
        user = manifest.user
        token = manifest.token
        lastRun = manifest.lastRun
        deviceLastSync = manifest.lastRun?.deviceLastSync
        timezones = manifest.timezones
        var months = [String: Month]()
        for series in manifest.seriesPresent {
            for (date, entry) in manifest.entries(series) {
                let key = "\(series.name) \(date.month)"
                var m = months[key] ?? Month(detail: series.name, month: date.month.description)
                switch entry.status {
                case .complete: m.complete += 1
                case .partial: m.partial += 1
                case .empty: m.empty += 1
                case .noAccess: m.noAccess += 1
                case .failed: m.failed += 1
                }
                m.rows += entry.rows
                months[key] = m
                if entry.rows > 0, series.detail != nil { sources[entry.source.rawValue, default: 0] += 1 }
            }
        }
        for (key, var m) in months {
            guard let series = Series(name: m.detail), let month = YearMonth(m.month) else { continue }
            let entries = manifest.entries(series)
            m.days = String(month.days.map { Self.symbol(entries[$0]?.status) })
            let format = month.days.compactMap { entries[$0]?.format }.first
            m.fileBytes = format.flatMap { FileSystem.size(layout.seriesFile(series, month, $0)) }
            months[key] = m
        }
        // Each series in its order (1sec, 1min, 5min, 15min, hrv, daily), then by month.
        self.months = months.values.sorted { (Series(name: $0.detail)!, $0.month) < (Series(name: $1.detail)!, $1.month) }
    }

    /// Made to be read in five seconds: one line per month with its days drawn, then what is missing and why.
    public var table: String {
        var lines = ["user \(user)"]
        for detail in Swift.Set(months.map(\.detail)).compactMap({ Series(name: $0) }).sorted().map(\.name) {
            lines.append("")
            lines.append(detail.padding(9) + "1        10        20        31  complete partial empty no_access failed       rows       size")
            for m in months where m.detail == detail {
                lines.append(m.month.padding(9) + m.days.padding(32) + [String(m.complete).left(10), String(m.partial).left(7), String(m.empty).left(5),
                             String(m.noAccess).left(9), String(m.failed).left(6), m.rows.formatted().left(10), (m.fileBytes.map(Self.bytes) ?? "-").left(10)].joined(separator: " "))
            }
        }
        lines.append("days: # complete  + partial (not yet synced)  . empty  - no access (app type must be Personal)  x failed (retried next run)")
        lines.append("")
        let missing = months.reduce(0) { $0 + $1.partial + $1.failed + $1.noAccess }
        lines.append(missing == 0 ? "nothing missing" : "missing: \(months.reduce(0) { $0 + $1.partial }) partial, \(months.reduce(0) { $0 + $1.failed }) failed, \(months.reduce(0) { $0 + $1.noAccess }) no access day(s); `hrexport sync` fetches what can be fetched")
        if sources.count > 1 || sources.keys.first.map({ $0 != SourceKind.fitbit.rawValue }) == true {
            lines.append("sources " + sources.sorted { $0.key < $1.key }.map { "\($0.key) \($0.value) day(s)" }.joined(separator: ", "))
        }
        if let deviceLastSync {
            lines.append(lastRun?.command == "import" ? "archive ends \(deviceLastSync.prefix(10)) (its last day is partial)" : "device  last sync \(deviceLastSync) (local time)")
        }
        if let token { lines.append("token   fingerprint \(token.fingerprint), rotated \(token.rotatedAt)\(Self.age(token.rotatedAt).map { " (\($0) ago)" } ?? "")") }
        if let budget {
            lines.append("budget  \(budget.remaining) of \(budget.limit) requests left" + (budget.resetsAt.map { " until \($0)" } ?? " (a new window)"))
        }
        if let run = lastRun {
            let outcome = run.exitCode == 0 ? "ok" : "exit \(run.exitCode), \(run.failed) day(s) failed"
            lines.append("last    \(run.command) \(run.from.map(\.description) ?? "")..\(run.to.map(\.description) ?? "") finished \(run.finishedAt): \(outcome), \(run.requests) requests, \(run.rows.formatted()) rows")
        }
        return lines.joined(separator: "\n")
    }

    public static func bytes(_ count: Int) -> String {
        count < 1024 ? "\(count) B" : count < 1 << 20 ? String(format: "%.1f KB", Double(count) / 1024) : String(format: "%.1f MB", Double(count) / 1_048_576)
    }

    /// "3 h", "2 d": how long ago an ISO instant was.
    static func age(_ iso: String) -> String? {
        let formatter = ISO8601DateFormatter()
        guard let date = formatter.date(from: iso) else { return nil }
        let seconds = Int(Date().timeIntervalSince(date))
        return seconds < 3600 ? "\(max(0, seconds / 60)) min" : seconds < 172_800 ? "\(seconds / 3600) h" : "\(seconds / 86_400) d"
    }
}

extension String {
    /// Left-aligned in `width` columns.
    func padding(_ width: Int) -> String { count >= width ? self : self + String(repeating: " ", count: width - count) }
    /// Right-aligned in `width` columns.
    func left(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
