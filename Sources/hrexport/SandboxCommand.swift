import ArgumentParser
import Foundation
import HeartRateExport
import Sandbox

struct SandboxCommand: AsyncParsableCommand {
    static let configuration = CommandConfiguration(
        commandName: "sandbox",
        abstract: "Run the built-in Fitbit-compatible server with synthetic, deterministic data.",
        discussion: """
        Binds 127.0.0.1 only and prints its base URL as the first line of stdout. Point hrexport at it with \
        HREXPORT_API_BASE=<url>. Any client id is accepted (public clients must use PKCE; the confidential \
        secret is `sandbox-secret`). Test routes: GET /_sandbox/requests, GET /_sandbox/truth?user=&date=&detail=, \
        GET /_sandbox/token?user=, POST /_sandbox/last-sync?user=&value=YYYY-MM-DDTHH:MM:SS, POST /_sandbox/timezone?zone=&from=YYYY-MM-DD (the user moves).
        """
    )

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

    @Option(help: "Requests per user per rate window.")
    var rateLimit: Int = 150

    @Option(help: "Length of a rate window in seconds (a compressed clock for tests).")
    var hourSeconds: Double = 3600

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
        guard rateLimit >= 1, hourSeconds > 0, tokenTTL > 0 else { throw ValidationError("--rate-limit, --hour-seconds and --token-ttl must be positive") }
        if let faultRate, !(0...1).contains(faultRate) { throw ValidationError("--fault-rate must be between 0 and 1") }
        if let faults, Faults(spec: faults) == nil {
            throw ValidationError("--faults must be name=probability pairs from \(Faults.names.joined(separator: ", ")), each 0...1, the data faults adding up to at most 1")
        }
        guard slowSeconds > 0 else { throw ValidationError("--slow-seconds must be positive") }
        if let lastSync, LocalDateTime(lastSync) == nil { throw ValidationError("--last-sync must be YYYY-MM-DDTHH:MM:SS") }
    }

    func run() async throws {
        var configuration = SandboxConfiguration()
        configuration.port = port
        configuration.users = users
        configuration.authorizingUser = user
        configuration.seed = seed
        configuration.timeZone = timezone
        configuration.rateLimit = rateLimit
        configuration.hourSeconds = hourSeconds
        configuration.tokenTTL = tokenTTL
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
