import ArgumentParser
import Foundation
import CBuildInfo
import HeartRateExport

@main
struct HRExportCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "hrexport",
        abstract: "Export your intraday heart rate (Google Takeout, the Google Health API, or the Fitbit Web API) into monthly files for pandas, polars, DuckDB and R.",
        discussion: """
        Since the Fitbit Web API's shutdown (2 Nov 2026): `hrexport import takeout-*.zip --user ID --timezone Area/City` \
        for the history, then `hrexport auth --source google` (once) and `hrexport sync` every night. With the Fitbit \
        API or a compatible server: `hrexport auth`, then `hrexport backfill --from YYYY-MM-DD`, then `hrexport sync` every \
        night (`hrexport schedule` prints a timer). Files go to <out>/<user>/heart_rate_<detail>/<YYYY-MM>.parquet \
        (or .csv.gz with --format csv) with a manifest beside them; `hrexport status` and `hrexport report` show them.
        Try it without an account: `hrexport sandbox` serves synthetic data on 127.0.0.1.

        Exit codes: 0 done; 1 some days failed; 2 usage or configuration error; 3 run `hrexport auth`; \
        4 another run holds the lock; 5 the API is gone (HTTP 410).
        """,
        version: "hrexport \(HRExport.version) (\(String(cString: hrexport_build_commit())))",
        subcommands: [AuthCommand.self, LogoutCommand.self, BackfillCommand.self, SyncCommand.self, ImportCommand.self, StatusCommand.self, VerifyCommand.self, RebuildCommand.self, TimeZoneCommand.self, ReportCommand.self, CohortCommand.self, ScheduleCommand.self, SandboxCommand.self]
    )
}

extension HRExportCommand {
    /// ArgumentParser exits 64 on a validation error; our contract is exit 2 with one line on stderr.
    static func main() async {
        // A test hook (see CrashPoint): inert unless set.
        if let name = Environment.value("HREXPORT_CRASH_AT") {
            guard let point = CrashPoint(rawValue: name) else {
                Console.error("HREXPORT_CRASH_AT must be one of \(CrashPoint.allCases.map(\.rawValue).joined(separator: ", "))")
                Foundation.exit(2)
            }
            CrashPoint.armed = point
        }
        // A test hook (see CredentialsStore): a pause between reading a user's credentials and writing them.
        if let pause = Environment.value("HREXPORT_TEST_CREDENTIALS_PAUSE").flatMap(Double.init), pause > 0, pause < 60 {
            CredentialsPause.arm(seconds: pause)
        }
        do {
            var command = try parseAsRoot()
            if var asyncCommand = command as? any AsyncParsableCommand {
                try await asyncCommand.run()
            } else {
                try command.run()
            }
        } catch {
            let code = exitCode(for: error)
            if code == .validationFailure {
                Console.error(message(for: error) + " (see `hrexport --help`)")
                Foundation.exit(2)
            }
            exit(withError: error)
        }
    }
}

/// Where files and state live. Flags override HREXPORT_OUT / HREXPORT_STATE_DIR, which override the defaults.
struct LocationOptions: ParsableArguments {
    @Option(help: ArgumentHelp("Export folder (env HREXPORT_OUT; default: the last backfill's folder, else ~/.local/share/hrexport).", valueName: "dir"))
    var out: String?

    @Option(help: ArgumentHelp("State folder holding credentials and locks (env HREXPORT_STATE_DIR; default ~/.config/hrexport).", valueName: "dir"))
    var stateDir: String?

    @Option(help: "The user id to act for, when the credentials hold several.")
    var user: String?

    /// Resolves the flags, HREXPORT_OUT / HREXPORT_STATE_DIR and what earlier runs stored: once per run.
    func resolve() -> ExportLocation {
        ExportLocation(outGiven: out ?? Environment.value("HREXPORT_OUT"),
                       stateFolder: stateDir ?? Environment.value("HREXPORT_STATE_DIR") ?? Environment.home + "/.config/hrexport",
                       user: user, defaultOut: Environment.home + "/.local/share/hrexport")
    }

    func validate() throws {
        if let out, FileSystem.exists(out), !FileSystem.isDirectory(out) {
            throw ValidationError("--out \(out) is a file, not a folder")
        }
        if let user, !UserID.isValid(user) { throw ValidationError("--user \(Printable.quoted(user)) is not a user id (\(UserID.rule))") }
    }
}

/// How a command that writes the export treats files and other runs.
struct WriteOptions: ParsableArguments {
    @Flag(help: "Replace a month file even if hrexport did not write it or it is damaged (it is refused otherwise).")
    var force = false

    @Flag(help: "Create folders 0750 and files 0640 instead of 0700 and 0600.")
    var groupReadable = false

    @Option(help: "Seconds to wait for another run of the same user to finish before exiting 4.")
    var lockTimeout: Double = 0

    var permissions: FilePermissions { groupReadable ? .groupReadable : .private }

    func validate() throws {
        try Flags.seconds(lockTimeout, "--lock-timeout", allowZero: true)
    }
}

