import Foundation

/// The shared back half of every source: decode, normalize, write each month, and save the manifest after
/// each month file. A backfill feeds it fetched days; a Takeout import feeds it days read from archives.
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
        let normalized = NormalizeStage(DecodeStage(fetched), normalizer: normalizer)
        var assembler = MonthAssembler(
            format: MonthFileFormats.format(format), layout: layout, user: user, source: manifest.source,
            detail: detail, permissions: permissions, priorEntries: manifest.days[detail] ?? [:],
            loader: ArchivedDayLoader(userFolder: layout.userFolder, normalizer: normalizer), onDay: { reporter.day($0) })
        assembler.force = force
        for try await written in MonthlyWriterStage(normalized, configuration: assembler) {
            for day in written.days {
                if let dropped = day.day?.droppedValues, dropped > 0, day.source == day.day?.source, day.source.rawDetail(for: detail) == detail {
                    reporter.warning("\(day.date): \(dropped) sample(s) dropped: their bpm is not a finite number (inf, nan or out of range)")
                }
                manifest.set(Self.entry(for: day, format: format), detail, day.date)
                summary.count(day.status)
                summary.rows += day.rows
                if day.source == .google, let zone = day.day?.timeZone, day.rows > 0 { manifest.timezones.observe(zone: zone, on: day.date) }
            }
            manifest.record(written, detail: detail)
            summary.filesWritten += written.files.count
            if let identity = await token() { manifest.token = identity }
            if !written.files.isEmpty { CrashPoint.reached(.beforeManifest) }
            try manifestStore.save(manifest)
            reporter.monthWritten(written, detail: detail)
        }
    }

    static func entry(for day: ProcessedDay, format: OutputFormat) -> Manifest.DayEntry {
        var entry = Manifest.DayEntry(
            status: day.status, rows: day.rows, sha256: day.day.map { CanonicalDigest.sha256(of: $0.samples) },
            source: day.source, format: day.rows > 0 ? format : nil,
            fetchedAt: day.fetchedAt.map { Backfill.iso(Date(timeIntervalSince1970: $0)) }, lastSync: day.lastSync?.description,
            error: day.failure?.message, httpStatus: day.failure?.httpStatus)
        entry.origin = day.origin
        entry.otherSource = day.alternative?.source
        entry.otherRows = day.alternative?.rows
        return entry
    }
}
