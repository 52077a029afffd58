import Foundation

/// The view a study team lives in: per participant, how much of the last 7 and 30 days has data, how many hours a
/// day the watch was worn, the last day with data, the token's age and the last run. Read from each participant's
/// manifest and month files; no request.
public struct Compliance: Sendable, Encodable {
    public static let window = 30

    public struct Participant: Sendable, Encodable, Equatable {
        public var source: String
        public var user: String
        /// The participant's local yesterday: the last day of both windows.
        public var yesterday: String?
        public var daysWithData7 = 0
        public var daysWithData30 = 0
        /// The median over the 30 days of the hours with at least one sample (a day without data counts 0).
        public var medianWearHours: Double = 0
        /// Local date → hours (0–24) with at least one sample, for each of the 30 days, oldest first.
        public var wearHours: [DayHours] = []
        public var lastDayWithData: String?
        public var tokenAgeDays: Double?
        public var lastRun: String?
        public var lastExitCode: Int32?
        public var problem: String?

        public struct DayHours: Sendable, Encodable, Equatable {
            public var date: String
            public var hours: Int
        }

        enum CodingKeys: String, CodingKey {
            case source, user, yesterday, problem
            case daysWithData7 = "days_with_data_7"
            case daysWithData30 = "days_with_data_30"
            case medianWearHours = "median_wear_hours"
            case wearHours = "wear_hours"
            case lastDayWithData = "last_day_with_data"
            case tokenAgeDays = "token_age_days"
            case lastRun = "last_run"
            case lastExitCode = "last_exit_code"
        }

        public init(member: Cohort.Member, problem: String) {
            source = member.source.rawValue
            user = member.name
            self.problem = problem
        }

        /// `now` fixes "yesterday" in the participant's latest recorded zone; `until`, when given, is the windows'
        /// last day instead (a report as of a date).
        public init(member: Cohort.Member, layout: ExportLayout, manifest: Manifest, credential: Credential?, now: Date,
                    until: LocalDate? = nil) throws(ExportError) {
            source = member.source.rawValue
            user = member.name
            tokenAgeDays = credential.map { ((now.timeIntervalSince1970 - $0.rotatedAt) / 86_400 * 10).rounded() / 10 }
            if let run = manifest.lastRun {
                lastRun = "\(run.command) \(run.finishedAt)"
                lastExitCode = run.exitCode
            }
            guard let detail = manifest.days.keys.min(), let entries = manifest.days[detail] else {
                problem = "no samples exported yet"
                return
            }
            lastDayWithData = entries.filter { $0.value.rows > 0 }.keys.max()?.description
            let zone = manifest.timezones.entries.last?.zone ?? "UTC"
            let last = until ?? LocalDate.today(in: zone, at: now).adding(days: -1)
            yesterday = last.description
            let days = (0..<Compliance.window).map { last.adding(days: $0 - Compliance.window + 1) }
            var hours = [LocalDate: Set<Int>]()
            var files = [String: [Sample]]()
            for day in days {
                guard let entry = entries[day], entry.rows > 0, let format = entry.format else { continue }
                let path = layout.seriesFile(.samples(detail), day.month, format)
                if files[path] == nil { files[path] = try MonthFileFormats.format(format).readIntraday(from: path) }
                hours[day] = []
            }
            for samples in files.values {
                for sample in samples {
                    let local = sample.epochMillis / 1000 + Int64(sample.utcOffsetMinutes) * 60
                    let date = LocalDate(containingSecond: local)
                    if hours[date] != nil { hours[date]!.insert(Int(((local % 86_400) + 86_400) % 86_400 / 3600)) }
                }
            }
            wearHours = days.map { DayHours(date: $0.description, hours: hours[$0]?.count ?? 0) }
            daysWithData30 = wearHours.filter { $0.hours > 0 }.count
            daysWithData7 = wearHours.suffix(7).filter { $0.hours > 0 }.count
            let sorted = wearHours.map(\.hours).sorted()
            medianWearHours = sorted.count % 2 == 1 ? Double(sorted[sorted.count / 2])
                : Double(sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
        }
    }

    public var shard: String
    public var participants: [Participant]

    public init(shard: String, participants: [Participant]) {
        self.shard = shard
        self.participants = participants
    }