/// The provider's endpoints and our client id. Secrets come only from the environment, never from flags.
struct APIOptions: ParsableArguments {
    @Option(help: ArgumentHelp("The API: fitbit or google (default: the source of the stored credentials, else fitbit). For Takeout archives use `hrexport import`.", valueName: "source"))
    var source: SourceKind?

    @Option(help: ArgumentHelp("API base URL (env HREXPORT_API_BASE; default https://api.fitbit.com, or https://health.googleapis.com with --source google).", valueName: "url"))
    var apiBase: String?

    @Option(help: ArgumentHelp("OAuth authorize URL (env HREXPORT_AUTHORIZE_URL; default Fitbit's or Google's, or <base>/oauth2/authorize (Google: <base>/o/oauth2/v2/auth) when only the base is set).", valueName: "url"))
    var authorizeURL: String?

    @Option(help: ArgumentHelp("OAuth token URL (env HREXPORT_TOKEN_URL; default <base>/oauth2/token, or https://oauth2.googleapis.com/token (<base>/token when only the base is set) with --source google).", valueName: "url"))
    var tokenURL: String?

    @Option(help: ArgumentHelp("Google only: pace at N requests per SECONDS (default 300/60, Google's per-user quota).", valueName: "N/seconds"))
    var pace: String?

    @Option(help: ArgumentHelp("Google only, with --all or --users: the Cloud project's quota as N requests per SECONDS (default 120000/60), shared by every shard: each shard paces N divided by the shard count across its users.", valueName: "N/seconds"))
    var projectPace: String?

    var pacing: RateBudget.Pacing? { pace.flatMap(Self.pacing) }

    /// The project's quota for one shard of `count`: its share, at least one request per window.
    func projectPacing(shards count: Int) -> RateBudget.Pacing {
        let whole = projectPace.flatMap(Self.pacing) ?? RateBudget.Pacing(limit: 120_000, window: .seconds(60))
        return RateBudget.Pacing(limit: max(1, whole.limit / count), window: whole.window)
    }

    private static func pacing(_ pace: String) -> RateBudget.Pacing? {
        let parts = pace.split(separator: "/")
        guard parts.count == 2, let limit = Int(parts[0]), (1...1_000_000).contains(limit), let seconds = Double(parts[1]),
              seconds > 0, let window = Duration.checkedSeconds(seconds), seconds <= 86_400 else { return nil }
        return RateBudget.Pacing(limit: limit, window: window)
    }

    @Option(help: ArgumentHelp("OAuth client id (env HREXPORT_CLIENT_ID). The secret, if any, only from HREXPORT_CLIENT_SECRET.", valueName: "id"))
    var clientID: String?

    @Option(help: ArgumentHelp("Seconds to wait for one answer before the request is retried.", valueName: "seconds"))
    var requestTimeout: Double = 60

    /// The standard retries with this timeout. `HREXPORT_TEST_FAST_RETRIES=1`, a test hook like
    /// HREXPORT_CRASH_AT, shrinks the backoff to milliseconds so that fault tests take seconds.
    var retryPolicy: RetryPolicy {
        var policy = Environment.value("HREXPORT_TEST_FAST_RETRIES") == "1"
            ? RetryPolicy(maxAttempts: 8, baseDelay: .milliseconds(20), maxDelay: .milliseconds(200), timeout: .seconds(60)) : RetryPolicy.standard
        policy.timeout = Duration.checkedSeconds(requestTimeout) ?? .seconds(60)
        return policy
    }

    func validate() throws {
        try Flags.seconds(requestTimeout, "--request-timeout", max: 3600)
        if let source, !source.isAPI { throw ValidationError("--source takeout is not an API: import Takeout archives with `hrexport import <zip or folder>...`") }
        if pace != nil && pacing == nil { throw ValidationError("--pace must be N/SECONDS, N from 1 to 1000000 and SECONDS a number from 0 to 86400 (not 0), e.g. 300/60") }
        if let projectPace, Self.pacing(projectPace) == nil {
            throw ValidationError("--project-pace must be N/SECONDS, N from 1 to 1000000 and SECONDS a number from 0 to 86400 (not 0), e.g. 120000/60")
        }
    }

    /// Refuses an insecure URL given by flag or environment before anything else is read (exit 2, not 3).
    func checkOverrides() throws {
        let given = [("API base", apiBase ?? Environment.value("HREXPORT_API_BASE")),
                     ("authorize URL", authorizeURL ?? Environment.value("HREXPORT_AUTHORIZE_URL")),
                     ("token URL", tokenURL ?? Environment.value("HREXPORT_TOKEN_URL"))]
        for case let (name, url?) in given { try APIConfiguration.requireSecure(url, name: name) }
    }

