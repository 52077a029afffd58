/// What `hrexport verify` found: every month file read back and compared with the manifest.
public struct VerifyReport: Sendable {
    public var filesRead = 0
    public var daysChecked = 0
    public var rows = 0
    /// One line per disagreement, each naming the file and the day.
    public var problems: [String] = []

    public var isClean: Bool { problems.isEmpty }
}

/// Reads every month file of a user back with our own readers (Parquet and CSV alike) and checks, per day,
/// the row count and the canonical sha256 the manifest recorded; also that files are sorted without
/// duplicate instants, that no day or file is missing, and that no file is unknown to the manifest.
public struct Verify: Sendable {
    public let layout: ExportLayout

    public init(layout: ExportLayout) {
        self.layout = layout
    }

    public func run() throws(ExportError) -> VerifyReport {
        let store = ManifestStore(userFolder: layout.userFolder)
        guard let manifest = try store.load() else {
            throw .usage("no manifest at \(store.path); nothing to verify (run `hrexport backfill` first)")
        }
        var report = VerifyReport()
        var monthsWithDays = Set<YearMonth>()
        for detail in manifest.days.keys.sorted() {
            let entries = manifest.days[detail] ?? [:]
            monthsWithDays.formUnion(entries.keys.map(\.month))
            let byMonth = Dictionary(grouping: entries.filter { $0.value.rows > 0 }, by: { $0.key.month })
            for month in byMonth.keys.sorted() {
                try check(detail, month, expected: Dictionary(uniqueKeysWithValues: byMonth[month]!.map { ($0.key, $0.value) }), into: &report)
            }
            for (month, format) in monthFiles(in: layout.seriesFolder(detail))
            where byMonth[month]?.contains(where: { $0.value.format == format }) != true {
                report.problems.append("\(layout.intradayFile(detail, month, format)): not described by the manifest (a stale file, or the manifest was replaced)")
            }
        }
        for month in monthsWithDays.sorted() {
            try checkDaily(month, into: &report)
        }
        return report
    }

    private func check(_ detail: Detail, _ month: YearMonth, expected: [LocalDate: Manifest.DayEntry], into report: inout VerifyReport) throws(ExportError) {
        let formats = Set(expected.values.compactMap(\.format))
        guard formats.count == 1, let format = formats.first else {
            report.problems.append("\(detail.rawValue) \(month): the manifest lists its days in \(formats.isEmpty ? "no" : "several") formats; run `hrexport rebuild`")
            return
        }
        let path = layout.intradayFile(detail, month, format)
        guard FileSystem.exists(path) else {
            report.problems.append("\(path): missing, though the manifest lists \(expected.count) day(s) with rows; run `hrexport rebuild`")
            return
        }
        let samples: [Sample]
        do {
            samples = try MonthFileFormats.format(format).readIntraday(from: path)
        } catch {
            report.problems.append(error.description)
            return
        }
        report.filesRead += 1
        report.rows += samples.count
        var byDay = [LocalDate: [Sample]]()
        var previous = Int64.min
        for sample in samples {
            if sample.epochMillis <= previous {
                report.problems.append("\(path): not sorted by time or a duplicate instant at \(sample.epochMillis) ms")
                return
            }
            previous = sample.epochMillis
            let local = sample.localMillis
            let second = local >= 0 ? local / 1000 : (local - 999) / 1000
            byDay[LocalDate(containingSecond: second), default: []].append(sample)
        }
        for date in Set(byDay.keys).union(expected.keys).sorted() {
            report.daysChecked += 1
            let found = byDay[date] ?? []
            guard let entry = expected[date] else {
                report.problems.append("\(path): \(date) has \(found.count) rows the manifest does not list")
                continue
            }
            if found.count != entry.rows {
                report.problems.append("\(path): \(date) has \(found.count) rows, the manifest says \(entry.rows)")
            } else if let sha = entry.sha256, CanonicalDigest.sha256(of: found) != sha {
                report.problems.append("\(path): \(date) rows differ from the manifest's sha256")
            }
        }
    }

    private func checkDaily(_ month: YearMonth, into report: inout VerifyReport) throws(ExportError) {
        for format in OutputFormat.allCases {
            let path = layout.dailyFile(month, format)
            guard FileSystem.exists(path) else { continue }
            do {
                let rows = try MonthFileFormats.format(format).readDaily(from: path)
                report.filesRead += 1
                let dates = rows.map(\.date)
                if dates != dates.sorted() || Set(dates).count != dates.count || dates.contains(where: { $0.month != month }) {
                    report.problems.append("\(path): dates are not sorted, unique and within \(month)")
                }
            } catch {
                report.problems.append(error.description)
            }
        }
    }

    /// The month files in a series folder, by the month and format their names say.
    private func monthFiles(in folder: String) -> [(YearMonth, OutputFormat)] {
        FileSystem.list(folder).compactMap { name in
            for format in OutputFormat.allCases where name.hasSuffix("." + format.fileExtension) {
                if let month = YearMonth(String(name.dropLast(format.fileExtension.count + 1))) { return (month, format) }
            }
            return nil
        }
    }
}
