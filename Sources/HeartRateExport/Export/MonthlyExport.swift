import Foundation

/// The shared back half of every source: decode, normalize, write each month, and save the manifest after
/// the month files it describes. A backfill feeds it fetched days; a Takeout import feeds it days read from archives.
///
/// The manifest is saved at most once a second while months stream by, and always after the last one: it grows
/// with the export, so saving it after each of an import's hundreds of months cost time quadratic in the days.
/// A run killed between two saves loses nothing: the days it wrote are in the raw archive, and the next run
/// takes them from there (no request) and writes the same month files again.
struct MonthlyExport: Sendable {
    let layout: ExportLayout
    let user: String
    let permissions: FilePermissions
    let force: Bool
    let reporter: any ProgressReporter
    let manifestStore: ManifestStore

    func run<Fetched: AsyncSequence & Sendable>(_ fetched: Fetched, detail: Detail, format: OutputFormat, manifest: inout Manifest,
                                                summary: inout Manifest.RunSummary,
                                                token: @Sendable () async -> Manifest.TokenIdentity?) async throws where Fetched.Element == FetchedDay {
        let reporter = self.reporter
        let normalizer = Normalizer(timeZones: manifest.timezones)
        var assembler = MonthAssembler(
            format: MonthFileFormats.format(format), layout: layout, user: user, source: manifest.source,
            detail: detail, permissions: permissions, priorEntries: manifest.days[detail] ?? [:],
            loader: ArchivedDayLoader(userFolder: layout.userFolder, normalizer: normalizer), onDay: { reporter.day($0) })
        assembler.force = force
        var lastSave: ContinuousClock.Instant?
        var unsaved = false
        for try await written in fetched.decoded().normalized(by: normalizer).writtenMonthly(by: assembler) {
            for day in written.days {
                if let dropped = day.day?.droppedValues, dropped > 0, day.source == day.day?.source, day.source.rawDetail(for: detail) == detail {
                    reporter.warning("\(day.date): \(dropped) sample(s) dropped: their bpm is not a finite number (inf, nan or out of range)")
                }
                manifest.set(Self.entry(for: day, format: format), detail, day.date)
                summary.count(day.status)
                summary.rows += day.rows
                if day.source.observesZones, let zone = day.day?.timeZone, day.rows > 0 { manifest.timezones.observe(zone: zone, on: day.date) }
            }
            manifest.record(written, detail: detail)
            summary.filesWritten += written.files.count
            if let identity = await token() { manifest.token = identity }
            if !written.files.isEmpty { CrashPoint.reached(.beforeManifest) }
            unsaved = true
            if lastSave.map({ ContinuousClock.now - $0 >= Self.saveInterval }) ?? true {
                try manifestStore.save(manifest)
                lastSave = ContinuousClock.now
                unsaved = false
            }
            reporter.monthWritten(written, detail: detail)
        }
        if unsaved { try manifestStore.save(manifest) }
    }

    static let saveInterval = Duration.seconds(1)

    static func entry(for day: ProcessedDay, format: OutputFormat) -> Manifest.DayEntry {
        var entry = Manifest.DayEntry(
            status: day.status, rows: day.rows, sha256: day.day.map { CanonicalDigest.sha256(of: $0.samples) },
            source: day.source, format: day.rows > 0 ? format : nil,
            fetchedAt: day.fetchedAt.map { TimestampText.iso(Date(timeIntervalSince1970: $0)) }, lastSync: day.lastSync?.description,
            error: day.failure?.message, httpStatus: day.failure?.httpStatus)
        entry.origin = day.origin
        entry.otherSource = day.alternative?.source
        entry.otherRows = day.alternative?.rows
        return entry
    }
}
