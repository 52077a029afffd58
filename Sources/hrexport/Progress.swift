import ArgumentParser
import Foundation
import HeartRateExport
import Logging
import Platform

/// How much a run says: `--quiet`, `--verbose`, `--log-level`.
struct OutputOptions: ParsableArguments {
    @Flag(help: "Only warnings and errors: no progress line, no per-month lines.")
    var quiet = false

    @Flag(help: "Also one line per day and per request (method, path, status, time; never a token).")
    var verbose = false

    @Option(help: ArgumentHelp("trace, debug, info (default), notice, warning, error or critical.", valueName: "level"))
    var logLevel: Logger.Level?

    var level: Logger.Level { logLevel ?? (verbose ? .debug : quiet ? .warning : .info) }

    func validate() throws {
        if quiet && verbose { throw ValidationError("--quiet and --verbose contradict each other") }
    }
}

extension Logger.Level: @retroactive ExpressibleByArgument {}

/// Log records as single lines, `2026-11-27T07:40:00Z info: month 2026-10 written ...`, on stderr.
struct LineLogHandler: LogHandler {
    var logLevel: Logger.Level
    var metadata: Logger.Metadata = [:]
    let emit: @Sendable (String) -> Void

    subscript(metadataKey key: String) -> Logger.Metadata.Value? {
        get { metadata[key] }
        set { metadata[key] = newValue }
    }

    func log(event: LogEvent) {
        emit("\(TimestampText.iso(Date())) \(event.level): \(event.message)")
    }
}

/// The progress of a run. On a terminal: one line redrawn in place (days, month, rows, requests used of
/// the window, a countdown while waiting for the rate window, an ETA that counts the windows still needed).
/// Elsewhere (cron, systemd, CI): plain timestamped lines, one per finished month and per budget wait.
final class ConsoleProgress: ProgressReporter, @unchecked Sendable {
    private let lock = NSLock()
    private let live: Bool
    private var logger: Logger!
    private let started = Date()
    private var detail = ""
    private var total = 0, done = 0, rows = 0
    private var month = ""
    private var budget: RateBudgetStore.Saved?
    private var window = 3600.0
    private var waitingUntil: Date?
    private var ticker: Task<Void, Never>?
    private var finished = false

    private let console: Console

    init(output: OutputOptions, command: String, console: Console = Console()) {
        self.console = console
        live = Platform.isTerminal(2) && output.level <= .info
        let level = output.level
        logger = Logger(label: "hrexport") { [unowned self] _ in LineLogHandler(logLevel: level) { self.emit($0) } }
        logger.logLevel = level
        self.detail = command
        if live {
            ticker = Task { [weak self] in
                while !Task.isCancelled {
                    try? await Task.sleep(for: .seconds(1))
                    self?.redraw()
                }
            }
        }
    }

    /// Clears the live line for good; call before the summary.
    func finish() {
        ticker?.cancel()
        lock.withLock {
            if live && !finished { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            finished = true
        }
    }

    // MARK: ProgressReporter

    func warning(_ message: String) { logger.warning("\(message)") }

    func planned(_ days: Int, detail: Detail) {
        lock.withLock {
            total += days
            self.detail = detail.rawValue
        }
        logger.info("\(days) day(s) of \(detail.rawValue) to go through")
    }

    func day(_ day: ProcessedDay) {
        lock.withLock {
            done += 1
            rows += day.rows
            month = day.date.month.description
            waitingUntil = nil
        }
        var line = "\(day.date)  \(day.detail.rawValue)  \(day.status.rawValue)"
        if day.rows > 0 { line += "  \(day.rows) rows" }
        if !day.fromNetwork && day.fetchedAt != nil { line += "  (from the raw archive)" }
        if day.status == .noAccess { line += "  (no intraday series: intraday heart rate needs an app of type Personal)" }
        if let failure = day.failure {
            logger.warning("\(line)  \(failure.description)")
        } else {
            logger.debug("\(line)")
        }
        redraw()
    }

    func monthWritten(_ written: WrittenMonth, detail: Detail) {
        var counts = [DayStatus: Int]()
        for day in written.days { counts[day.status, default: 0] += 1 }
        let summary = DayStatus.allCases.compactMap { status in counts[status].map { "\($0) \(status.rawValue)" } }.joined(separator: ", ")
        let files = written.files.isEmpty ? "files unchanged" : "\(written.files.count) file(s) written"
        logger.info("month \(written.month) \(detail.rawValue): \(written.days.count) day(s) (\(summary)), \(written.rowsInFile) rows in the file, \(files)")
    }

    func waiting(for duration: Duration) {
        let seconds = duration.inSeconds
        let resume = Date().addingTimeInterval(seconds)
        lock.withLock { waitingUntil = resume }
        logger.notice("rate limit reached: waiting \(Int(seconds.rounded(.up))) s, resuming at \(TimestampText.iso(resume))")
        redraw()
    }

    func budget(_ snapshot: RateBudgetStore.Saved) {
        lock.withLock {
            // Two consecutive windows tell their length (3600 s at Fitbit; seconds under the sandbox's clock).
            if let previous = budget?.resetAt, snapshot.resetAt - previous > 0.5 { window = snapshot.resetAt - previous }
            budget = snapshot
        }
    }

    func request(_ line: String) { logger.debug("\(line)") }

    // MARK: drawing

    private func emit(_ text: String) {
        // A day's error may quote a server's message: no control character of it reaches the terminal or the log.
        let line = Printable.escaped(text, limit: 2000)
        lock.withLock {
            let drawing = live && !finished
            if drawing { FileHandle.standardError.write(Data("\r\u{1B}[K".utf8)) }
            FileHandle.standardError.write(Data((line + "\n").utf8))
            if drawing { FileHandle.standardError.write(Data(statusLine().utf8)) }
        }
        console.log?.append(line)
    }

    private func redraw() {
        guard live else { return }
        lock.withLock {
            if !finished { FileHandle.standardError.write(Data(("\r\u{1B}[K" + statusLine()).utf8)) }
        }
    }

    /// Must be called with the lock held.
    private func statusLine() -> String {
        var parts = ["\(detail)  \(done)/\(total) days"]
        if !month.isEmpty { parts.append(month) }
        parts.append("\(rows.formatted()) rows")
        if let budget { parts.append("requests \(budget.limit - budget.remaining)/\(budget.limit) this window") }
        if let until = waitingUntil, until > Date() {
            let left = Int(until.timeIntervalSinceNow.rounded(.up))
            parts.append(String(format: "waiting for the rate window: %d:%02d left", left / 60, left % 60))
        }
        let estimate = ProgressEstimate(total: total, done: done, started: started, budget: budget, window: window)
        if let eta = estimate.secondsLeft(now: Date()) { parts.append("ETA " + ProgressEstimate.duration(eta)) }
        return parts.joined(separator: "  ")
    }

}
