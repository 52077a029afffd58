/// Everything needed to write one month's files: the format, where, for whom, and how to load the days of
/// earlier runs. The writer stage uses it for each month; `rebuild` uses it alone.
public struct MonthAssembler: Sendable {
    public var format: any MonthFileFormat
    public var layout: ExportLayout
    public var user: String
    public var source: SourceKind
    public var detail: Detail
    public var permissions: FilePermissions
    /// What the manifest knew before this run, for the days this run does not touch.
    public var priorEntries: [LocalDate: Manifest.DayEntry]
    public var loader: ArchivedDayLoader
    public var onDay: @Sendable (ProcessedDay) -> Void
    /// Replace a file under a month's name even when it is not one hrexport wrote (or is damaged).
    public var force = false

    public init(format: any MonthFileFormat, layout: ExportLayout, user: String, source: SourceKind, detail: Detail,
                permissions: FilePermissions, priorEntries: [LocalDate: Manifest.DayEntry], loader: ArchivedDayLoader,
                onDay: @escaping @Sendable (ProcessedDay) -> Void = { _ in }) {
        self.format = format
        self.layout = layout
        self.user = user
        self.source = source
        self.detail = detail
        self.permissions = permissions
        self.priorEntries = priorEntries
        self.loader = loader
        self.onDay = onDay
    }
}

extension MonthAssembler {
    public func write(month: YearMonth, days fresh: [ProcessedDay]) throws(ExportError) -> WrittenMonth {
        if !fresh.isEmpty, isUnchanged(month, fresh) {
            // A refetch that brought exactly what the files hold: leave them (and their mtime) alone.
            return WrittenMonth(month: month, days: fresh, rowsInFile: 0, files: [], format: format.format, contents: [:])
        }
        var updated = fresh
        var byDate = [LocalDate: (day: NormalizedDay?, status: DayStatus)]()
        for (index, day) in fresh.enumerated() {
            if day.status == .failed, let prior = priorEntries[day.date], prior.status.hasRows, prior.rows > 0 {
                // A refetch that failed must not drop rows an earlier run stored: keep the archived day.
                let archived = try loader.load(detail, day.date, source: prior.source)
                updated[index].day = archived
                updated[index].source = prior.source
                byDate[day.date] = (archived, .partial)
            } else if let prior = priorEntries[day.date], prior.source != day.source, prior.status.hasRows, prior.rows >= day.rows,
                      day.status != .failed {
                // Two sources hold this day (Takeout and an API): the denser series is kept (on a tie, the one
                // already written). The day is complete when either source says it has ended.
                let kept = try loader.load(detail, day.date, source: prior.source)
                let status: DayStatus = day.status == .complete || prior.status == .complete ? .complete : prior.status
                updated[index].day = kept
                updated[index].status = status
                updated[index].source = prior.source
                updated[index].alternative = (day.source, day.rows)
                byDate[day.date] = (kept, status)
            } else {
                if let prior = priorEntries[day.date], prior.source != day.source, prior.rows > 0, day.status != .failed {
                    updated[index].alternative = (prior.source, prior.rows)
                }
                byDate[day.date] = (day.day, day.status)
            }
        }
        var date = month.firstDay
        while date <= month.lastDay {
            defer { date = date.adding(days: 1) }
            guard byDate[date] == nil, let prior = priorEntries[date], prior.status.hasRows || prior.status == .empty else { continue }
            if prior.rows == 0 && !FileSystem.exists(loader.path(detail, date, source: prior.source)) { continue }
            byDate[date] = (try loader.load(detail, date, source: prior.source), prior.status)
        }

        let ordered = byDate.keys.sorted()
        var intraday = ordered.compactMap { date -> NormalizedDay? in
            guard let entry = byDate[date], entry.status.hasRows, let day = entry.day, !day.samples.isEmpty else { return nil }
            return day
        }
        intraday = Self.disjoint(intraday)
        let contents = Dictionary(uniqueKeysWithValues: intraday.map { ($0.date, $0) })
        let zone = intraday.last?.timeZone ?? fresh.last?.day?.timeZone ?? ""
        var context = MonthFileContext(user: user, source: source, detail: detail, month: month, timeZone: zone)
        context.sources = Array(Set(intraday.map(\.source))).sorted { $0.rawValue < $1.rawValue }
        var files = [String]()
        let rows = intraday.reduce(0) { $0 + $1.samples.count }
        if rows > 0 {
            let path = layout.intradayFile(detail, month, format.format)
            try refuseForeign(path)
            try format.writeIntraday(intraday, context: context, to: path, permissions: permissions)
            files.append(path)
            try removeOtherFormats { layout.intradayFile(detail, month, $0) }
        }
        return WrittenMonth(month: month, days: updated, rowsInFile: rows, files: files, format: format.format, contents: contents)
    }

    private func isUnchanged(_ month: YearMonth, _ fresh: [ProcessedDay]) -> Bool {
        let rows = fresh.contains { $0.rows > 0 } || month.days.contains { (priorEntries[$0]?.rows ?? 0) > 0 }
        guard !rows || FileSystem.exists(layout.intradayFile(detail, month, format.format)) else { return false }
        return fresh.allSatisfy { day in
            guard let prior = priorEntries[day.date], prior.status == day.status, prior.rows == day.rows,
                  day.rows == 0 || prior.format == format.format else { return false }
            return day.day.map { CanonicalDigest.sha256(of: $0.samples) } == prior.sha256
        }
    }

    /// A file that is not ours, or too damaged to tell, may be somebody's work: never replaced silently.
    private func refuseForeign(_ path: String) throws(ExportError) {
        guard !force, FileSystem.exists(path), !format.isOurs(path) else { return }
        throw .corrupt(path: path, message: "is not a file hrexport wrote, or is damaged; move it aside, or pass --force to replace it")
    }

    /// A month lives in one format: once the new file is in place, the other format's file goes.
    private func removeOtherFormats(_ path: (OutputFormat) -> String) throws(ExportError) {
        for other in OutputFormat.allCases where other != format.format {
            try FileSystem.removeFile(path(other))
        }
    }

    /// Local days are disjoint in UTC unless the zone changed between them (travel): then a later day may
    /// start before the previous one ended. Keep the file sorted and free of duplicate instants.
    static func disjoint(_ days: [NormalizedDay]) -> [NormalizedDay] {
        var result = days
        var lastEnd = Int64.min
        for i in result.indices {
            if let first = result[i].samples.first, first.epochMillis <= lastEnd {
                result[i].samples.removeAll { $0.epochMillis <= lastEnd }
            }
            if let last = result[i].samples.last { lastEnd = max(lastEnd, last.epochMillis) }
        }
        return result
    }
}
