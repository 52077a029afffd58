import ArgumentParser
import Foundation
import HeartRateExport
import Sandbox

struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Run the built-in Fitbit- or Google-compatible server with synthetic, deterministic data.",
        discussion: """
        Binds 127.0.0.1 only and prints its base URL as the first line of stdout. Point hrexport at it with \
        HREXPORT_API_BASE=<url> (and --source google for `--api google`, which serves /o/oauth2/v2/auth, /token, \
        /v4/users/me/identity and /v4/users/me/dataTypes/heart-rate/dataPoints; there SANDBOX2 has no legacy \
        Fitbit id and SANDBOX3 is not linked to a Fitbit account). POST /_sandbox/expire-refresh?user= ends a grant. Any client id is accepted (public clients must use PKCE; the confidential \
        secret is `sandbox-secret`). Test routes: GET /_sandbox/requests, GET /_sandbox/truth?user=&date=&detail=, \
        GET /_sandbox/token?user=, POST /_sandbox/last-sync?user=&value=YYYY-MM-DDTHH:MM:SS, POST /_sandbox/timezone?zone=&from=YYYY-MM-DD (the user moves).
        """
    )

    @Option(help: ArgumentHelp("Which API to serve: fitbit or google (Google: 300 requests per user per 60 s unless --rate-limit/--hour-seconds say otherwise).", valueName: "api"))
    var api: SandboxConfiguration.API = .fitbit

    @Option(help: "Port to listen on; 0 picks a free one.")
    var port: Int = 0

    @Option(help: "Number of users SANDBOX1..SANDBOXn.")
    var users: Int = 3

    @Option(help: "The user that /oauth2/authorize approves.")
    var user: String = "SANDBOX1"

    @Option(help: "Seed of the synthetic data.")
    var seed: UInt64 = 1

    @Option(help: "IANA time zone of the users.")
    var timezone: String = "America/New_York"

    @Option(help: "Requests per user per rate window (default 150 for fitbit, 300 for google).")
    var rateLimit: Int?

    @Option(help: "Requests per rate window across all users, as Google's per-project quota (default: none).")
    var projectLimit: Int?

    @Option(help: "Length of a rate window in seconds, a compressed clock for tests (default 3600 for fitbit, 60 for google).")
    var hourSeconds: Double?

    @Option(help: "Access-token lifetime in seconds.")
    var tokenTTL: Double = 28_800

    @Option(help: "Devices' last sync, local YYYY-MM-DDTHH:MM:SS (default: now). Data after it are not served.")
    var lastSync: String?

    @Option(help: "Probability (0...1) that a data request answers 500/502/503/504 (shorthand for --faults 5xx=P).")
    var faultRate: Double?

    @Option(help: ArgumentHelp("Faults per data request, e.g. 5xx=0.1,reset=0.05,slow=0.05,truncated=0.02,html=0.02,burst429=0.01,token5xx=0.05 (token5xx: per refresh).", valueName: "spec"))
    var faults: String?

    @Option(help: "Seconds a `slow` fault holds its answer.")
    var slowSeconds: Double = 65

    @Option(help: ArgumentHelp("Days without any data, FROM..TO (repeatable): a long gap in the series.", valueName: "from..to"))
    var offWrist: [String] = []

    func validate() throws {
        for range in offWrist where Self.dayRange(range) == nil { throw ValidationError("--off-wrist \(range) is not YYYY-MM-DD..YYYY-MM-DD with FROM <= TO") }
        guard TimeZone(identifier: timezone) != nil else { throw ValidationError("unknown time zone \(timezone)") }
        guard (0...65535).contains(port) else { throw ValidationError("--port must be between 0 and 65535") }
        guard users >= 1 else { throw ValidationError("--users must be at least 1") }
        guard (rateLimit ?? 1) >= 1 else { throw ValidationError("--rate-limit must be positive") }
        guard (projectLimit ?? 1) >= 1 else { throw ValidationError("--project-limit must be positive") }
        try Flags.seconds(hourSeconds ?? 1, "--hour-seconds")
        try Flags.seconds(tokenTTL, "--token-ttl", max: 365 * 86_400)
        if let faultRate, !(0...1).contains(faultRate) { throw ValidationError("--fault-rate must be between 0 and 1") }
        if let faults, Faults(spec: faults) == nil {
            throw ValidationError("--faults must be name=probability pairs from \(Faults.names.joined(separator: ", ")), each 0...1, the data faults adding up to at most 1")
        }
        try Flags.seconds(slowSeconds, "--slow-seconds")
        if let lastSync, LocalDateTime(lastSync) == nil { throw ValidationError("--last-sync must be YYYY-MM-DDTHH:MM:SS") }
    }

    func run() async throws {
        var configuration = SandboxConfiguration()
        configuration.port = port
        configuration.users = users
        configuration.authorizingUser = user
        configuration.seed = seed
        configuration.timeZone = timezone
        configuration.api = api
        configuration.rateLimit = rateLimit ?? api.rateLimit
        configuration.projectLimit = projectLimit
        configuration.hourSeconds = hourSeconds ?? api.windowSeconds
        configuration.tokenTTL = min(tokenTTL, api.longestTokenTTL)
        configuration.lastSync = lastSync.flatMap { LocalDateTime($0) }
        if let faults { configuration.faults = Faults(spec: faults)! }
        if let faultRate { configuration.faultRate = faultRate }
        configuration.slowSeconds = slowSeconds
        configuration.offWrist = offWrist.compactMap(Self.dayRange)
        if let secret = Environment.value("HREXPORT_SANDBOX_SECRET") { configuration.clientSecret = secret }
        try await SandboxServer.run(configuration) { url in Console.line(url) }
    }

    static func dayRange(_ text: String) -> ClosedRange<LocalDate>? {
        let parts = text.split(separator: ".", omittingEmptySubsequences: true)
        guard text.contains(".."), parts.count == 2, let from = LocalDate(parts[0]), let to = LocalDate(parts[1]), from <= to else { return nil }
        return from...to
    }
}

extension SandboxConfiguration.API: ExpressibleByArgument {}