    static let csvHeader = "source,user,yesterday,days_with_data_7,days_with_data_30,median_wear_hours,last_day_with_data,token_age_days,last_run,last_exit_code,problem"

    public var csv: String {
        ([Self.csvHeader] + participants.map { p in
            [p.source, p.user, p.yesterday ?? "", String(p.daysWithData7), String(p.daysWithData30), String(p.medianWearHours),
             p.lastDayWithData ?? "", p.tokenAgeDays.map { String($0) } ?? "", p.lastRun ?? "", p.lastExitCode.map { String($0) } ?? "",
             p.problem ?? ""].map(Self.csvField).joined(separator: ",")
        }).joined(separator: "\n") + "\n"
    }

    static func csvField(_ text: String) -> String {
        text.contains(where: { $0 == "," || $0 == "\"" || $0 == "\n" }) ? "\"" + text.replacingOccurrences(of: "\"", with: "\"\"") + "\"" : text
    }

    public var table: String {
        var lines = ["participant             7d  30d  wear h/day  last day    token age  last run"]
        for p in participants {
            let who = "\(p.source) \(p.user)".padding(toLength: 22, withPad: " ", startingAt: 0)
            if let problem = p.problem, p.yesterday == nil {
                lines.append("\(who)  \(problem)")
                continue
            }
            let age = p.tokenAgeDays.map { String(format: "%.1f d", $0) } ?? "-"
            lines.append("\(who) \(String(p.daysWithData7).leftPadded(3)) \(String(p.daysWithData30).leftPadded(4)) \(String(format: "%.1f", p.medianWearHours).leftPadded(11))  "
                         + "\((p.lastDayWithData ?? "none").padding(toLength: 10, withPad: " ", startingAt: 0))  \(age.leftPadded(9))  \(p.lastRun ?? "none")\(p.lastExitCode.map { " exit \($0)" } ?? "")")
        }
        return lines.joined(separator: "\n")
    }

    /// Participants × the 30 days as a heat map of wear hours: who stopped wearing the watch shows at a glance.
    public var svg: String {
        let cell = 14, left = 150, top = 44
        let width = left + Compliance.window * cell + 20, height = top + participants.count * cell + 30
        var parts = ["<svg xmlns=\"http://www.w3.org/2000/svg\" width=\"\(width)\" height=\"\(height)\" font-family=\"sans-serif\" font-size=\"11\">",
                     "<rect width=\"100%\" height=\"100%\" fill=\"white\"/>",
                     "<text x=\"\(left)\" y=\"16\" font-size=\"13\" font-weight=\"bold\">Hours worn per day, last \(Compliance.window) days (shard \(Self.escaped(shard)))</text>"]
        if let days = participants.first(where: { !$0.wearHours.isEmpty })?.wearHours, let first = days.first, let last = days.last {
            parts.append("<text x=\"\(left)\" y=\"\(top - 6)\">\(first.date)</text>")
            parts.append("<text x=\"\(left + Compliance.window * cell)\" y=\"\(top - 6)\" text-anchor=\"end\">\(last.date)</text>")
        }
        for (row, p) in participants.enumerated() {
            let y = top + row * cell
            parts.append("<text x=\"\(left - 6)\" y=\"\(y + 11)\" text-anchor=\"end\">\(Self.escaped(p.user))</text>")
            for (column, day) in p.wearHours.enumerated() {
                let shade = day.hours == 0 ? "#eeeeee" : "hsl(210, 70%, \(85 - day.hours * 55 / 24)%)"
                parts.append("<rect x=\"\(left + column * cell)\" y=\"\(y)\" width=\"\(cell - 1)\" height=\"\(cell - 1)\" fill=\"\(shade)\"><title>\(Self.escaped(p.user)) \(day.date): \(day.hours) h</title></rect>")
            }
        }
        parts.append("<text x=\"\(left)\" y=\"\(height - 8)\">grey: no data; darker: more hours with at least one sample</text>")
        parts.append("</svg>")
        return parts.joined(separator: "\n") + "\n"
    }

    static func escaped(_ text: String) -> String {
        text.replacingOccurrences(of: "&", with: "&amp;").replacingOccurrences(of: "<", with: "&lt;").replacingOccurrences(of: ">", with: "&gt;")
    }
}

extension String {
    func leftPadded(_ width: Int) -> String { count >= width ? self : String(repeating: " ", count: width - count) + self }
}
