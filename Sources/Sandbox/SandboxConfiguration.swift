import HeartRateExport

/// Knobs of the built-in Fitbit-compatible server. Calendar dates are real; only the rate window and token
/// lifetime are compressed, so a rate-limited backfill or a token expiry takes seconds in tests.
public struct SandboxConfiguration: Sendable {
    public var port = 0
    public var users = 3
    /// The user `/oauth2/authorize` approves.
    public var authorizingUser = "SANDBOX1"
    public var seed: UInt64 = 1
    public var timeZone = "America/New_York"
    public var rateLimit = 150
    /// Length of one rate window; windows are aligned to multiples of it since the Unix epoch.
    public var hourSeconds = 3600.0
    public var tokenTTL = 28_800.0
    /// How long a just-used refresh token may be replayed for the same answer.
    public var replayWindowSeconds = 120.0
    /// The devices' last sync (local wall clock); nil means "now", advancing with real time.
    public var lastSync: LocalDateTime?
    /// Probability that a data request answers 500/502/503/504.
    public var faultRate = 0.0
    /// Days without any data, as ranges: long gaps in the series.
    public var offWrist: [ClosedRange<LocalDate>] = []
    public var clientSecret = "sandbox-secret"
    /// Pins "today" for tests that need a fixed calendar; nil means the real date in `timeZone`.
    public var today: LocalDate?

    public init() {}

    public var userIDs: [String] { (1...max(users, 1)).map { "SANDBOX\($0)" } }
}
