import Foundation

/// Reads one import day: its file from the archive, compared with its twin (JSON against CSV), stored in the raw
/// archive, and handed on as a fetched body. Called once per day, in date order.
struct TakeoutDayReader: Sendable {
    let entries: [LocalDate: [TakeoutEntry]]
    let archives: TakeoutArchives
    let archive: RawArchive
    let cut: LocalDateTime
    let times: TakeoutTimes
    let reporter: any ProgressReporter
    func read(_ date: LocalDate) -> FetchedDay {
        let lastSync = cut
        let outcome: FetchedDay.Outcome
        do {
            let body = try body(date, lastSync: lastSync)
            // The zip still holds the original: a fast deflate is enough for this working copy.
            try archive.store(body, detail: .oneSecond, date: date, level: 1)
            outcome = .body(body)
        } catch {
            outcome = .failed(DayFailure(date: date, kind: .decode, message: error.description))
        }
        return FetchedDay(date: date, detail: .oneSecond, source: .takeout, outcome: outcome, lastSync: lastSync)
    }

    private func body(_ date: LocalDate, lastSync: LocalDateTime) throws(ExportError) -> RawBody {
        let candidates = entries[date] ?? []
        let json = candidates.filter { $0.kind == .json }.max { $0.size < $1.size }
        let csv = candidates.filter { $0.kind == .csv }.max { $0.size < $1.size }
        var chosen = (json ?? csv)!
        var bytes = try archives.read(chosen)
        if json != nil, let csv {
            let csvBytes = try archives.read(csv)
            if csvIsBetter(date: date, json: bytes, csv: csvBytes) {
                chosen = csv
                bytes = csvBytes
            }
        }
        return RawBody(bytes: bytes, fetchedAt: Date().timeIntervalSince1970, lastSync: lastSync, origin: .archive,
                       notes: ["times": times.rawValue, "origin": chosen.origin])
    }

    /// Checks that a day's JSON and CSV agree; warns when the JSON looks shifted (its `dateTime` read with
    /// the wrong clock). True when the CSV is the better body (it has more samples, or the JSON is off); a file
    /// that does not decode leaves the JSON in place, whose decoder then names the problem.
    func csvIsBetter(date: LocalDate, json: [UInt8], csv: [UInt8]) -> Bool {
        guard let rows = try? TakeoutDayDecoder.json(json).rows, let csvSamples = try? TakeoutDayDecoder.csv(csv).samples, !rows.isEmpty, !csvSamples.isEmpty else {
            return false
        }
        let csvSeconds = Set(csvSamples.map { $0.epochMillis / 1000 })
        func agreement(shift: Int64) -> Double {
            Double(rows.filter { csvSeconds.contains($0.seconds - shift) }.count) / Double(rows.count)
        }
        // As written (UTC), against every whole- and half-hour shift of up to 14 hours.
        let direct = agreement(shift: 0)
        if direct >= 0.9 { return csvSamples.count > rows.count }
        var best: (shift: Int64, score: Double) = (0, direct)
        for shift in stride(from: Int64(-14 * 3600), through: Int64(14 * 3600), by: 1800) {
            let score = agreement(shift: shift)
            if score > best.score { best = (shift, score) }
        }
        if best.score >= 0.9 && best.shift != 0 {
            reporter.warning("\(date): the JSON's dateTime matches the CSV only shifted by \(best.shift / 3600) h \(abs(best.shift) % 3600 / 60) min: it looks like local time (try --takeout-times local); the CSV, whose times carry Z, is used for this day")
        } else {
            reporter.warning("\(date): the JSON and CSV files disagree (\(Int(direct * 100))% of JSON samples in the CSV); the one with more samples is used")
        }
        return best.score >= 0.9 || csvSamples.count > rows.count
    }
}
