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
        checkHRV(manifest, into: &report)
        let dailyMonths = Set(manifest.daily.keys.map(\.month))
        for month in monthsWithDays.union(dailyMonths).sorted() {
            try checkDaily(month, expected: manifest.daily.filter { $0.key.month == month }, into: &report)
        }
        return report
    }

    /// The HRV months: rows per local day and their digest against the manifest, sorted, no duplicate instant.
    private func checkHRV(_ manifest: Manifest, into report: inout VerifyReport) {
        let byMonth = Dictionary(grouping: manifest.hrv.filter { $0.value.rows > 0 }, by: { $0.key.month })
        for month in byMonth.keys.sorted() {
            let expected = Dictionary(uniqueKeysWithValues: byMonth[month]!.map { ($0.key, $0.value) })
            let formats = Set(expected.values.compactMap(\.format))
            guard formats.count == 1, let format = formats.first else {
                report.problems.append("hrv \(month): the manifest lists its days in \(formats.isEmpty ? "no" : "several") formats; run `hrexport rebuild`")
                continue
            }
            let path = layout.seriesFile(.hrv, month, format)
            guard FileSystem.exists(path) else {
                report.problems.append("\(path): missing, though the manifest lists \(expected.count) night window day(s); run `hrexport rebuild`")
                continue
            }
            let samples: [HRVSample]
            do { samples = try MonthFileFormats.format(format).readHRV(from: path) } catch {
                report.problems.append(error.description)
                continue
            }
            report.filesRead += 1
            report.rows += samples.count
            guard zip(samples, samples.dropFirst()).allSatisfy({ $0.epochMillis < $1.epochMillis }) else {
                report.problems.append("\(path): not sorted by time or a duplicate instant")
                continue
            }
            let byDay = Dictionary(grouping: samples, by: \.localDate)
            for date in Set(byDay.keys).union(expected.keys).sorted() {
                report.daysChecked += 1
                let found = byDay[date] ?? []
                guard let entry = expected[date] else {
                    report.problems.append("\(path): \(date) has \(found.count) HRV windows the manifest does not list")
                    continue
                }
                if found.count != entry.rows {
                    report.problems.append("\(path): \(date) has \(found.count) HRV windows, the manifest says \(entry.rows)")
                } else if let sha = entry.sha256, CanonicalDigest.sha256(hrv: found) != sha {
                    report.problems.append("\(path): \(date) HRV windows differ from the manifest's sha256")
                }
            }
        }
        for (month, format) in monthFiles(in: layout.userFolder + "/" + Series.hrv.folderName)
        where byMonth[month]?.contains(where: { $0.value.format == format }) != true {
            report.problems.append("\(layout.seriesFile(.hrv, month, format)): not described by the manifest (a stale file, or the manifest was replaced)")
        }
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

    /// The daily file: sorted, unique dates of its month, and each row the manifest lists equal to its digest.
    private func checkDaily(_ month: YearMonth, expected: [LocalDate: Manifest.DayEntry], into report: inout VerifyReport) throws(ExportError) {
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
                let byDate = Dictionary(rows.map { ($0.date, $0) }, uniquingKeysWith: { a, _ in a })
                for (date, entry) in expected.sorted(by: { $0.key < $1.key }) where entry.format == format {
                    report.daysChecked += 1
                    guard let row = byDate[date] else {
                        report.problems.append("\(path): \(date) is listed by the manifest but has no row")
                        continue
                    }
                    if let sha = entry.sha256, CanonicalDigest.sha256(daily: [row]) != sha {
                        report.problems.append("\(path): \(date) differs from the manifest's sha256")
                    }
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
