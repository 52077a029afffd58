import Foundation

extension Manifest.RunSummary {
    /// The one line a run ends with on stdout: the range, the days by status, rows, files, requests, time.
    public func line(seconds: Double) -> String {
        let days = complete + partial + empty + noAccess + failed
        if days == 0 && command == "sync" { return "up to date: \(requests) requests, " + String(format: "%.1f s", seconds) }
        let range = from.flatMap { from in to.map { "\(from)..\($0)" } } ?? "nothing to do"
        return "\(range): \(days) days \(command == "import" ? "read" : "fetched or resumed") (\(complete) complete, \(partial) partial, \(empty) empty, "
            + "\(noAccess) no access, \(failed) failed), \(rows) rows, \(filesWritten) files, \(requests) requests, "
            + String(format: "%.1f s", seconds)
    }
}