    /// Flags, then environment, then what the stored credential remembers, then the source's defaults.
    func configuration(stored: Credential?) throws -> APIConfiguration {
        let base = apiBase ?? Environment.value("HREXPORT_API_BASE")
        let overridesBase = base != nil && base != stored?.apiBase
        return try APIConfiguration(
            source: source ?? stored?.source ?? .fitbit,
            apiBase: base ?? stored?.apiBase,
            authorizeURL: authorizeURL ?? Environment.value("HREXPORT_AUTHORIZE_URL") ?? (overridesBase ? nil : stored?.authorizeURL),
            tokenURL: tokenURL ?? Environment.value("HREXPORT_TOKEN_URL") ?? (overridesBase ? nil : stored?.tokenURL),
            clientID: clientID ?? Environment.value("HREXPORT_CLIENT_ID") ?? stored?.clientID ?? "",
            clientSecret: Environment.value("HREXPORT_CLIENT_SECRET"))
    }
}

/// Checks of flag values that ArgumentParser's types do not make: a Double may be `inf`, `nan` or `1e20`.
enum Flags {
    /// Seconds: finite, positive (or zero when `allowZero`), at most `max`; else exit 2 before anything is touched.
    static func seconds(_ value: Double, _ name: String, allowZero: Bool = false, max: Double = 86_400) throws {
        guard value.isFinite, allowZero ? value >= 0 : value > 0, value <= max else {
            throw ValidationError("\(name) must be a number of seconds \(allowZero ? "from 0" : "above 0") up to \(Int(max))")
        }
    }

    /// `--series`: known names, none twice; with `--detail`, the series' details must include it.
    static func series(_ text: String?, detail: Detail?) throws -> [Series]? {
        guard let text else { return nil }
        guard let series = Series.list(text) else {
            throw ValidationError("--series must be a comma-separated list of \(Series.all.map(\.name).joined(separator: ", ")), each once (e.g. 1min,hrv,daily)")
        }
        if let detail, !series.contains(.samples(detail)) {
            throw ValidationError("--series \(text) does not include the --detail \(detail.rawValue); add it, or leave one of the two out")
        }
        return series
    }

    static let seriesHelp = ArgumentHelp("Series to export, comma-separated: 1sec, 1min, 5min, 15min, hrv (intraday heart-rate variability), daily (resting heart rate, zone minutes, nightly HRV). Default: the detail, hrv and daily.", valueName: "list")

    /// A range that starts after today everywhere (today in UTC+14, the earliest zone) holds no data: exit 2.
    static func notInTheFuture(_ from: LocalDate?) throws {
        guard let from else { return }
        let latestToday = LocalDate(containingSecond: Int64(Date().timeIntervalSince1970.rounded(.down)) + 14 * 3600)
        if from > latestToday {
            throw ValidationError("--from \(from) is after today (\(latestToday) in the earliest time zone): there is nothing to export yet")
        }
    }
}

enum Environment {
    static func value(_ name: String) -> String? {
        guard let value = ProcessInfo.processInfo.environment[name], !value.isEmpty else { return nil }
        return value
    }

    static var home: String { value("HOME") ?? NSHomeDirectory() }
}

/// Runs a command body and turns our typed errors into one line on stderr and the design's exit code.
func reportingErrors(to console: Console = Console(), _ body: () async throws -> Void) async throws {
    do {
        try await body()
    } catch let error as ExportError {
        console.error(error.description)
        throw ExitCode(error.exitCode)
    }
}

/// The synchronous twin of `reportingErrors`.
func withExitCodes(_ body: () throws -> Void) throws {
    do {
        try body()
    } catch let error as ExportError {
        Console().error(error.description)
        throw ExitCode(error.exitCode)
    }
}

/// What a command prints: results on stdout, messages on stderr, and every line into the run's log file
/// when it has one (`sync --log`).
struct Console: Sendable {
    var log: LogFile?

    /// Lines that scripts read are flushed at once, even into a pipe.
    func line(_ text: String) {
        FileHandle.standardOutput.write(Data((text + "\n").utf8))
        log?.append(text)
    }

    /// One line, whatever the message quotes: control characters from a server's text are escaped here too.
    func error(_ text: String) {
        let line = Printable.escaped(text, limit: 2000)
        FileHandle.standardError.write(Data(("hrexport: " + line + "\n").utf8))
        log?.append("error: " + line)
    }

    func warning(_ text: String) {
        let line = Printable.escaped(text, limit: 2000)
        FileHandle.standardError.write(Data(("hrexport: warning: " + line + "\n").utf8))
        log?.append("warning: " + line)
    }

    func info(_ text: String) {
        FileHandle.standardError.write(Data((text + "\n").utf8))
        log?.append(text)
    }

    static func line(_ text: String) { Console().line(text) }
    static func error(_ text: String) { Console().error(text) }
    static func warning(_ text: String) { Console().warning(text) }
    static func info(_ text: String) { Console().info(text) }
}

extension LocalDate: ExpressibleByArgument {
    public init?(argument: String) {
        self.init(argument)
    }
}

extension Detail: ExpressibleByArgument {}
extension SourceKind: ExpressibleByArgument {}
extension TakeoutTimes: ExpressibleByArgument {}
extension OutputFormat: ExpressibleByArgument {}
