/// The Google Health API v4, Fitbit's successor.
public struct GoogleProvider: Provider {
    public static let apiBase = "https://health.googleapis.com"
    public static let authorizeURL = "https://accounts.google.com/o/oauth2/v2/auth"
    public static let tokenURL = "https://oauth2.googleapis.com/token"
    public static let scope = "https://www.googleapis.com/auth/googlehealth.health_metrics_and_measurements.readonly"
    /// Google's documented per-user quota.
    public static let pacing = RateBudget.Pacing(limit: 300, window: .seconds(60))
    /// No device sync time: a day is also complete 48 hours (two days) after its end.
    public static let settleDays = 2

    public init() {}

    public var kind: SourceKind { .google }
    public var defaultAPIBase: String { Self.apiBase }
    public func authorizeURL(base: String?) -> String { base.map { $0 + "/o/oauth2/v2/auth" } ?? Self.authorizeURL }
    public func tokenURL(base: String?) -> String { base.map { $0 + "/token" } ?? Self.tokenURL }
    public var scope: String { Self.scope }
    /// Google's installed-app flow returns a refresh token only when asked for offline access with consent.
    public var authorizeFields: [(String, String)] { [("access_type", "offline"), ("prompt", "consent")] }
    /// A refresh answer usually has no new refresh token: the old one stays in use.
    public var refreshMayKeepToken: Bool { true }

    public func refusedRefreshToken(user: String) -> String {
        "Google refused the refresh token for \(user) (invalid_grant): tokens of an OAuth app in \"Testing\" status expire after 7 days, and any token unused for 6 months or revoked dies; publish the app or run `hrexport auth --source google` again"
    }

    /// Google's token answer names no user: the identity endpoint does.
    public func user(identityThrough get: @Sendable (String) async throws -> HTTPResult) async throws -> String? {
        try await GoogleIdentity.user(through: get)
    }

    /// Google names no reason for an expired token: any 401 is worth one refresh.
    public func mayRefresh(after result: HTTPResult) -> Bool { true }

    /// No rate headers: paced at the per-user quota (or what `--pace` says).
    public func pacing(override: RateBudget.Pacing?) -> RateBudget.Pacing? { override ?? Self.pacing }

    public func makeSource(requester: AuthorizedRequester) -> any HeartRateSource { GoogleClient(requester: requester) }

    /// A day is complete once a sample later than its end exists, or two local midnights after it. Kept at a
    /// midnight, the value does not move between two runs of one day, so a second sync finds nothing new.
    public func settledReach(lastSync: LocalDateTime?, today: LocalDate) -> LocalDateTime? {
        let settled = LocalDateTime(date: today.adding(days: -Self.settleDays), secondOfDay: 0)
        return max(lastSync ?? settled, settled)
    }
}
