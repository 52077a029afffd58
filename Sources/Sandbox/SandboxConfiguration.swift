import HeartRateExport

/// Knobs of the built-in Fitbit-compatible server. Calendar dates are real; only the rate window and token
/// lifetime are compressed, so a rate-limited backfill or a token expiry takes seconds in tests.
public struct SandboxConfiguration: Sendable {
    /// Which provider's shapes and paths are served.
    public enum API: String, Sendable, CaseIterable {
        case fitbit, google

        /// Requests per user per window: Fitbit 150 per hour, Google 300 per minute.
        public var rateLimit: Int { self == .google ? 300 : 150 }
        public var windowSeconds: Double { self == .google ? 60 : 3600 }
        /// Google's access tokens live about an hour: the Google flavour never hands out longer ones.
        public var longestTokenTTL: Double { self == .google ? 3600 : .infinity }
    }

    public var api = API.fitbit
    public var port = 0
    public var users = 3
    /// The user `/oauth2/authorize` approves.
    public var authorizingUser = "SANDBOX1"
    public var seed: UInt64 = 1
    public var timeZone = "America/New_York"
    public var rateLimit = 150
    /// Requests per rate window across all users (Google's per-project quota); nil: none.
    public var projectLimit: Int?
    /// Length of one rate window; windows are aligned to multiples of it since the Unix epoch.
    public var hourSeconds = 3600.0
    public var tokenTTL = 28_800.0
    /// How long a just-used refresh token may be replayed for the same answer.
    public var replayWindowSeconds = 120.0
    /// The devices' last sync (local wall clock); nil means "now", advancing with real time.
    public var lastSync: LocalDateTime?
    /// Probabilities of each kind of fault, per data request (token5xx: per refresh).
    public var faults = Faults()
    /// Seeds the fault draws (tests print it, so a failure replays); nil draws from the system.
    public var faultSeed: UInt64?
    /// Probability that a data request answers 500/502/503/504 (the shorthand `--fault-rate`).
    public var faultRate: Double {
        get { faults.serverError }
        set { faults.serverError = newValue }
    }
    /// How long a `slow` fault holds its answer: longer than the client's timeout.
    public var slowSeconds = 65.0
    /// Days without any data, as ranges: long gaps in the series.
    public var offWrist: [ClosedRange<LocalDate>] = []
    public var clientSecret = "sandbox-secret"
    /// Pins "today" for tests that need a fixed calendar; nil means the real date in `timeZone`.
    public var today: LocalDate?

    public init() {}

    public var userIDs: [String] { (1...max(users, 1)).map { "SANDBOX\($0)" } }

    /// `SANDBOX1` ... `SANDBOX<users>`.
    public func isUser(_ name: String) -> Bool {
        guard name.hasPrefix("SANDBOX"), let n = Int(name.dropFirst(7)), String(n) == name.dropFirst(7) else { return false }
        return (1...users).contains(n)
    }
}

/// What can go wrong on the way, as `--faults 5xx=0.1,reset=0.05,slow=0.05,truncated=0.02,html=0.02,burst429=0.01,token5xx=0.05`.
public struct Faults: Sendable, Equatable {
    /// 500, 502, 503 or 504.
    public var serverError = 0.0
    /// The connection closes halfway through the body.
    public var reset = 0.0
    /// The answer comes after `slowSeconds`.
    public var slow = 0.0
    /// 200 with the JSON cut in half (a complete HTTP message).
    public var truncated = 0.0
    /// 200 with a proxy's HTML error page.
    public var html = 0.0
    /// This and the next two requests get 429 without `Retry-After`.
    public var burst429 = 0.0
    /// The token endpoint answers 503 to a refresh: half the time before rotating, half after.
    public var token5xx = 0.0

    public init() {}

    public static let names = ["5xx", "reset", "slow", "truncated", "html", "burst429", "token5xx"]

    /// Parses `name=probability,...`; nil for an unknown name or a probability outside 0...1.
    public init?(spec: String) {
        for part in spec.split(separator: ",") {
            let pair = part.split(separator: "=", maxSplits: 1)
            guard pair.count == 2, let p = Double(pair[1]), (0...1).contains(p) else { return nil }
            switch pair[0] {
            case "5xx": serverError = p
            case "reset": reset = p
            case "slow": slow = p
            case "truncated": truncated = p
            case "html": html = p
            case "burst429": burst429 = p
            case "token5xx": token5xx = p
            default: return nil
            }
        }
        guard serverError + reset + slow + truncated + html + burst429 <= 1 else { return nil }
    }
}
