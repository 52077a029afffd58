import Foundation

extension Manifest.RunSummary {
    /// The one line a run ends with on stdout: the range, the days by status, rows, files, requests, time.
    public func line(seconds: Double) -> String {
        let days = complete + partial + empty + noAccess + failed
        let others = (series ?? [:]).filter { $0.value.days > 0 }.sorted { $0.key > $1.key }  // hrv, then daily
        if days == 0 && others.isEmpty && command == "sync" { return "up to date: \(requests) requests, " + String(format: "%.1f s", seconds) }
        let range = from.flatMap { from in to.map { "\(from)..\($0)" } } ?? "nothing to do"
        var line = "\(range): \(days) days \(command == "import" ? "read" : "fetched or resumed") (\(complete) complete, \(partial) partial, \(empty) empty, "
            + "\(noAccess) no access, \(failed) failed), \(rows) rows"
        for (name, tally) in others {
            line += "; \(name) \(tally.days) days (\(tally.complete) complete, \(tally.partial) partial, \(tally.empty) empty, \(tally.failed) failed)"
        }
        return line + "; \(filesWritten) files, \(requests) requests, " + String(format: "%.1f s", seconds)
    }
}
